"""``harness run`` on MT-Bench leads with FastChat's figure, offline against the local chat server.

FastChat's ``show_result.py`` quotes a model by the mean score over every judged (question, turn)
row once unrated rows are dropped. With one turn of a category unrated the mean of the category
means differs from it; the run must lead with the pooled mean and call the macro what it is.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from harness.testing import ChatCompletionsServer
from tests.run.test_run_summary import _harness

MULTI_TURN_MARK = "<|The Start of Assistant A's Conversation with User|>"


def judge_reply(body: dict) -> str:
    """Math (its prompts show a reference answer): 3 on both turns; writing: 9 on turn 1, turn 2 unrated."""
    user = body["messages"][-1]["content"]
    if "Reference Answer" in user:
        return "Rating: [[3]]"
    return "I cannot rate this." if MULTI_TURN_MARK in user else "Rating: [[9]]"


@pytest.mark.slow
def test_mt_bench_run_leads_with_the_pooled_mean(tmp_path, shared_data, monkeypatch):
    if not (shared_data / "mtbench" / "question.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-headline")
    with ChatCompletionsServer(reply=judge_reply, model_name="gpt-4-0613") as server:
        proc = _harness(
            [
                "run",
                "--model",
                "tiny-llama",
                "--dataset",
                "mt-bench",
                "--judge",
                "mt-bench-single",
                "--judge-api-base",
                server.base_url,
                "--data-dir",
                str(shared_data),
                "--categories",
                "mt-bench-writing,mt-bench-math",
                "--max-new-tokens",
                "2",
                "--greedy",
                "--out",
                str(tmp_path / "runs"),
                "--name",
                "mtb",
                "--no-progress",
            ],
            tmp_path,
            tmp_path / "home",
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # 10 writing questions: 10 turns scored 9, 10 unrated; 10 math questions: 20 turns scored 3
    pooled, macro = (10 * 9 + 20 * 3) / 30, (9 + 3) / 2
    scores = json.loads((tmp_path / "runs" / "mtb" / "scores.json").read_text(encoding="utf-8"))
    assert scores["totals"]["n"] == 30 and scores["macro"]["mean"] == pytest.approx(macro)
    headline = scores["headline"]
    assert (
        headline["aggregation"] == "pooled"
        and headline["mean"] == pytest.approx(pooled)
        and headline["n"] == 30
    )
    first = next(
        csv.DictReader(io.StringIO((tmp_path / "runs" / "mtb" / "scores.csv").read_text(encoding="utf-8")))
    )
    assert first["kind"] == "headline" and float(first["mean"]) == pytest.approx(pooled)
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("headline "))
    table = next(i for i, line in enumerate(lines) if line.split()[:2] == ["category", "n"])
    assert start < table, "the headline leads the per-category table"
    assert lines[start].startswith(f"headline {pooled:.3f} (95% CI ")
    assert lines[start].endswith("mean over every scored (question, turn)")
    assert f"macro ave (mean of category means): {macro:.3f}" in proc.stdout
    assert "w/o others" not in proc.stdout, "no others column: the second macro is the first again"
    assert max(len(line) for line in lines) <= 80
