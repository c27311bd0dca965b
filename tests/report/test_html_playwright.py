"""``report.html`` of a 1,000-sample run driven in headless chromium through playwright, as a reader
uses it: on a 390 px phone, filtering, searching by id and by displayed category name, typing
into the search box (timed in the page with ``performance.now``), with JavaScript off, and with
the chart's colours, legend and axis read back from the rendered page.

Needs the ``playwright`` package (a dev dependency) and a chromium binary (Debian's ``chromium``;
.ci/run installs it). Without chromium the tests skip and say how to install it, except in CI, where
they fail (tests/report/browser.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from harness.manager import get_registry
from harness.report import write_report
from tests.report.browser import BROWSER, require_browser
from tests.report.large_run import (
    CATEGORIES,
    KEYSTROKES,
    N_SAMPLES,
    RAW_FLOAT,
    typing,
    write_large_run,
)

# seconds of CPU: left out of the quick subset (-m "not slow"); one xdist worker (--dist loadgroup):
# the browser and the report are built once, not once per worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("html_playwright")]


@pytest.fixture(autouse=True)
def _browser() -> None:
    require_browser()


@pytest.fixture(scope="module")
def big_report(tmp_path_factory):
    run = tmp_path_factory.mktemp("big-run")
    counts = write_large_run(run)
    write_report(run, n_resamples=200)
    return run / "report.html", counts


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=BROWSER, args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()


def open_page(browser, report: Path, *, width: int = 1280, javascript: bool = True):
    context = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console.{msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
    page.goto(report.as_uri())
    if javascript:
        page.wait_for_selector("html[data-report-ready='1']")
    return context, page, errors


def shown(page) -> int:
    return int(page.text_content("#shown-count"))


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse_rgb(css: str) -> tuple[int, int, int]:
    match = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", css)
    assert match, f"not an rgb colour: {css!r}"
    return tuple(int(v) for v in match.groups())  # type: ignore[return-value]


def test_contrast_helper_matches_wcag():
    """The checker itself: black on white is 21:1, the old orange 'others' bar 2.4:1."""
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((0xF2, 0x8E, 0x2B), (255, 255, 255)), 1) == 2.4


def test_filters_count_right_and_console_is_clean(browser, big_report):
    report, counts = big_report
    context, page, errors = open_page(browser, report)
    try:
        assert shown(page) == N_SAMPLES
        labels = page.eval_on_selector_all(
            "#category-filter option", "os => os.map(o => [o.value, o.textContent])"
        )
        names = {c: spec.display_name for c, spec in get_registry().categories().items()}
        # the filter says what the tables say: display names (open qa), keyed by category id (open_qa)
        assert dict(labels[1:]) == {c: names[c] for c in CATEGORIES}
        assert "open_qa" not in [text for _, text in labels]
        for category, expected in counts["category"].items():
            page.select_option("#category-filter", category)
            assert shown(page) == expected, category
            assert page.locator("tr.sample:not([hidden])").count() == expected
        page.select_option("#category-filter", "")
        for status, expected in counts["status"].items():
            page.select_option("#status-filter", status)
            assert shown(page) == expected, status
        page.select_option("#category-filter", "math")
        page.select_option("#status-filter", "unscored")
        both = sum(1 for i in range(N_SAMPLES) if CATEGORIES[i % len(CATEGORIES)] == "math" and i % 7 == 3)
        assert shown(page) == both
        assert errors == []
    finally:
        context.close()


def test_search_by_id_and_display_name(browser, big_report):
    report, counts = big_report
    context, page, errors = open_page(browser, report)
    try:
        page.fill("#search", "sample-0457")
        page.wait_for_function("document.getElementById('shown-count').textContent === '1'")
        visible = page.eval_on_selector_all(
            "tr.sample:not([hidden]) td.sid", "cs => cs.map(c => c.textContent)"
        )
        assert visible == ["sample-0457"]
        page.fill("#search", "Open QA")  # the displayed name, any case
        page.wait_for_function(
            f"document.getElementById('shown-count').textContent === '{counts['category']['open_qa']}'"
        )
        page.fill("#search", "第12个问题")  # question text, Chinese
        page.wait_for_function("document.getElementById('shown-count').textContent === '1'")
        page.fill("#search", "")
        page.wait_for_function(f"document.getElementById('shown-count').textContent === '{N_SAMPLES}'")
        assert errors == []
    finally:
        context.close()


def test_typing_and_erasing_filters_on_every_keystroke(browser, big_report):
    """Each keystroke into the search box runs the filter (its ``harness-filter`` mark) and shows the
    right rows: typing narrows to ``sample-045``'s ten, erasing shows all 1,000 again. How fast is
    ``python bench/report_search.py``'s question (a time bound here would measure the shared CPU)."""
    report, _ = big_report
    context, page, errors = open_page(browser, report)
    try:
        queries = typing("sample-045") + typing("答案")
        results = page.evaluate(KEYSTROKES, queries)
        assert [r["query"] for r in results] == queries
        assert all(r["filter"] >= 0 and r["handler"] >= 0 for r in results)
        assert [r["shown"] for r in results if r["query"] == "sample-045"] == [10]  # sample-0450 .. 0459
        assert results[-1]["query"] == "" and results[-1]["shown"] == N_SAMPLES
        assert errors == []
    finally:
        context.close()


