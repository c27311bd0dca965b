"""The headline: the one figure a run is quoted by, aggregated as its dataset declares.

Why declared per dataset: benchmarks quote different aggregates, and with unequal numbers of scored
items per category they differ. BELLE's tables give ``macro ave``, the unweighted mean of the
column means. FastChat's single-judge score (``fastchat/llm_judge/show_result.py``, single mode) is the
mean ``score`` over every row of the judgment file after dropping unrated rows (``-1``): the mean
over every scored (question, turn) pair, pooled across categories and turns.

* ``macro``: ``Scores.macro``, whose interval resamples samples within each category
  (:mod:`.bootstrap`).
* ``pooled``: the mean over every scored item (an item's judge repeats averaged first, as
  everywhere). Its interval resamples *questions* within each category, each with all its turns:
  the turns of one question share the model's first answer and are not independent, so resampling
  turns one by one would give too narrow an interval. The replicate mean is resampled score sum
  over resampled item count.

``scores.json`` key ``headline``::

    {"aggregation": "pooled", "name": "mean over every scored (question, turn)",
     "mean", "ci_low", "ci_high", "n", "bootstrap_unit"}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from harness.scoring.bootstrap import CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_interval
from harness.scoring.records import ColumnScore, Headline, MacroScore, Scores
from harness.specs import HEADLINES

DEFAULT_HEADLINE = HEADLINES[0]
MACRO_UNIT = "sample, within its category"
POOLED_UNIT = "question with all its turns, within its category"


def check_headline(aggregation: str) -> str:
    if aggregation not in HEADLINES:
        raise ValueError(f"headline must be one of {', '.join(HEADLINES)}, not {aggregation!r}")
    return aggregation


def question_ids(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Item id -> its question: a turn's ``sample_id`` (multi-turn judgments carry it), else itself."""
    found: dict[str, str] = {}
    for record in records:
        item, sample = record.get("id"), record.get("sample_id")
        if item:
            found[str(item)] = str(sample) if isinstance(sample, str) and sample else str(item)
    return found


def macro_name(column_categories: Iterable[Sequence[str]]) -> str:
    """``macro ave`` in words (from each column's categories): of category means when every column
    is one category (a multi-turn benchmark's), else of column means."""
    single = all(len(categories) <= 1 for categories in column_categories)
    return f"macro ave (mean of {'category' if single else 'column'} means)"


def scores_macro_name(scores: Scores) -> str:
    """:func:`macro_name` of a run's scores."""
    return macro_name(column.categories for column in scores.columns.values())


def pooled_name(questions: Mapping[str, str]) -> str:
    multi_turn = len(set(questions.values())) < len(questions)
    return f"mean over every scored {'(question, turn)' if multi_turn else 'sample'}"


def _clusters(
    values: Mapping[str, tuple[str, float]], questions: Mapping[str, str]
) -> dict[str, list[list[float]]]:
    """Category -> the scored values of each of its questions, in sorted order (a seeded draw)."""
    grouped: dict[str, dict[str, list[float]]] = {}
    for item, (category, value) in sorted(values.items()):
        grouped.setdefault(category, {}).setdefault(questions.get(item, item), []).append(value)
    return {c: [grouped[c][q] for q in sorted(grouped[c])] for c in sorted(grouped)}


def pooled_mean(
    values: Mapping[str, tuple[str, float]],
    questions: Mapping[str, str],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[float | None, np.ndarray | None]:
    """The mean of ``values`` (item id -> (category, value)) and its replicates, questions resampled
    within categories (see the module docstring); ``(None, None)`` without values."""
    clusters = _clusters(values, questions)
    if not clusters:
        return None, None
    rng = np.random.default_rng(seed)
    total, count = np.zeros(n_resamples), np.zeros(n_resamples)
    for groups in clusters.values():
        sums = np.array([sum(g) for g in groups])
        sizes = np.array([len(g) for g in groups], dtype=float)
        index = rng.integers(0, len(groups), size=(n_resamples, len(groups)))
        total += sums[index].sum(axis=1)
        count += sizes[index].sum(axis=1)
    mean = float(sum(v for _, v in values.values()) / len(values))
    return mean, total / count


def headline_figure(
    aggregation: str,
    columns: Mapping[str, ColumnScore],
    macro: MacroScore,
    values: Mapping[str, tuple[str, float]],
    questions: Mapping[str, str],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> Headline:
    """``scores.json``'s ``headline`` from the column and macro figures and the scored ``values``."""
    if check_headline(aggregation) == "macro":
        name, unit = macro_name(c.categories for c in columns.values()), MACRO_UNIT
        return Headline("macro", name, macro.mean, macro.ci_low, macro.ci_high, len(values), unit)
    mean, replicates = pooled_mean(values, questions, n_resamples=n_resamples, seed=seed)
    low, high = (None, None) if replicates is None else percentile_interval(replicates, confidence)
    return Headline("pooled", pooled_name(questions), mean, low, high, len(values), POOLED_UNIT)


def headline_text(headline: Headline | None) -> str | None:
    """One line for terminals and reports (fits 80 columns):
    ``headline 5.500 (95% CI 5.113–5.887): mean over every scored (question, turn)``."""
    if not headline:
        return None

    def fmt(value: Any) -> str:
        return "–" if value is None else f"{value:.3f}"

    return (
        f"headline {fmt(headline.mean)} (95% CI {fmt(headline.ci_low)}–{fmt(headline.ci_high)}): "
        f"{headline.name}"
    )
