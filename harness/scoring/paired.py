"""Paired comparison of two runs on the same samples: deltas, paired bootstrap CIs, p-values.

Two runs of the same eval set differ in their answers to the *same* questions, so the question's
difficulty cancels in ``score_B - score_A``: resampling the per-sample differences (stratified by
category, as in :mod:`.bootstrap`) gives far tighter intervals than comparing two independent
intervals. Only samples scored in both runs are paired; the counts left out are reported.

Every delta is ``B - A`` (positive: B is better). Columns and macros are computed from the paired
samples exactly as in :mod:`.aggregate` (pooled columns, unweighted macros), and each replicate
recomputes all of them from one stratified draw. The p-value is the two-sided shifted-bootstrap
p-value of "no difference" (:func:`~harness.scoring.bootstrap.shifted_p_value`). The ``headline``
delta is the runs' shared headline (:mod:`.headline`): the macro's delta, or for ``pooled`` the mean
paired difference over every item scored in both runs, its questions resampled with all their turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from harness.errors import DataError
from harness.manager import get_registry
from harness.scoring.bootstrap import (
    CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    percentile_interval,
    replicate_sums,
    shifted_p_value,
)
from harness.scoring.columns import OTHERS, column_label, column_order
from harness.scoring.headline import (
    DEFAULT_HEADLINE,
    MACRO_UNIT,
    POOLED_UNIT,
    check_headline,
    macro_name,
    pooled_mean,
    pooled_name,
    question_ids,
)
from harness.scoring.samples import SampleOutcome, fold_records
from harness.specs import CategorySpec


def _delta(
    observed: float | None, replicates: np.ndarray | None, confidence: float, n: int
) -> dict[str, Any]:
    if observed is None or replicates is None:
        return {"delta": None, "ci_low": None, "ci_high": None, "p_value": None, "n_pairs": n}
    low, high = percentile_interval(replicates, confidence)
    return {
        "delta": observed,
        "ci_low": low,
        "ci_high": high,
        "p_value": shifted_p_value(replicates, observed),
        "n_pairs": n,
    }


def compare_outcomes(
    outcomes_a: Mapping[str, SampleOutcome],
    outcomes_b: Mapping[str, SampleOutcome],
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """Deltas ``B - A`` per category, per column and for both macros (JSON-ready dict)."""
    if categories is None:
        categories = get_registry().categories()
    common = sorted(set(outcomes_a) & set(outcomes_b))
    if not common:
        raise DataError("the two runs share no sample id; a paired comparison needs the same samples")
    for sample_id in common:
        if outcomes_a[sample_id].category != outcomes_b[sample_id].category:
            raise DataError(
                f"sample {sample_id!r} is category {outcomes_a[sample_id].category!r} in run A "
                f"but {outcomes_b[sample_id].category!r} in run B"
            )
    paired = [i for i in common if outcomes_a[i].status == "scored" and outcomes_b[i].status == "scored"]
    diffs: dict[str, list[float]] = {}
    for sample_id in paired:
        a, b = outcomes_a[sample_id], outcomes_b[sample_id]
        diffs.setdefault(a.category, []).append(float(b.score) - float(a.score))  # type: ignore[arg-type]
    values = {c: np.array(d) for c, d in diffs.items()}
    sums = replicate_sums(values, n_resamples=n_resamples, seed=seed)
    all_categories = {outcomes_a[i].category for i in common}
    group_of = {c: (categories[c].group if c in categories else c) for c in all_categories}
    display = {c: (categories[c].display_name if c in categories else c) for c in all_categories}
    order = column_order(group_of.values())
    rank = {g: i for i, g in enumerate(order)}

    category_rows = {}
    for c in sorted(all_categories, key=lambda c: (rank[group_of[c]], c)):
        n = len(diffs.get(c, []))
        category_rows[c] = {
            "display_name": display[c],
            **_delta(float(values[c].mean()) if n else None, sums[c] / n if n else None, confidence, n),
        }
    column_rows, column_reps = {}, {}
    group_display = {g: display[c] for c, g in group_of.items() if c == g}
    for group in order:
        members = [c for c in all_categories if group_of[c] == group]
        n = sum(len(diffs.get(c, [])) for c in members)
        observed = sum(float(values[c].sum()) for c in members if c in values) / n if n else None
        reps = sum(sums[c] for c in members if c in sums) / n if n else None
        if reps is not None:
            column_reps[group] = (observed, reps)
        column_rows[group] = {
            "label": column_label(group, group_display),
            **_delta(observed, reps, confidence, n),
        }

    def macro(include: list[str]) -> dict[str, Any]:
        used = [g for g in include if g in column_reps]
        if not used:
            return {**_delta(None, None, confidence, 0), "columns": []}
        observed = float(np.mean([column_reps[g][0] for g in used]))
        reps = np.mean(np.stack([column_reps[g][1] for g in used]), axis=0)
        return {
            **_delta(observed, reps, confidence, sum(column_rows[g]["n_pairs"] for g in used)),
            "columns": used,
        }

    return {
        "delta": "B - A",
        "categories": category_rows,
        "columns": column_rows,
        "column_order": order,
        "macro": macro(order),
        "macro_wo_others": macro([g for g in order if g != OTHERS]),
        "pairs": {
            "n_common": len(common),
            "n_paired": len(paired),
            "n_only_a": len(set(outcomes_a) - set(outcomes_b)),
            "n_only_b": len(set(outcomes_b) - set(outcomes_a)),
            "n_unpaired_unscored": len(common) - len(paired),
        },
        "bootstrap": {
            "method": "paired percentile, stratified by category, shared replicates",
            "n_resamples": n_resamples,
            "seed": seed,
            "confidence": confidence,
        },
    }


def paired_headline(
    aggregation: str,
    result: Mapping[str, Any],
    outcomes_a: Mapping[str, SampleOutcome],
    outcomes_b: Mapping[str, SampleOutcome],
    questions: Mapping[str, str],
    *,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> dict[str, Any]:
    """The headline's paired delta ``B - A`` (see the module docstring)."""
    if check_headline(aggregation) == "macro":
        return {
            "aggregation": "macro",
            "name": macro_name(result),
            **result["macro"],
            "bootstrap_unit": MACRO_UNIT,
        }
    diffs = {
        i: (a.category, float(outcomes_b[i].score) - float(a.score))  # type: ignore[arg-type]
        for i, a in outcomes_a.items()
        if a.status == "scored" and i in outcomes_b and outcomes_b[i].status == "scored"
    }
    observed, replicates = pooled_mean(diffs, questions, n_resamples=n_resamples, seed=seed)
    return {
        "aggregation": "pooled",
        "name": pooled_name(questions),
        **_delta(observed, replicates, confidence, len(diffs)),
        "bootstrap_unit": POOLED_UNIT,
    }


def compare_judgments(
    judgments_a: Iterable[Any],
    judgments_b: Iterable[Any],
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
    headline: str = DEFAULT_HEADLINE,
) -> dict[str, Any]:
    """Paired comparison of two runs' judgment records (see the module docstring). Both runs must
    be on one scale (a delta between a 0..1 and a 1..10 score means nothing); the result says which.
    ``headline`` is how both runs' dataset aggregates its headline."""
    records_a = [j if isinstance(j, Mapping) else j.to_dict() for j in judgments_a]
    folded_a, folded_b = fold_records(records_a), fold_records(judgments_b)
    if folded_a.scale != folded_b.scale:
        raise DataError(
            f"run A is scored on {folded_a.scale.label} and run B on {folded_b.scale.label}; "
            "a paired delta needs both runs judged on one scale"
        )
    result = compare_outcomes(
        folded_a.outcomes,
        folded_b.outcomes,
        categories=categories,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    delta = paired_headline(
        headline,
        result,
        folded_a.outcomes,
        folded_b.outcomes,
        question_ids(records_a),
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    return {"delta": result["delta"], "headline": delta, **result, "scale": folded_a.scale.to_dict()}
