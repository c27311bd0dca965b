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

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
from harness.scoring.comparison_records import (
    CategoryDelta,
    ColumnDelta,
    Comparison,
    Delta,
    HeadlineDelta,
    MacroDelta,
    PairCounts,
)
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
from harness.scoring.records import BootstrapSettings
from harness.scoring.samples import SampleOutcome, fold_records
from harness.specs import CategorySpec

PAIRED_METHOD = "paired percentile, stratified by category, shared replicates"


def _delta(observed: float | None, replicates: np.ndarray | None, confidence: float, n: int) -> Delta:
    """The delta, its percentile interval and shifted-bootstrap p-value (all ``None`` without pairs)."""
    if observed is None or replicates is None:
        return Delta(delta=None, ci_low=None, ci_high=None, p_value=None, n_pairs=n)
    low, high = percentile_interval(replicates, confidence)
    p_value = shifted_p_value(replicates, observed)
    return Delta(delta=observed, ci_low=low, ci_high=high, p_value=p_value, n_pairs=n)


@dataclass
class _Pairs:
    """The paired differences per category and their shared bootstrap replicate sums."""

    diffs: dict[str, list[float]]
    values: dict[str, np.ndarray]
    sums: dict[str, np.ndarray]
    all_categories: set[str]
    group_of: dict[str, str]
    display: dict[str, str]
    order: list[str]
    confidence: float


def _check_pairable(
    outcomes_a: Mapping[str, SampleOutcome], outcomes_b: Mapping[str, SampleOutcome]
) -> list[str]:
    """The shared sample ids; a data error when there are none or a sample changed category."""

    common = sorted(set(outcomes_a) & set(outcomes_b))
    if not common:
        raise DataError("the two runs share no sample id; a paired comparison needs the same samples")
    for sample_id in common:
        if outcomes_a[sample_id].category != outcomes_b[sample_id].category:
            raise DataError(
                f"sample {sample_id!r} is category {outcomes_a[sample_id].category!r} in run A "
                f"but {outcomes_b[sample_id].category!r} in run B"
            )
    return common


def _pairs(
    outcomes_a: Mapping[str, SampleOutcome],
    outcomes_b: Mapping[str, SampleOutcome],
    common: list[str],
    paired: list[str],
    categories: Mapping[str, CategorySpec],
    *,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> _Pairs:
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
    return _Pairs(diffs, values, sums, all_categories, group_of, display, order, confidence)


def _category_deltas(pairs: _Pairs) -> dict[str, CategoryDelta]:
    rank = {g: i for i, g in enumerate(pairs.order)}
    rows = {}
    for c in sorted(pairs.all_categories, key=lambda c: (rank[pairs.group_of[c]], c)):
        n = len(pairs.diffs.get(c, []))
        observed = float(pairs.values[c].mean()) if n else None
        rows[c] = CategoryDelta(
            pairs.display[c], _delta(observed, pairs.sums[c] / n if n else None, pairs.confidence, n)
        )
    return rows


def _column_figures(pairs: _Pairs, group: str) -> tuple[float | None, np.ndarray | None, int]:
    """A column's observed delta over its pooled pairs, its replicates and its number of pairs."""
    members = [c for c in pairs.all_categories if pairs.group_of[c] == group]
    n = sum(len(pairs.diffs.get(c, [])) for c in members)
    if not n:
        return None, None, 0
    observed = sum(float(pairs.values[c].sum()) for c in members if c in pairs.values) / n
    reps = np.asarray(sum(pairs.sums[c] for c in members if c in pairs.sums)) / n
    return observed, reps, n


def _column_delta(pairs: _Pairs, group: str, label: str) -> ColumnDelta:
    observed, reps, n = _column_figures(pairs, group)
    members = tuple(sorted(c for c in pairs.all_categories if pairs.group_of[c] == group))
    return ColumnDelta(label, _delta(observed, reps, pairs.confidence, n), members)


def _column_deltas(pairs: _Pairs) -> dict[str, ColumnDelta]:
    group_display = {g: pairs.display[c] for c, g in pairs.group_of.items() if c == g}
    return {g: _column_delta(pairs, g, column_label(g, group_display)) for g in pairs.order}


def _macro_delta(pairs: _Pairs, columns: Mapping[str, ColumnDelta], include: list[str]) -> MacroDelta:
    """The unweighted mean of the included columns' deltas (those with pairs), with its interval."""
    figures = {g: _column_figures(pairs, g) for g in include}
    used = {g: (obs, reps) for g, (obs, reps, _) in figures.items() if obs is not None and reps is not None}
    if not used:
        return MacroDelta(_delta(None, None, pairs.confidence, 0), ())
    observed = float(np.mean([obs for obs, _ in used.values()]))
    reps = np.mean(np.stack([r for _, r in used.values()]), axis=0)
    n = sum(columns[g].delta.n_pairs for g in used)
    return MacroDelta(_delta(observed, reps, pairs.confidence, n), tuple(used))


def compare_outcomes(
    outcomes_a: Mapping[str, SampleOutcome],
    outcomes_b: Mapping[str, SampleOutcome],
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> Comparison:
    """Deltas ``B - A`` per category, per column and for both macros."""
    if categories is None:
        categories = get_registry().categories()
    common = _check_pairable(outcomes_a, outcomes_b)
    paired = [i for i in common if outcomes_a[i].status == "scored" and outcomes_b[i].status == "scored"]
    pairs = _pairs(
        outcomes_a,
        outcomes_b,
        common,
        paired,
        categories,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    columns = _column_deltas(pairs)
    return Comparison(
        categories=_category_deltas(pairs),
        columns=columns,
        column_order=tuple(pairs.order),
        macro=_macro_delta(pairs, columns, pairs.order),
        macro_wo_others=_macro_delta(pairs, columns, [g for g in pairs.order if g != OTHERS]),
        pairs=PairCounts(
            n_common=len(common),
            n_paired=len(paired),
            n_only_a=len(set(outcomes_a) - set(outcomes_b)),
            n_only_b=len(set(outcomes_b) - set(outcomes_a)),
            n_unpaired_unscored=len(common) - len(paired),
        ),
        bootstrap=BootstrapSettings(PAIRED_METHOD, n_resamples, seed, confidence),
    )


def paired_headline(
    aggregation: str,
    result: Comparison,
    outcomes_a: Mapping[str, SampleOutcome],
    outcomes_b: Mapping[str, SampleOutcome],
    questions: Mapping[str, str],
    *,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> HeadlineDelta:
    """The headline's paired delta ``B - A`` (see the module docstring)."""
    if check_headline(aggregation) == "macro":
        name = macro_name(column.categories for column in result.columns.values())
        return HeadlineDelta("macro", name, result.macro.delta, MACRO_UNIT, result.macro.columns)
    diffs = {
        i: (a.category, float(outcomes_b[i].score) - float(a.score))  # type: ignore[arg-type]
        for i, a in outcomes_a.items()
        if a.status == "scored" and i in outcomes_b and outcomes_b[i].status == "scored"
    }
    observed, replicates = pooled_mean(diffs, questions, n_resamples=n_resamples, seed=seed)
    return HeadlineDelta(
        "pooled", pooled_name(questions), _delta(observed, replicates, confidence, len(diffs)), POOLED_UNIT
    )


def compare_judgments(
    judgments_a: Iterable[Any],
    judgments_b: Iterable[Any],
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
    headline: str = DEFAULT_HEADLINE,
) -> Comparison:
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
    return dataclasses.replace(result, headline=delta, scale=folded_a.scale)
