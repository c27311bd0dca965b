"""The headline figure through ``harness report`` and ``harness compare``.

An MT-Bench run is quoted, as FastChat's ``show_result.py`` does, by the mean over every scored
(question, turn) pair; a BELLE run by its macro ave. The run directories here are written the way
``harness run`` writes them (as before headlines existed: no ``headline`` anywhere on disk).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.report.test_report import cli

SCALE = {"low": 1.0, "high": 10.0, "kind": "pointwise"}


def mt_bench_run(
    directory: Path,
    *,
    name: str,
    writing: int = 9,
    math: int = 3,
    scores_json: bool = True,
    dataset: str = "mt-bench",
) -> Path:
    """Three writing questions (turn 1 scored ``writing``, turn 2 unrated) and three math questions
    (both turns ``math``): 3 + 6 scored turns, so the pooled mean and the category macro differ."""
    directory.mkdir(parents=True)
    (directory / "run.json").write_text(
        json.dumps({"name": name, "model": "tiny-llama", "judge": "mt-bench-single", "dataset": dataset}),
        encoding="utf-8",
    )
    lines = []
    for category, first, offset in (("mt-bench-writing", writing, 81), ("mt-bench-math", math, 111)):
        for question in range(offset, offset + 3):
            for turn in (1, 2):
                unrated = category == "mt-bench-writing" and turn == 2
                lines.append(
                    {
                        "id": f"mt-bench-{question}:turn{turn}",
                        "sample_id": f"mt-bench-{question}",
                        "turn": turn,
                        "category": category,
                        "status": "unscored" if unrated else "scored",
                        "score": None if unrated else float(first),
                        "scale": SCALE,
                        "judge": "mt-bench-single",
                        "raw": "no rating" if unrated else f"Rating: [[{first}]]",
                        "reason": "no [[rating]] in the reply" if unrated else "",
                        "repeat": 0,
                    }
                )
    (directory / "judgments.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    if scores_json:  # a report written before headlines: it is rewritten, not read
        (directory / "scores.json").write_text(
            json.dumps({"schema": "harness.scores/1", "macro": {"mean": 6.0}})
        )
    return directory


def fastchat_average(judgments: Path) -> float:
    """``show_result.py`` single mode: the mean ``score`` over every row once unrated rows (-1) are dropped."""
    rows = [json.loads(line) for line in judgments.read_text(encoding="utf-8").splitlines()]
    scores = [r["score"] if r["status"] == "scored" else -1 for r in rows]
    kept = [s for s in scores if s != -1]
    return sum(kept) / len(kept)


def test_mt_bench_report_leads_with_fastchats_pooled_mean(tmp_path):
    run = mt_bench_run(tmp_path / "mtb", name="mtb")
    result = cli("report", str(run), "--resamples", "300")
    assert result.returncode == 0, result.stderr
    scores = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    headline = scores["headline"]
    assert (
        headline["aggregation"] == "pooled" and headline["name"] == "mean over every scored (question, turn)"
    )
    assert headline["mean"] == pytest.approx(fastchat_average(run / "judgments.jsonl")) == pytest.approx(5.0)
    assert headline["n"] == 9 and headline["ci_low"] <= 5.0 <= headline["ci_high"]
    assert scores["macro"]["mean"] == pytest.approx(6.0), "the category macro is still there, as such"
    assert next(iter(scores)) == "schema" and list(scores)[1] == "headline"
    first = list(csv.DictReader(io.StringIO((run / "scores.csv").read_text(encoding="utf-8"))))[0]
    assert (first["kind"], first["id"], first["label"]) == ("headline", "pooled", headline["name"])
    assert float(first["mean"]) == pytest.approx(5.0)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[0].startswith("headline 5.000 (95% CI ") and lines[0].endswith(
        "mean over every scored (question, turn)"
    )
    markdown = (run / "report.md").read_text(encoding="utf-8")
    assert "**Headline: 5.000**" in markdown and "macro ave (mean of category means) 6.000" in markdown
    assert "each question with all its turns" in markdown
    assert 'id="headline"><b>Headline: 5.000</b>' in (run / "report.html").read_text(encoding="utf-8")


def test_belle_headline_stays_the_macro(tmp_path, make_run):
    run = make_run(tmp_path / "belle", name="belle", unscored_every=4)
    result = cli("report", str(run), "--resamples", "300")
    assert result.returncode == 0, result.stderr
    scores = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    headline = scores["headline"]
    assert headline["aggregation"] == "macro" and headline["name"] == "macro ave (mean of column means)"
    assert (headline["mean"], headline["ci_low"], headline["ci_high"]) == (
        scores["macro"]["mean"],
        scores["macro"]["ci_low"],
        scores["macro"]["ci_high"],
    )
    first = list(csv.DictReader(io.StringIO((run / "scores.csv").read_text(encoding="utf-8"))))[0]
    assert (first["kind"], first["id"]) == ("headline", "macro")
    assert result.stdout.lstrip().startswith(f"headline {scores['macro']['mean']:.3f} (95% CI ")


def test_compare_uses_the_pooled_headline(tmp_path):
    a = mt_bench_run(tmp_path / "a", name="run-a")
    b = mt_bench_run(tmp_path / "b", name="[b]run-b", writing=10, math=5, scores_json=False)
    result = cli("compare", str(a), str(b), "--json", "--resamples", "300")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    delta = payload["comparisons"][0]["headline"]
    # pooled: (3 x +1 + 6 x +2) / 9 scored turns; the category macro would say (1 + 2) / 2
    assert delta["aggregation"] == "pooled" and delta["delta"] == pytest.approx(15 / 9)
    assert delta["n_pairs"] == 9 and payload["comparisons"][0]["macro"]["delta"] == pytest.approx(1.5)
    assert [run["scores"]["headline"]["mean"] for run in payload["runs"]] == pytest.approx([5.0, 60 / 9])
    text = cli("compare", str(a), str(b), "--resamples", "300")
    assert text.returncode == 0, text.stderr
    assert "headline (pooled)" in text.stdout and "[b]run-b: headline 6.667" in text.stdout


def test_compare_refuses_runs_whose_headlines_differ(tmp_path):
    # the same judgments on the same scale; only the datasets' headline definitions differ (a dataset
    # this registry does not know is quoted by its macro, BELLE's default)
    mtb = mt_bench_run(tmp_path / "mtb", name="mtb")
    copy = mt_bench_run(tmp_path / "copy", name="copy", dataset="my-mt-bench-copy")
    result = cli("compare", str(copy), str(mtb), "--resamples", "300")
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "copy has a macro headline but mtb a pooled one" in result.stderr and "Traceback" not in result.stderr
    )
    assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
