"""Judgments -> the figures of a report (``scores.json``), with seeded 95% bootstrap intervals.

``scores.json`` format (version ``harness.scores/1``; other tools read it, keep it stable)::

    {
      "schema": "harness.scores/1",
      "headline": {"aggregation", "name", "mean", "ci_low", "ci_high", "n", "bootstrap_unit"},
      "categories": {                       # one entry per category id present in the judgments
        "math": {"display_name", "group", "mean", "n", "ci_low", "ci_high",
                 "n_samples", "n_unscored", "n_failed", "unscored_rate", "failed_rate",
                 "repeats", "repeat_sd"}, ...},
      "columns": {                          # report columns (category groups), Table 5 order
        "others": {"label", "categories": ["code", "math"], "mean", "n", "ci_low", "ci_high",
                   "n_samples", "n_unscored", "n_failed"}, ...},
      "column_order": ["others", "rewrite", ...],
      "macro": {"mean", "ci_low", "ci_high", "columns": [...]},
      "macro_wo_others": {"mean", "ci_low", "ci_high", "columns": [...]},
      "totals": {"n_samples", "n", "n_unscored", "n_failed", "unscored_rate", "failed_rate"},
      "bootstrap": {"method", "n_resamples", "seed", "confidence"},
      "scale": {"low", "high", "kind"},     # the judge's declared scale (0..1 pointwise by default)
      "rejected_scores": ["judgment 3 (id 'x'): not a number: the score is NaN (rejected when read)"]
    }

Every mean and interval is on the judge's declared ``scale``. ``rejected_scores`` lists records
on disk marked scored whose score was not a finite number in that scale (a NaN left by an older
version, a hand edit): they count as unscored, never in a mean.
``mean`` is over *scored* samples only (``n`` of them); ``n_samples = n + n_unscored + n_failed``.
A figure with no scored sample has ``mean``, ``ci_low`` and ``ci_high`` ``null``. ``repeats`` is
the largest number of scored judge repeats of a sample and ``repeat_sd`` the mean within-sample
standard deviation of repeated scores (``null`` without repeats). See :mod:`.columns` for the
column and macro definitions, :mod:`.headline` for the headline (the figure the terminal, the
CSV and the reports lead with: ``macro``, or ``pooled`` as FastChat's single-judge score is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.manager import get_registry
from harness.scales import DEFAULT_SCALE, ScoreScale
from harness.scoring.bootstrap import (
    CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    percentile_interval,
    replicate_sums,
)
from harness.scoring.columns import OTHERS, column_label, column_order, macro_from_columns
from harness.scoring.headline import DEFAULT_HEADLINE, headline_figure, question_ids
from harness.scoring.records import (
    SCHEMA,
    BootstrapSettings,
    CategoryScore,
    ColumnScore,
    MacroScore,
    Scores,
    Totals,
)
from harness.scoring.samples import SampleOutcome, fold_records
from harness.specs import CategorySpec

METHOD = "percentile, stratified by category, shared replicates"


def _registry_categories() -> Mapping[str, CategorySpec]:
    return get_registry().categories()


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _figure(mean: float | None, replicates: np.ndarray | None, confidence: float) -> dict[str, Any]:
    """``mean``, ``ci_low``, ``ci_high`` (all ``None`` without a scored sample)."""
    if mean is None or replicates is None:
        return {"mean": None, "ci_low": None, "ci_high": None}
    low, high = percentile_interval(replicates, confidence)
    return {"mean": mean, "ci_low": low, "ci_high": high}


@dataclass
class _Draw:
    """What the figures are computed from: scored values and bootstrap replicate sums per category."""

    by_category: dict[str, list[SampleOutcome]]
    group_of: dict[str, str]
    display: dict[str, str]
    values: dict[str, np.ndarray]
    sums: dict[str, np.ndarray]
    order: list[str]
    confidence: float


def _draw(
    outcomes: Mapping[str, SampleOutcome],
    specs: Mapping[str, CategorySpec],
    *,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> _Draw:
    by_category: dict[str, list[SampleOutcome]] = {}
    for outcome in sorted(outcomes.values(), key=lambda o: o.id):
        by_category.setdefault(outcome.category, []).append(outcome)
    group_of = {c: (specs[c].group if c in specs else c) for c in by_category}
    display = {c: (specs[c].display_name if c in specs else c) for c in by_category}
    values = {
        c: np.array([o.score for o in items if o.status == "scored"], dtype=float)
        for c, items in by_category.items()
    }
    sums = replicate_sums(values, n_resamples=n_resamples, seed=seed)
    order = column_order(group_of.values())
    return _Draw(by_category, group_of, display, values, sums, order, confidence)


def _category_score(draw: _Draw, c: str) -> CategoryScore:
    items = draw.by_category[c]
    n = int(draw.values[c].size)
    n_unscored = sum(1 for o in items if o.status == "unscored")
    n_failed = sum(1 for o in items if o.status == "failed")
    sds = [o.repeat_sd for o in items if o.repeat_sd is not None]
    mean = float(draw.values[c].mean()) if n else None
    return CategoryScore(
        display_name=draw.display[c],
        group=draw.group_of[c],
        **_figure(mean, draw.sums[c] / n if n else None, draw.confidence),
        n=n,
        n_samples=len(items),
        n_unscored=n_unscored,
        n_failed=n_failed,
        unscored_rate=_rate(n_unscored, len(items)),
        failed_rate=_rate(n_failed, len(items)),
        repeats=max((o.n_repeats for o in items), default=0),
        repeat_sd=float(np.mean(sds)) if sds else None,
    )


def _category_scores(draw: _Draw) -> dict[str, CategoryScore]:
    """Per category, in column order then by id."""
    rank = {group: i for i, group in enumerate(draw.order)}
    ordered = sorted(draw.by_category, key=lambda c: (rank[draw.group_of[c]], c))
    return {c: _category_score(draw, c) for c in ordered}


def _column_replicates(draw: _Draw, group: str) -> np.ndarray | None:
    """A column's replicate means (its categories' pooled sums over its scored count)."""
    members = sorted(c for c in draw.by_category if draw.group_of[c] == group)
    n = sum(int(draw.values[c].size) for c in members)
    return np.asarray(sum(draw.sums[c] for c in members if c in draw.sums)) / n if n else None


def _column_score(draw: _Draw, group: str, rows: Mapping[str, CategoryScore]) -> ColumnScore:
    group_display = {g: draw.display[c] for c, g in draw.group_of.items() if c == g}
    members = sorted(c for c in draw.by_category if draw.group_of[c] == group)
    n = sum(rows[c].n for c in members)
    total = sum(float(draw.values[c].sum()) for c in members)
    return ColumnScore(
        label=column_label(group, group_display),
        categories=tuple(members),
        **_figure(total / n if n else None, _column_replicates(draw, group), draw.confidence),
        n=n,
        n_samples=sum(rows[c].n_samples for c in members),
        n_unscored=sum(rows[c].n_unscored for c in members),
        n_failed=sum(rows[c].n_failed for c in members),
    )


def _macro(draw: _Draw, columns: Mapping[str, ColumnScore], include: list[str]) -> MacroScore:
    """The unweighted mean of the ``include`` columns that have a score, with its interval."""
    replicates = {g: r for g in include if (r := _column_replicates(draw, g)) is not None}
    used = list(replicates)
    if not used:
        return MacroScore(mean=None, ci_low=None, ci_high=None, columns=())
    mean, _ = macro_from_columns({g: columns[g].mean for g in used})
    reps = np.mean(np.stack([replicates[g] for g in used]), axis=0)
    return MacroScore(**_figure(mean, reps, draw.confidence), columns=tuple(used))


def _totals(outcomes: Mapping[str, SampleOutcome]) -> Totals:
    n_samples = len(outcomes)
    n_unscored = sum(1 for o in outcomes.values() if o.status == "unscored")
    n_failed = sum(1 for o in outcomes.values() if o.status == "failed")
    return Totals(
        n_samples=n_samples,
        n=n_samples - n_unscored - n_failed,
        n_unscored=n_unscored,
        n_failed=n_failed,
        unscored_rate=_rate(n_unscored, n_samples),
        failed_rate=_rate(n_failed, n_samples),
    )


def score_outcomes(
    outcomes: Mapping[str, SampleOutcome],
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
    scale: ScoreScale = DEFAULT_SCALE,
    headline: str = DEFAULT_HEADLINE,
    questions: Mapping[str, str] | None = None,
    rejected: tuple[str, ...] = (),
) -> Scores:
    """The scores from folded per-sample outcomes (see the module docstring). ``questions``
    maps an item to its question (the turns of one question are resampled together); by default
    every item is its own question. ``rejected``: scores on disk that were not numbers in scale."""
    specs = _registry_categories() if categories is None else categories
    draw = _draw(outcomes, specs, n_resamples=n_resamples, seed=seed, confidence=confidence)
    category_rows = _category_scores(draw)
    columns = {g: _column_score(draw, g, category_rows) for g in draw.order}
    macro = _macro(draw, columns, draw.order)
    scored = {
        o.id: (o.category, float(o.score))
        for o in outcomes.values()
        if o.status == "scored" and o.score is not None
    }
    figure = headline_figure(
        headline,
        columns,
        macro,
        scored,
        questions or {},
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    return Scores(
        schema=SCHEMA,
        headline=figure,
        categories=category_rows,
        columns=columns,
        column_order=tuple(draw.order),
        macro=macro,
        macro_wo_others=_macro(draw, columns, [g for g in draw.order if g != OTHERS]),
        totals=_totals(outcomes),
        bootstrap=BootstrapSettings(METHOD, n_resamples, seed, confidence),
        scale=scale,
        rejected_scores=tuple(rejected),
    )


def score_judgments(
    judgments: Iterable[Any],
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
    headline: str = DEFAULT_HEADLINE,
) -> Scores:
    """Score judgment records (dicts or ``Judgment`` s with ``id, category, score, status``);
    ``headline`` is how the run's dataset aggregates its headline (:mod:`.headline`)."""
    records = [j if isinstance(j, Mapping) else j.to_dict() for j in judgments]
    folded = fold_records(records)
    return score_outcomes(
        folded.outcomes,
        categories=categories,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
        scale=folded.scale,
        headline=headline,
        questions=question_ids(records),
        rejected=tuple(folded.rejected),
    )
