"""How far to trust a judge: agreement between two judges' scores on the same answers.

Pearson (linear agreement), Spearman (rank agreement: does the judge order answers alike?) and
Krippendorff's alpha with the interval metric (chance-corrected absolute agreement: 1 = identical
scores, 0 = no better than chance, < 0 = systematic disagreement). Only ids scored by both judges
count; ``n`` says how many. Krippendorff's alpha comes from the ``krippendorff`` package.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def _nan_to_none(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def krippendorff_alpha_interval(a: np.ndarray, b: np.ndarray) -> float | None:
    """Krippendorff's alpha (interval metric) for two raters with no missing values."""
    import krippendorff

    data = np.vstack([a, b]).astype(float)
    if data.shape[1] < 2 or np.all(data == data.flat[0]):
        return None  # no variation at all: alpha is undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))


def agreement(scores_a: Mapping[str, float], scores_b: Mapping[str, float]) -> dict[str, Any]:
    """Agreement statistics over the ids both judges scored (``None`` where undefined)."""
    from scipy import stats

    common = sorted(set(scores_a) & set(scores_b))
    a = np.array([float(scores_a[k]) for k in common])
    b = np.array([float(scores_b[k]) for k in common])
    result: dict[str, Any] = {
        "n": len(common),
        "only_a": len(set(scores_a) - set(scores_b)),
        "only_b": len(set(scores_b) - set(scores_a)),
        "pearson": None,
        "pearson_p": None,
        "spearman": None,
        "spearman_p": None,
        "krippendorff_alpha_interval": None,
        "mean_a": float(a.mean()) if len(common) else None,
        "mean_b": float(b.mean()) if len(common) else None,
        "mean_abs_diff": float(np.abs(a - b).mean()) if len(common) else None,
    }
    if len(common) >= 2:
        result["krippendorff_alpha_interval"] = krippendorff_alpha_interval(a, b)
    if len(common) >= 3 and a.std() > 0 and b.std() > 0:
        pearson = stats.pearsonr(a, b)
        spearman = stats.spearmanr(a, b)
        result["pearson"] = _nan_to_none(pearson.statistic)
        result["pearson_p"] = _nan_to_none(pearson.pvalue)
        result["spearman"] = _nan_to_none(spearman.statistic)
        result["spearman_p"] = _nan_to_none(spearman.pvalue)
    return result
