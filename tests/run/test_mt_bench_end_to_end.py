"""MT-Bench end to end, offline: ``harness run --model tiny-llama --dataset mt-bench --judge
mt-bench-single`` against the local OpenAI-compatible server answers 80 questions in two turns,
judges all 160 turns with FastChat's prompts and writes the report with per-turn columns and the
published scores marked as such."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

SECRET = "sk-test-DO-NOT-WRITE-ME-mtbench"
MULTI_TURN_MARK = "<|The Start of Assistant A's Conversation with User|>"


def judge_reply(body: dict) -> str:
    # turn 1 (single-v1 / single-math-v1) is rated 7, turn 2 (the -multi-turn prompts) 4
    user = body["messages"][-1]["content"]
    return "Fine, but short. Rating: [[4]]" if MULTI_TURN_MARK in user else "A good answer. Rating: [[7]]"


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.slow
def test_mt_bench_run_offline(tmp_path, shared_data, harness_home):
    if not (shared_data / "mtbench" / "question.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    env = {
        **os.environ,
        "HARNESS_HOME": str(harness_home),
        "OPENAI_API_KEY": SECRET,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HF_HUB_OFFLINE": "1",
        "COLUMNS": "80",
    }
    with ChatCompletionsServer(reply=judge_reply, model_name="gpt-4-0613") as server:
        args = [
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
            "--max-new-tokens",
            "8",
            "--greedy",
            "--out",
            str(tmp_path / "runs"),
            "--name",
            "mtb",
            "--no-progress",
        ]
        proc = run_harness(args, env=env, timeout=900)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        requests = server.requests
    assert len(requests) == 160
    for body in requests:
        assert body["model"] == "gpt-4" and body["temperature"] == 0 and body["max_tokens"] == 2048
        assert body["messages"][0]["role"] == "system" and len(body["messages"]) == 2
    run_dir = tmp_path / "runs" / "mtb"
    gens = read_lines(run_dir / "generations.jsonl")
    assert sorted((g["id"], g["turn"]) for g in gens) == sorted(
        (f"mt-bench-{q}", t) for q in range(81, 161) for t in (1, 2)
    )
    by_key = {(g["id"], g["turn"]): g for g in gens}
    first, second = by_key[("mt-bench-81", 1)], by_key[("mt-bench-81", 2)]
    # turn 2 is asked after turn 1 and tiny-llama's own answer, through its prompt template
    assert first["question"] in second["prompt"] and second["prompt"].index(first["question"]) < second[
        "prompt"
    ].index(second["question"])
    assert first["answer"] and first["answer"] in second["prompt"]
    turn2 = [b["messages"][1]["content"] for b in requests if MULTI_TURN_MARK in b["messages"][1]["content"]]
    assert len(turn2) == 80 and any(second["answer"] in t and first["question"] in t for t in turn2)

    judgments = read_lines(run_dir / "judgments.jsonl")
    assert len(judgments) == 160 and all(j["status"] == "scored" for j in judgments)
    assert {j["turn"] for j in judgments} == {1, 2}
    scores = json.loads((run_dir / "scores.json").read_text())
    assert scores["scale"] == {"low": 1.0, "high": 10.0, "kind": "pointwise"}
    assert scores["totals"]["n"] == 160
    assert all(row["mean"] == pytest.approx(5.5) and row["n"] == 20 for row in scores["categories"].values())
    assert len(scores["categories"]) == 8
    assert scores["macro"]["mean"] == pytest.approx(5.5)
    assert scores["turns"]["overall"]["1"]["mean"] == 7 and scores["turns"]["overall"]["2"]["mean"] == 4
    assert scores["published"]["scores"]["GPT-4"] == 8.99
    # how the published answers were generated, beside how this run's were
    assert scores["published"]["run_decoding"] == (
        "greedy for every sample (the dataset's per-sample temperatures overridden), at most 8 new tokens"
    )
    assert "writing, roleplay 0.7" in scores["published"]["protocol"]
    report = (run_dir / "report.md").read_text()
    assert "## Per turn" in report and "Published scores (for reference, not measured by this run)" in report
    assert (
        "This run's answers: greedy for every sample (the dataset's per-sample temperatures overridden), "
        "at most 8 new tokens." in report
    )
    html = (run_dir / "report.html").read_text()
    assert (
        "<h2>Per turn</h2>" in html and "Published scores (for reference, not measured by this run)" in html
    )
    assert "Their answers: FastChat&#x27;s gen_model_answer" in html or "Their answers: FastChat's" in html
    assert "This run&#x27;s answers: greedy" in html or "This run's answers: greedy" in html
    assert "<td>8.99</td>" in html and "<td>7.000 (" in html
    for path in run_dir.iterdir():
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path.name


def pair_reply(body: dict) -> str:
    """Turn 1: prefers the longer answer whatever the order ([[C]] when equal); turn 2: always [[A]],
    a pure position bias, so both orders disagree and every turn-2 pair is a tie."""
    user = body["messages"][-1]["content"]
    if "<|The Start of Assistant A's Conversation with User|>" in user:
        return "Assistant A is better. [[A]]"
    a = user.split("[The Start of Assistant A's Answer]\n", 1)[1].split(
        "\n[The End of Assistant A's Answer]", 1
    )[0]
    b = user.split("[The Start of Assistant B's Answer]\n", 1)[1].split(
        "\n[The End of Assistant B's Answer]", 1
    )[0]
    return "[[C]]" if len(a) == len(b) else ("[[A]]" if len(a) > len(b) else "[[B]]")


@pytest.mark.slow
def test_compare_two_runs_with_the_pairwise_judge(tmp_path, shared_data, harness_home):
    if not (shared_data / "mtbench" / "question.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    env = {
        **os.environ,
        "HARNESS_HOME": str(harness_home),
        "OPENAI_API_KEY": SECRET,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HF_HUB_OFFLINE": "1",
        "COLUMNS": "80",
    }

    def harness(*args: str) -> subprocess.CompletedProcess:
        proc = run_harness(args, env=env, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    with (
        ChatCompletionsServer(reply="Rating: [[5]]") as scorer,
        ChatCompletionsServer(reply=pair_reply) as pairs,
    ):
        for name, tokens in (("short", "2"), ("long", "10")):
            harness(
                "run",
                "--model",
                "tiny-llama",
                "--dataset",
                "mt-bench",
                "--judge",
                "mt-bench-single",
                "--judge-api-base",
                scorer.base_url,
                "--data-dir",
                str(shared_data),
                "--categories",
                "mt-bench-writing,mt-bench-math",
                "--limit",
                "3",
                "--max-new-tokens",
                tokens,
                "--greedy",
                "--out",
                str(tmp_path / "runs"),
                "--name",
                name,
                "--no-progress",
            )
        runs = [str(tmp_path / "runs" / n) for n in ("short", "long")]
        proc = harness(
            "compare",
            "--judge",
            "mt-bench-pair",
            "--judge-api-base",
            pairs.base_url,
            "--data-dir",
            str(shared_data),
            *runs,
            "--json",
        )
        assert pairs.n_requests == 3 * 2 * 2, "3 samples, 2 turns, both orders"
        assert all(b["model"] == "gpt-4" and b["temperature"] == 0 for b in pairs.requests)
        text = harness(
            "compare",
            "--judge",
            "mt-bench-pair",
            "--judge-api-base",
            pairs.base_url,
            "--data-dir",
            str(shared_data),
            *runs,
        ).stdout
        assert pairs.n_requests == 12, "the second compare is served from the cache"
    result = json.loads(proc.stdout)  # --json: the log goes to stderr
    assert result["n_pairs"] == 6 and result["n"] == 6 and result["undecided"] == 0
    assert result["inconsistent"] == 3, "every turn-2 verdict flipped with the order: a tie"
    assert result["wins_a"] == 0 and result["wins_b"] + result["ties"] == 6
    assert 0.5 <= result["win_rate_b"] <= 1 and result["ci_low"] <= result["win_rate_b"] <= result["ci_high"]
    assert "win rate of b" in text and "flipped with the order" in text
    assert all(len(line) <= 80 for line in text.splitlines()), text
