"""Agreement between two sets of pointwise verdicts on the same items, each measure with a CI.

Used by ``harness judge-check`` (today's judge against the verdicts on disk); the measures are
the ones ``harness calibrate`` reports against human labels, so the two can share this module:

* ``spearman`` and ``pearson``: rank and linear correlation (``None`` when either side is constant);
* ``kappa_quadratic``: Cohen's kappa with quadratic weights, the categories being the values that
  occur on the judge's scale (a verdict one step off costs little, one across the scale much);
* ``exact``: share of items given the very same score;
* ``within_1``: share within one point of the scale (``unit``: 1, or a tenth of the range on a
  scale narrower than 2 points, such as BELLE's 0..1, where one point is the whole scale).

Each comes with ``n`` and a 95% percentile bootstrap CI over items (seeded: the same inputs give
the same interval); a resample on which a measure is undefined is left out of its interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Measure = Callable[[np.ndarray, np.ndarray], float | None]


def _correlation(kind: str) -> Measure:
    def measure(a: np.ndarray, b: np.ndarray) -> float | None:
        from scipy import stats

        if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
            return None
        value = (stats.spearmanr(a, b) if kind == "spearman" else stats.pearsonr(a, b)).statistic
        return None if math.isnan(value) else float(value)

    return measure


def kappa_quadratic(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa, quadratic weights by the distance between the values themselves."""
    values = np.unique(np.concatenate([a, b]))
    if len(a) < 2 or len(values) < 2:
        return None
    index = {v: i for i, v in enumerate(values)}
    observed = np.zeros((len(values), len(values)))
    for x, y in zip(a, b, strict=True):
        observed[index[x], index[y]] += 1
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    weights = (values[:, None] - values[None, :]) ** 2
    denominator = float((weights * expected).sum())
    return None if denominator == 0 else 1.0 - float((weights * observed).sum()) / denominator


def scale_unit(low: float, high: float) -> float:
    """One point of the scale for ``within_1`` (see the module docstring)."""
    return 1.0 if high - low >= 2 else (high - low) / 10


def _within(unit: float) -> Measure:
    return lambda a, b: float(np.mean(np.abs(a - b) <= unit + 1e-9)) if len(a) else None


def _exact(a: np.ndarray, b: np.ndarray) -> float | None:
    return float(np.mean(np.isclose(a, b))) if len(a) else None


def _with_ci(measure: Measure, a: np.ndarray, b: np.ndarray, rng: np.random.Generator,
             resamples: int) -> dict[str, Any]:
    value = measure(a, b)
    draws = [measure(a[i], b[i]) for i in (rng.integers(0, len(a), len(a)) for _ in range(resamples))] \
        if len(a) >= 2 and value is not None else []
    draws = [d for d in draws if d is not None]
    low, high = (float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))) if draws else (None, None)
    return {"value": value, "ci_low": low, "ci_high": high, "n": int(len(a))}


def pointwise_agreement(a: Sequence[float], b: Sequence[float], *, low: float, high: float,
                        resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Every measure for paired scores ``a`` and ``b`` on the scale ``low``..``high``."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    unit = scale_unit(low, high)
    measures: dict[str, Measure] = {"spearman": _correlation("spearman"), "pearson": _correlation("pearson"),
                                    "kappa_quadratic": kappa_quadratic, "exact": _exact,
                                    "within_1": _within(unit)}
    rng = np.random.default_rng(seed)
    result = {name: _with_ci(measure, x, y, rng, resamples) for name, measure in measures.items()}
    return {"n": int(len(x)), "unit": unit, "measures": result}
