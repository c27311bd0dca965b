"""Pairwise judging: both orders, a flipped verdict is a tie, win rate with a bootstrap CI; and
mt-bench-pair's prompts are FastChat's."""

from __future__ import annotations

import json

import pytest

from harness.judging.pairwise import combine, pair_items, run_winner, win_rate
from harness.protocols import EvalSample, PairVerdict


def test_verdicts_map_back_to_runs():
    assert run_winner("A", "ab") == "a" and run_winner("A", "ba") == "b"
    assert run_winner("B", "ab") == "b" and run_winner("B", "ba") == "a" and run_winner("tie", "ba") == "tie"


def test_flipped_verdict_is_a_tie_and_win_rate():
    verdicts = [
        PairVerdict("q1", "ab", "B"),
        PairVerdict("q1", "ba", "A"),  # b both times: b wins
        PairVerdict("q2", "ab", "A"),
        PairVerdict("q2", "ba", "A"),  # position bias: flipped -> tie
        PairVerdict("q3", "ab", "A"),
        PairVerdict("q3", "ba", "B"),  # a both times
        PairVerdict("q4", "ab", "tie"),
        PairVerdict("q4", "ba", "tie"),
        PairVerdict("q5", "ab", None, reason="no verdict"),
        PairVerdict("q5", "ba", "A"),  # undecided
    ]
    outcomes = combine(verdicts)
    assert {k: v["outcome"] for k, v in outcomes.items()} == {
        "q1": "b",
        "q2": "tie",
        "q3": "a",
        "q4": "tie",
        "q5": None,
    }
    assert outcomes["q2"]["inconsistent"] and not outcomes["q4"]["inconsistent"]
    result = win_rate(
        outcomes, categories={"q1": "x", "q2": "x", "q3": "y", "q4": "y", "q5": "y"}, n_resamples=1000, seed=3
    )
    assert (
        result["n"],
        result["wins_b"],
        result["wins_a"],
        result["ties"],
        result["inconsistent"],
        result["undecided"],
    ) == (4, 1, 1, 2, 1, 1)
    assert (
        result["win_rate_b"] == pytest.approx(0.5) and 0 <= result["ci_low"] <= 0.5 <= result["ci_high"] <= 1
    )
    assert result["categories"]["x"]["win_rate_b"] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        PairVerdict("q", "ab", "C")


def test_pair_items_both_orders_per_turn():
    sample = EvalSample(id="s", question="Q1", category="c", turns=("Q1", "Q2"))
    conv = lambda p: {"turns": [{"answer": f"{p}1"}, {"answer": f"{p}2"}]}  # noqa: E731
    items = pair_items([sample], {"s": conv("a")}, {"s": conv("b")})
    assert [(i.sample.id, i.turn, i.order, i.answers_a, i.answers_b) for i in items] == [
        ("s:turn1", 1, "ab", ("a1",), ("b1",)),
        ("s:turn1", 1, "ba", ("b1",), ("a1",)),
        ("s:turn2", 2, "ab", ("a1", "a2"), ("b1", "b2")),
        ("s:turn2", 2, "ba", ("b1", "b2"), ("a1", "a2")),
    ]


def test_mt_bench_pair_prompt_is_fastchats(shared_data):
    mtbench = shared_data / "mtbench"
    if not (mtbench / "question.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    from harness_plugins.mt_bench_data import MTBenchDataset
    from harness_plugins.mt_bench_judge import MTBenchPairJudge, fastchat_winner

    prompts = {
        r["name"]: r for r in map(json.loads, (mtbench / "judge_prompts.jsonl").read_text().splitlines())
    }
    refs = {
        r["question_id"]: r
        for r in map(json.loads, (mtbench / "reference_answer_gpt-4.jsonl").read_text().splitlines())
    }
    sample = next(s for s in MTBenchDataset(data_dir=shared_data).load() if s.meta["question_id"] == 111)
    a = {"s": {"turns": [{"answer": "A one"}, {"answer": "A two"}]}}
    b = {"s": {"turns": [{"answer": "B one"}, {"answer": "B two"}]}}
    from dataclasses import replace

    items = pair_items([replace(sample, id="s")], a, b)
    judge = MTBenchPairJudge(data_dir=shared_data, api_base="http://127.0.0.1:9", use_cache=False)
    turn2_ba = items[3]
    ref = refs[111]["choices"][0]["turns"]
    q = sample.turns
    expected = prompts["pair-math-v1-multi-turn"]["prompt_template"].format(
        question_1=q[0],
        question_2=q[1],
        answer_a_1="B one",
        answer_b_1="A one",
        answer_a_2="B two",
        answer_b_2="A two",
        ref_answer_1=ref[0],
        ref_answer_2=ref[1],
    )
    assert judge.template.messages(turn2_ba) == [
        {"role": "system", "content": prompts["pair-math-v1-multi-turn"]["system_prompt"]},
        {"role": "user", "content": expected},
    ]
    expected1 = prompts["pair-math-v1"]["prompt_template"].format(
        question=q[0], answer_a="A one", answer_b="B one", ref_answer_1=ref[0]
    )
    assert judge.template.messages(items[0])[1]["content"] == expected1
    assert (
        fastchat_winner("... [[B]]") == "B"
        and fastchat_winner("[[C]]") == "tie"
        and fastchat_winner("B") is None
    )
