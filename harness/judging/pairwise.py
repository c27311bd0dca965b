"""Pairwise judging of two runs: both orders, a verdict that flips counts as a tie, a win rate with a CI.

Why both orders: LLM judges prefer the answer shown first (or second) often enough to decide close
calls. Each item is judged twice, run *a*'s answer shown as A and then as B; the two verdicts are
mapped back to the runs and kept only when they agree. A pair whose verdicts disagree (the winner
changed with the order) counts as a tie, as in FastChat's pairwise judging ("inconsistent").
A pair where either verdict could not be read, or never came back, is left out and counted.

The judge is any component declared ``judge_kind="pairwise"`` with a ``judge_pairs(items, on_result=)``
method that gets :class:`~harness.protocols.PairItem` s and reports one
:class:`~harness.protocols.PairVerdict` per item. Multi-turn runs are compared turn by turn (each
turn its own pair, the whole conversation so far shown to the judge).

The win rate of *b* over *a* is ``(wins_b + ties / 2) / n`` over the decided pairs, with a seeded
percentile bootstrap interval over pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from harness.protocols import EvalSample, PairItem, PairVerdict
from harness.sample_turns import turn_id, turn_reference, turn_text
from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_interval

ORDERS = ("ab", "ba")


def run_winner(verdict: str, order: str) -> str:
    """A verdict about the shown answers (A, B, tie) as a verdict about the runs (a, b, tie)."""
    if verdict == "tie":
        return "tie"
    shown_first = "a" if order == "ab" else "b"
    shown_second = "b" if order == "ab" else "a"
    return shown_first if verdict == "A" else shown_second


def pair_items(
    samples: Sequence[EvalSample],
    conversations_a: Mapping[str, Mapping[str, Any]],
    conversations_b: Mapping[str, Mapping[str, Any]],
) -> list[PairItem]:
    """Both orders of every turn answered in both runs. ``conversations_*`` map sample id to a
    generation record: a single answer (``answer``) or a conversation (``turns``, see
    :mod:`harness.sample_turns`)."""
    items: list[PairItem] = []
    for sample in samples:
        rec_a, rec_b = conversations_a.get(sample.id), conversations_b.get(sample.id)
        if rec_a is None or rec_b is None:
            continue
        answers_a = (
            tuple(str(t["answer"]) for t in rec_a["turns"]) if "turns" in rec_a else (str(rec_a["answer"]),)
        )
        answers_b = (
            tuple(str(t["answer"]) for t in rec_b["turns"]) if "turns" in rec_b else (str(rec_b["answer"]),)
        )
        multi = "turns" in rec_a or "turns" in rec_b
        for turn in range(1, min(len(answers_a), len(answers_b)) + 1):
            judged = sample
            if multi:
                from dataclasses import replace

                judged = replace(
                    sample,
                    id=turn_id(sample.id, turn),
                    question=turn_text(sample, turn),
                    reference=turn_reference(sample, turn),
                )
            for order in ORDERS:
                first, second = (answers_a, answers_b) if order == "ab" else (answers_b, answers_a)
                items.append(
                    PairItem(
                        sample=judged,
                        answers_a=first[:turn],
                        answers_b=second[:turn],
                        turn=turn if multi else 0,
                        order=order,
                    )
                )
    return items


def combine(verdicts: Sequence[PairVerdict]) -> dict[str, dict[str, Any]]:
    """Per judged id: both orders' verdicts and the outcome (a, b, tie, or None when not decided)."""
    by_id: dict[str, dict[str, PairVerdict]] = {}
    for verdict in verdicts:
        by_id.setdefault(verdict.id, {})[verdict.order] = verdict
    outcomes: dict[str, dict[str, Any]] = {}
    for judged_id, pair in by_id.items():
        winners = {o: run_winner(v.verdict, o) for o, v in pair.items() if v.verdict is not None}
        row: dict[str, Any] = {"winners": winners, "outcome": None, "inconsistent": False}
        if len(winners) == 2:
            if winners["ab"] == winners["ba"]:
                row["outcome"] = winners["ab"]
            else:
                row["outcome"], row["inconsistent"] = "tie", True
        outcomes[judged_id] = row
    return outcomes


def win_rate(
    outcomes: Mapping[str, Mapping[str, Any]],
    *,
    categories: Mapping[str, str] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Counts and the win rate of run b over run a with its 95% bootstrap interval; per category too."""

    def summary(rows: list[Mapping[str, Any]], rng: np.random.Generator) -> dict[str, Any]:
        decided = [r["outcome"] for r in rows if r["outcome"] is not None]
        points = np.array([1.0 if o == "b" else 0.5 if o == "tie" else 0.0 for o in decided])
        out: dict[str, Any] = {
            "n": len(decided),
            "wins_a": decided.count("a"),
            "wins_b": decided.count("b"),
            "ties": decided.count("tie"),
            "inconsistent": sum(bool(r["inconsistent"]) for r in rows),
            "undecided": len(rows) - len(decided),
            "win_rate_b": None,
            "ci_low": None,
            "ci_high": None,
        }
        if len(points):
            replicates = points[rng.integers(0, len(points), size=(n_resamples, len(points)))].mean(axis=1)
            out["win_rate_b"] = float(points.mean())
            out["ci_low"], out["ci_high"] = percentile_interval(replicates)
        return out

    rng = np.random.default_rng(seed)
    ids = sorted(outcomes)
    result = summary([outcomes[i] for i in ids], rng)
    if categories:
        result["categories"] = {
            category: summary([outcomes[i] for i in ids if categories.get(i) == category], rng)
            for category in sorted({categories[i] for i in ids if i in categories})
        }
    result["bootstrap"] = {
        "method": "percentile",
        "n_resamples": n_resamples,
        "seed": seed,
        "confidence": 0.95,
    }
    return result
