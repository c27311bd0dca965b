"""Seeded, stratified percentile bootstrap shared by every figure of a report.

Why hand-rolled rather than ``scipy.stats.bootstrap``: every figure of a report (category means,
pooled columns, both macros, and paired deltas) must come from the *same* replicates -- a macro
is a function of the column means, so its interval is only coherent if each replicate resamples
every category once and recomputes everything from that draw. Resampling is stratified: each
category's samples are resampled within the category, keeping its n (the eval set's composition
is fixed by design, not random).

Replicates are drawn category by category in sorted order from one ``numpy`` generator seeded by
``seed``, so the same judgments always give the same intervals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 0
CONFIDENCE = 0.95


def replicate_sums(
    values: Mapping[str, np.ndarray], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> dict[str, np.ndarray]:
    """Per stratum, ``n_resamples`` sums of a with-replacement resample of its values."""
    rng = np.random.default_rng(seed)
    sums: dict[str, np.ndarray] = {}
    for name in sorted(values):
        data = np.asarray(values[name], dtype=float)
        if data.size == 0:
            continue
        index = rng.integers(0, data.size, size=(n_resamples, data.size))
        sums[name] = data[index].sum(axis=1)
    return sums


def percentile_interval(replicates: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [alpha, 1.0 - alpha])
    return float(low), float(high)


def shifted_p_value(replicates: np.ndarray, observed: float) -> float:
    """Two-sided bootstrap p-value for "the true value is 0".

    The replicates are shifted to be centred on 0 (the null), and p is the share of them at least
    as far from 0 as the observed value, with the usual +1 correction so p is never 0.
    """
    if observed == 0.0:
        return 1.0
    centred = replicates - observed
    extreme = int(np.count_nonzero(np.abs(centred) >= abs(observed) - 1e-12))
    return (extreme + 1) / (replicates.size + 1)


def replicate_indices(
    size: int, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> np.ndarray:
    """``n_resamples`` rows of with-replacement indices into ``size`` paired items, for a statistic
    of pairs (a correlation, a kappa) that is no sum: each row is one bootstrap replicate."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, size, size=(n_resamples, size))
