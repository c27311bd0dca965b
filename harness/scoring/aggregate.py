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
from harness.scoring.samples import SampleOutcome, fold_records
from harness.specs import CategorySpec

SCHEMA = "harness.scores/1"


def _registry_categories() -> Mapping[str, CategorySpec]:
    return get_registry().categories()


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _figure(mean: float | None, replicates: np.ndarray | None, confidence: float) -> dict[str, Any]:
    if mean is None or replicates is None:
        return {"mean": None, "ci_low": None, "ci_high": None}
    low, high = percentile_interval(replicates, confidence)
    return {"mean": mean, "ci_low": low, "ci_high": high}


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
) -> dict[str, Any]:
    """The scores dict from folded per-sample outcomes (see the module docstring). ``questions``
    maps an item to its question (the turns of one question are resampled together); by default
    every item is its own question."""
    specs = _registry_categories() if categories is None else categories
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
    rank = {group: i for i, group in enumerate(order)}

    category_rows: dict[str, dict[str, Any]] = {}
    for c in sorted(by_category, key=lambda c: (rank[group_of[c]], c)):
        items = by_category[c]
        n = int(values[c].size)
        n_unscored = sum(1 for o in items if o.status == "unscored")
        n_failed = sum(1 for o in items if o.status == "failed")
        sds = [o.repeat_sd for o in items if o.repeat_sd is not None]
        mean = float(values[c].mean()) if n else None
        category_rows[c] = {
            "display_name": display[c],
            "group": group_of[c],
            **_figure(mean, sums[c] / n if n else None, confidence),
            "n": n,
            "n_samples": len(items),
            "n_unscored": n_unscored,
            "n_failed": n_failed,
            "unscored_rate": _rate(n_unscored, len(items)),
            "failed_rate": _rate(n_failed, len(items)),
            "repeats": max((o.n_repeats for o in items), default=0),
            "repeat_sd": float(np.mean(sds)) if sds else None,
        }

    column_rows: dict[str, dict[str, Any]] = {}
    column_reps: dict[str, np.ndarray] = {}
    group_display = {g: display[c] for c, g in group_of.items() if c == g}
    for group in order:
        members = sorted(c for c in by_category if group_of[c] == group)
        n = sum(category_rows[c]["n"] for c in members)
        total = sum(float(values[c].sum()) for c in members)
        reps = sum(sums[c] for c in members if c in sums) / n if n else None
        if reps is not None:
            column_reps[group] = reps
        column_rows[group] = {
            "label": column_label(group, group_display),
            "categories": members,
            **_figure(total / n if n else None, reps, confidence),
            "n": n,
            "n_samples": sum(category_rows[c]["n_samples"] for c in members),
            "n_unscored": sum(category_rows[c]["n_unscored"] for c in members),
            "n_failed": sum(category_rows[c]["n_failed"] for c in members),
        }

    def macro(include: list[str]) -> dict[str, Any]:
        used = [g for g in include if g in column_reps]
        if not used:
            return {"mean": None, "ci_low": None, "ci_high": None, "columns": []}
        mean, _ = macro_from_columns({g: column_rows[g]["mean"] for g in used})
        reps = np.mean(np.stack([column_reps[g] for g in used]), axis=0)
        return {**_figure(mean, reps, confidence), "columns": used}

    n_samples = len(outcomes)
    scored = {o.id: (o.category, float(o.score)) for o in outcomes.values() if o.status == "scored"}
    n_unscored = sum(1 for o in outcomes.values() if o.status == "unscored")
    n_failed = sum(1 for o in outcomes.values() if o.status == "failed")
    figures = {"columns": column_rows, "macro": macro(order)}
    return {
        "schema": SCHEMA,
        "headline": headline_figure(
            headline,
            figures,
            scored,
            questions or {},
            n_resamples=n_resamples,
            seed=seed,
            confidence=confidence,
        ),
        "categories": category_rows,
        "columns": column_rows,
        "column_order": order,
        "macro": figures["macro"],
        "macro_wo_others": macro([g for g in order if g != OTHERS]),
        "totals": {
            "n_samples": n_samples,
            "n": n_samples - n_unscored - n_failed,
            "n_unscored": n_unscored,
            "n_failed": n_failed,
            "unscored_rate": _rate(n_unscored, n_samples),
            "failed_rate": _rate(n_failed, n_samples),
        },
        "bootstrap": {
            "method": "percentile, stratified by category, shared replicates",
            "n_resamples": n_resamples,
            "seed": seed,
            "confidence": confidence,
        },
        "scale": scale.to_dict(),
        "rejected_scores": [],
    }


def score_judgments(
    judgments: Iterable[Any],
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
    headline: str = DEFAULT_HEADLINE,
) -> dict[str, Any]:
    """Score judgment records (dicts or ``Judgment`` s with ``id, category, score, status``);
    ``headline`` is how the run's dataset aggregates its headline (:mod:`.headline`)."""
    records = [j if isinstance(j, Mapping) else j.to_dict() for j in judgments]
    folded = fold_records(records)
    scores = score_outcomes(
        folded.outcomes,
        categories=categories,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
        scale=folded.scale,
        headline=headline,
        questions=question_ids(records),
    )
    scores["rejected_scores"] = list(folded.rejected)
    return scores
