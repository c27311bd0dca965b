"""``harness compare --html``: Table 4-style cases, picked by score difference, escaped, via the CLI."""

from __future__ import annotations

import json
import os
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from harness.scoring.cases import pick_cases
from tests.harness_cli import run_harness


def cli(*argv: str) -> subprocess.CompletedProcess:
    return run_harness(argv, env={**os.environ, "COLUMNS": "80"})


def _scores(run: Path) -> dict[str, tuple[str, float | None]]:
    out = {}
    for line in (run / "judgments.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        out[record["id"]] = (record["category"], record["score"])
    return out


class _Cases(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.case_ids: list[str] = []
        self.sections: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "case":
            self.case_ids.append(attrs["data-id"])
        if tag == "h3" and attrs.get("id", "").startswith("cases-"):
            self.sections.append(attrs["id"][len("cases-") :])
        if tag in ("script", "img"):
            self.scripts += 1


def test_compare_html_shows_the_largest_differences_per_category(tmp_path, make_run) -> None:
    a = make_run(tmp_path / "a", name="run-a", seed=1, unscored_every=7)
    b = make_run(tmp_path / "b", name="run-b", seed=2, evil_answer=True)
    page = tmp_path / "compare.html"
    result = cli("compare", str(a), str(b), "--resamples", "200", "--html", str(page), "--cases", "1")
    assert result.returncode == 0, result.stderr
    assert f"wrote {page}" in result.stdout
    text = page.read_text(encoding="utf-8")
    parser = _Cases()
    parser.feed(text)
    assert parser.scripts == 0  # the evil answer (<script>, <img onerror>) and raw replies are escaped
    assert "&lt;script&gt;" in text and "&lt;/td&gt;&lt;b&gt;raw&lt;/b&gt;" in text
    # expected: per category, the paired sample with the largest |B - A| (ties by id)
    sa, sb = _scores(a), _scores(b)
    best: dict[str, tuple[float, str]] = {}
    for sample_id, (category, score_a) in sa.items():
        score_b = sb[sample_id][1]
        if score_a is None or score_b is None:
            continue
        key = (-abs(score_b - score_a), sample_id)
        if category not in best or key < best[category]:
            best[category] = key
    assert sorted(parser.sections) == sorted(best)
    assert sorted(parser.case_ids) == sorted(sample_id for _, sample_id in best.values())
    unscored_ids = {i for i, (_, s) in sa.items() if s is None}
    assert not unscored_ids & set(parser.case_ids)  # a missing score is never a "difference"
    assert "run-a → run-b" in text and "macro ave w/o others" in text


def test_pick_cases_orders_by_absolute_delta_and_reports_unpaired() -> None:
    def j(i, cat, score, raw="r"):
        status = "scored" if score is not None else "unscored"
        return {
            "id": i,
            "category": cat,
            "score": score,
            "status": status,
            "raw": raw,
            "judge": "x",
            "repeat": 0,
        }

    a = [j("1", "math", 0.5), j("2", "math", 0.9), j("3", "math", 0.1), j("4", "code", None)]
    b = [j("1", "math", 0.4), j("2", "math", 0.1), j("3", "math", 0.8), j("4", "code", 1.0)]
    gens = {"2": {"question": "q2", "answer": "a2"}}
    picked = pick_cases(a, b, generations_a=gens, generations_b={}, per_category=2)
    assert [c["id"] for c in picked["categories"]["math"]] == ["2", "3"]
    assert abs(picked["categories"]["math"][0]["delta"] + 0.8) < 1e-12
    assert (
        picked["categories"]["math"][0]["question"] == "q2"
        and picked["categories"]["math"][0]["answer_b"] is None
    )
    assert "code" not in picked["categories"] and picked["n_unpaired"] == 1 and picked["n_paired"] == 3


def test_compare_html_bad_inputs_exit_2(tmp_path, make_run) -> None:
    a = make_run(tmp_path / "a", name="run-a")
    b = make_run(tmp_path / "b", name="run-b", seed=3)
    unwritable = cli("compare", str(a), str(b), "--html", str(tmp_path / "missing" / "x.html"))
    assert (
        unwritable.returncode == 2
        and "cannot write" in unwritable.stderr
        and "Traceback" not in unwritable.stderr
    )
    zero = cli("compare", str(a), str(b), "--html", str(tmp_path / "x.html"), "--cases", "0")
    assert zero.returncode == 2
    with_judges = cli("compare", "--judges", str(a), "--html", str(tmp_path / "x.html"))
    assert with_judges.returncode == 2 and "--html" in with_judges.stderr