def test_phone_width_390(browser, big_report):
    report, _ = big_report
    context, page, errors = open_page(browser, report, width=390)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the wide things scroll inside their own box, which stays on the screen
        boxes = page.eval_on_selector_all(
            ".scroll", "bs => bs.map(b => [b.getBoundingClientRect().right, b.scrollWidth > b.clientWidth])"
        )
        assert all(right <= 390 for right, _ in boxes)
        assert any(scrolls for _, scrolls in boxes)  # the sample table is wider than a phone
        page.fill("#search", "sample-0001")
        page.wait_for_function("document.getElementById('shown-count').textContent === '1'")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []
    finally:
        context.close()


def test_chart_contrast_legend_axis(browser, big_report):
    report, _ = big_report
    context, page, errors = open_page(browser, report)
    try:
        background = parse_rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))
        fills = page.eval_on_selector_all(
            "#category-chart rect.bar, #chart-legend rect.swatch",
            "rs => rs.map(r => [r.closest('g') ? r.closest('g').getAttribute('class') : 'legend', getComputedStyle(r).fill])",
        )
        assert (
            len(fills) == len(CATEGORIES) + 1 + 2 + 3
        )  # bars (+ others column, two macros) and 3 legend keys
        ratios = {f"{kind} {fill}": contrast(parse_rgb(fill), background) for kind, fill in fills}
        assert min(ratios.values()) >= 3.0, ratios
        legend = page.text_content("#chart-legend")
        assert "category" in legend and "others" in legend and "macro average" in legend and "95%" in legend
        ticks = [
            float(t)
            for t in page.eval_on_selector_all(
                "#category-chart text.tick", "ts => ts.map(t => t.textContent)"
            )
        ]
        # scores are 0..0.3: the axis ends at a round value just above the highest interval, not at 1
        scores = json.loads(report.with_name("scores.json").read_text(encoding="utf-8"))
        rows = [
            *scores["categories"].values(),
            *scores["columns"].values(),
            scores["macro"],
            scores["macro_wo_others"],
        ]
        highest = max(r["ci_high"] for r in rows if r["ci_high"] is not None)
        assert ticks[0] == 0 and highest <= ticks[-1] < 1.0 and ticks[-1] <= 2 * highest
        assert f"0 to {ticks[-1]:g} of the judge's 0..1 scale" in page.text_content("#axis-note")
        assert errors == []
    finally:
        context.close()


def test_text_language_fonts_rounding_gold(browser, big_report):
    report, _ = big_report
    context, page, errors = open_page(browser, report)
    try:
        assert page.evaluate("document.documentElement.lang") == "en"
        question_lang = page.eval_on_selector("tr.sample td.q .text", "e => e.closest('[lang]').lang")
        assert question_lang == "zh"
        fonts = page.evaluate("getComputedStyle(document.body).fontFamily")
        for font in (
            "Noto Sans CJK SC",
            "WenQuanYi Micro Hei",
            "PingFang SC",
            "Hiragino Sans GB",
            "Microsoft YaHei",
        ):
            assert font in fonts  # Linux, macOS and Windows each find a CJK font
        body = page.text_content("body")
        assert str(RAW_FLOAT) not in page.text_content("#samples tbody tr:first-child td:last-child small")
        assert "[scored 0.053]" in body
        assert "(open_qa)" not in body and "code (code)" not in body
        # a short answer is in its cell once; a long one opens to the whole text without the preview
        short = page.text_content("tr.sample:nth-child(2) td.answer")
        assert (
            short.count("答案 1") == 1
            and page.locator("tr.sample:nth-child(2) td.answer details").count() == 0
        )
        page.click("tr.sample:nth-child(1) td.answer summary")
        assert page.locator("tr.sample:nth-child(1) td.answer .preview").is_visible() is False
        # brainstorming's judge prompt shows no gold answer, so the report shows none either
        brainstorming = page.locator("tr.sample[data-category='brainstorming']").first
        assert "not shown to the judge" in brainstorming.text_content()
        assert "参考答案" not in brainstorming.text_content()
        open_qa = page.locator("tr.sample[data-category='open_qa']").first
        assert "参考答案" in open_qa.locator("td.gold").text_content()
        assert errors == []
    finally:
        context.close()


def test_javascript_off_counter_and_rows(browser, big_report):
    report, _ = big_report
    context, page, errors = open_page(browser, report, javascript=False)
    try:
        assert (
            re.sub(r"\s+", " ", page.text_content("p.counter")).strip() == f"{N_SAMPLES} of {N_SAMPLES} shown"
        )
        assert page.locator("tr.sample:not([hidden])").count() == N_SAMPLES
        assert page.locator("#filters").is_visible() is False  # the controls need the script
        assert errors == []
    finally:
        context.close()
