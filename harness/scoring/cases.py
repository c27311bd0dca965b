"""Qualitative cases (the paper's Table 4): per category, the questions two runs disagree on most.

Ji et al. 2023 (arXiv 2304.07854, section 6.7, Table 4, page 7) show evaluation questions with the
answers of ChatGPT and of their best model side by side. :func:`pick_cases` chooses such questions
from two runs of the same eval set rather than by hand: per category, the samples scored in *both*
runs with the largest ``|score_B - score_A|`` (ties broken by sample id, so the choice is stable).
Samples either run could not score are not cases -- a missing score is not a difference -- and
their number is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.scoring.samples import fold_judgments

DEFAULT_CASES_PER_CATEGORY = 3


def _replies(judgments: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    by_id: dict[str, list[Mapping[str, Any]]] = {}
    for judgment in judgments:
        by_id.setdefault(str(judgment.get("id")), []).append(judgment)
    for replies in by_id.values():
        replies.sort(key=lambda j: int(j.get("repeat") or 0))
    return by_id


def pick_cases(
    judgments_a: list[Mapping[str, Any]],
    judgments_b: list[Mapping[str, Any]],
    *,
    generations_a: Mapping[str, Mapping[str, Any]],
    generations_b: Mapping[str, Mapping[str, Any]],
    per_category: int = DEFAULT_CASES_PER_CATEGORY,
) -> dict[str, Any]:
    """``{"categories": {category: [case, ...]}, "n_paired": int, "n_unpaired": int}``.

    A case: ``id``, ``category``, ``question``, ``reference``, ``score_a``, ``score_b``, ``delta``
    (B - A), ``answer_a``/``answer_b`` and ``judge_a``/``judge_b`` (each run's judgment records of
    the sample: judge, repeat, status, score, raw reply).
    """
    if per_category < 1:
        raise ValueError("per_category must be at least 1")
    outcomes_a, outcomes_b = fold_judgments(judgments_a), fold_judgments(judgments_b)
    replies_a, replies_b = _replies(judgments_a), _replies(judgments_b)
    common = set(outcomes_a) & set(outcomes_b)
    paired = [i for i in common if outcomes_a[i].score is not None and outcomes_b[i].score is not None]
    by_category: dict[str, list[dict[str, Any]]] = {}
    for sample_id in paired:
        a, b = outcomes_a[sample_id], outcomes_b[sample_id]
        gen_a, gen_b = generations_a.get(sample_id, {}), generations_b.get(sample_id, {})
        by_category.setdefault(a.category, []).append(
            {
                "id": sample_id,
                "category": a.category,
                "question": gen_a.get("question") or gen_b.get("question") or "",
                "reference": gen_a.get("reference") or gen_b.get("reference") or "",
                "score_a": a.score,
                "score_b": b.score,
                "delta": float(b.score) - float(a.score),  # type: ignore[arg-type]
                "answer_a": gen_a.get("answer"),
                "answer_b": gen_b.get("answer"),
                "judge_a": [_reply(j) for j in replies_a.get(sample_id, [])],
                "judge_b": [_reply(j) for j in replies_b.get(sample_id, [])],
            }
        )
    chosen = {
        category: sorted(cases, key=lambda c: (-abs(c["delta"]), c["id"]))[:per_category]
        for category, cases in sorted(by_category.items())
    }
    return {
        "categories": chosen,
        "n_paired": len(paired),
        "n_unpaired": len(common) - len(paired),
        "per_category": per_category,
    }


def _reply(judgment: Mapping[str, Any]) -> dict[str, Any]:
    return {key: judgment.get(key) for key in ("judge", "repeat", "status", "score", "reason", "raw")}
