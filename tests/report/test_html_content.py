"""``report.html`` as written, checked without a browser (so these run where chromium is absent):
language marks, the server-rendered counter, display names, rounded judge scores, gold answers
only where the judge saw them, short texts once, bar colours' contrast, and the chart's axis."""

from __future__ import annotations

import re

import pytest

from harness.report import write_report
from harness.report.html import BAR_COLOURS, _text_block, nice_axis
from harness.scales import ScoreScale


def contrast_on_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


@pytest.fixture
def demo_report(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="demo-run", unscored_every=6)
    write_report(run, n_resamples=100)
    return (run / "report.html").read_text(encoding="utf-8")


def test_language_counter_and_names(demo_report):
    page = demo_report
    assert '<html lang="en">' in page and 'lang="zh"' in page
    assert re.search(r'<td role="cell" class="q"><div class="text" lang="zh">', page)  # Chinese question
    assert '"Noto Sans CJK SC"' in page and '"PingFang SC"' in page and '"Microsoft YaHei"' in page
    # with JavaScript off the counter is already right
    assert '<span id="shown-count">30</span> of 30 shown' in page
    # the filter offers the names the tables show, keyed by category id
    assert '<option value="open_qa">open qa</option>' in page and ">open_qa<" not in page
    assert "(code)" not in page and "(open_qa)" not in page


def test_gold_only_where_the_judge_saw_it(demo_report):
    rows = dict(
        re.findall(r'<tr class="sample"[^>]*data-category="([^"]+)"[^>]*>(.*?)</tr>', demo_report, re.S)
    )
    # brainstorming, generation and rewrite prompts show no gold answer (gold_shown: false)
    for category in ("brainstorming", "generation", "rewrite"):
        assert 'class="no-gold"' in rows[category] and "not shown to the judge" in rows[category]
    for category in ("math", "open_qa", "closed_qa"):
        assert 'class="gold"' in rows[category] and "not shown to the judge" not in rows[category]


def test_judge_scores_rounded(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="r")
    lines = (run / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace('"score": ', '"score": 0.052532833020637895, "x": ', 1)
    (run / "judgments.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_report(run, n_resamples=50)
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "[scored 0.053]" in page and "0.052532833020637895]" not in page


def test_short_text_once_long_text_preview_hidden_when_open():
    short = _text_block("答案 1", collapsed=True)
    assert short.count("答案 1") == 1 and "<details>" not in short
    long = _text_block("长" * 100, collapsed=True)
    assert '<span class="preview" lang="zh">' in long and "<details>" in long


def test_bar_colours_contrast_at_least_3_to_1():
    assert {kind: round(contrast_on_white(c), 1) >= 3.0 for kind, c in BAR_COLOURS.items()} == {
        "category": True,
        "column": True,
        "macro": True,
    }
    assert round(contrast_on_white("#f28e2b"), 1) == 2.4  # the old orange, which the check rejects


@pytest.mark.parametrize(
    ("scale", "top", "end", "step"),
    [
        (ScoreScale(), 0.171, 0.2, 0.05),
        (ScoreScale(), 0.3, 0.4, 0.1),
        (ScoreScale(), 0.052, 0.06, 0.02),
        (ScoreScale(), 0.95, 1.0, 0.2),
        (ScoreScale(), 1.0, 1.0, 0.25),
        (ScoreScale(), None, 1.0, 0.25),
        (ScoreScale(1, 10), 5.5, 6.0, 1.0),
        (ScoreScale(1, 10), 10.0, 10.0, 2.0),
    ],
)
def test_axis_ends_just_above_the_highest_value(scale, top, end, step):
    axis_end, axis_step = nice_axis(scale, top)
    assert axis_end == pytest.approx(end) and axis_step == pytest.approx(step)
    assert top is None or axis_end >= top


def test_axis_stated_under_the_chart(demo_report):
    note = re.search(r'<figcaption id="axis-note"><small>(.*?)</small>', demo_report).group(1)
    assert note.startswith("Axis: 0 to ") and "of the judge&#x27;s 0..1 scale" in note
    assert 'id="chart-legend"' in demo_report
