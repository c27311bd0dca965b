"""A run's judge scores and people's labels of some of its samples -> how far the judge can be
trusted, and the people's mean over the whole run (``harness calibrate``'s figures).

Per category and overall (pooled over samples), on the judge's scale: the judge's mean over every
scored sample, the people's mean over the labelled ones, the prediction-powered estimate of the
people's mean over the whole run with its interval (:mod:`.ppi`) beside the interval from the
labels alone, the judge's mean error where people labelled (``judge_bias``), and the agreement
figures of :mod:`.label_agreement`. Labels of samples the judge did not score are counted
(``n_labels_unscored``) but used nowhere: there is no judge score to compare them with.

Every interval is 95%. The estimate is valid when the labelled samples are a random sample of the
scored ones (of each category, for a category's figure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harness.scales import ScoreScale
from harness.scoring.bootstrap import CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED
from harness.scoring.label_agreement import pointwise_agreement
from harness.scoring.ppi import classical_mean, ppi_mean
from harness.scoring.samples import SampleOutcome

SCHEMA = "harness.calibration/1"


def _rounded_ci(ci: tuple[float, float] | list[float] | None) -> list[float] | None:
    return None if ci is None else [float(ci[0]), float(ci[1])]


def people_mean_estimates(
    human: np.ndarray, judge_labelled: np.ndarray, judge_unlabelled: np.ndarray
) -> dict[str, Any]:
    """The people's mean: from the labels alone, and prediction-powered (``None`` with < 2 labels)."""
    if human.size < 2:
        return {"ppi_mean": None, "ppi_ci": None, "ppi_lambda": None, "human_only_ci": None}
    alone = classical_mean(human, confidence=CONFIDENCE)
    if judge_unlabelled.size == 0:  # every scored sample is labelled: the labels are the whole answer
        return {
            "ppi_mean": alone.mean,
            "ppi_ci": list(alone.ci),
            "ppi_lambda": 0.0,
            "human_only_ci": list(alone.ci),
        }
    ppi = ppi_mean(human, judge_labelled, judge_unlabelled, confidence=CONFIDENCE)
    return {
        "ppi_mean": ppi.mean,
        "ppi_ci": list(ppi.ci),
        "ppi_lambda": ppi.lam,
        "human_only_ci": list(alone.ci),
    }


def _agreement(
    judge: np.ndarray, human: np.ndarray, scale: ScoreScale, n_resamples: int, seed: int
) -> dict[str, Any]:
    """Each agreement figure as ``<name>`` (the value) and ``<name>_ci``; all over ``n_labels`` pairs."""
    flat: dict[str, Any] = {}
    for name, figure in pointwise_agreement(judge, human, scale, n_resamples=n_resamples, seed=seed).items():
        flat[name], flat[f"{name}_ci"] = figure["value"], _rounded_ci(figure["ci"])
    return flat


def calibrate_group(
    outcomes: list[SampleOutcome],
    labels: Mapping[str, float],
    scale: ScoreScale,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Every figure for one group of samples (a category, or the whole run)."""
    scored = [o for o in outcomes if o.score is not None]
    labelled = [o for o in scored if o.id in labels]
    judge_all = np.array([o.score for o in scored], dtype=float)
    judge_labelled = np.array([o.score for o in labelled], dtype=float)
    human = np.array([labels[o.id] for o in labelled], dtype=float)
    judge_unlabelled = np.array([o.score for o in scored if o.id not in labels], dtype=float)
    judge_only = classical_mean(judge_all, confidence=CONFIDENCE) if judge_all.size >= 2 else None
    return {
        "n": len(scored),
        "n_labels": len(labelled),
        "n_labels_unscored": sum(1 for o in outcomes if o.score is None and o.id in labels),
        "judge_mean": float(judge_all.mean()) if judge_all.size else None,
        "judge_ci": list(judge_only.ci) if judge_only else None,
        "judge_mean_labelled": float(judge_labelled.mean()) if judge_labelled.size else None,
        "human_mean": float(human.mean()) if human.size else None,
        "judge_bias": float((judge_labelled - human).mean()) if human.size else None,
        **people_mean_estimates(human, judge_labelled, judge_unlabelled),
        **_agreement(judge_labelled, human, scale, n_resamples, seed),
    }


def uneven_labels_note(groups: Mapping[str, Mapping[str, Any]]) -> str | None:
    """A note when the labels are spread over the categories unlike the run's samples (chi-square
    test of labelled vs not, p < 0.01): the overall figure then leans on the labelled categories."""
    from scipy.stats import chi2_contingency

    table = np.array(
        [[g["n_labels"], g["n"] - g["n_labels"]] for g in groups.values() if g["n"]], dtype=float
    )
    if table.shape[0] < 2 or table[:, 0].sum() == 0 or table[:, 1].sum() == 0:
        return None
    p_value = float(chi2_contingency(table).pvalue)
    if p_value >= 0.01:
        return None
    return (
        f"labels are not spread over the categories as the run's samples are (chi-square p = {p_value:.2g}): "
        "the overall figures assume a random sample of the run; rely on the per-category ones"
    )


def calibrate(
    outcomes: Mapping[str, SampleOutcome],
    labels: Mapping[str, float],
    scale: ScoreScale,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """``{"overall": {...}, "categories": {"<id>": {...}}, "scale", "confidence", "notes"}`` for a run."""
    options = {"n_resamples": n_resamples, "seed": seed}
    by_category: dict[str, list[SampleOutcome]] = {}
    for outcome in outcomes.values():
        by_category.setdefault(outcome.category, []).append(outcome)
    categories = {
        c: calibrate_group(group, labels, scale, **options) for c, group in sorted(by_category.items())
    }
    note = uneven_labels_note(categories)
    return {
        "schema": SCHEMA,
        "overall": calibrate_group(list(outcomes.values()), labels, scale, **options),
        "categories": categories,
        "notes": [note] if note else [],
        "scale": scale.to_dict(),
        "confidence": CONFIDENCE,
        "ppi": "power-tuned prediction-powered mean (PPI++), normal interval",
    }
