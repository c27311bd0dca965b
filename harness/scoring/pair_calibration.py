"""A pairwise judge's outcomes and people's verdicts on some of the pairs -> how far the judge can be
trusted, and the people's win rate of B over every compared pair (``harness calibrate`` on a
verdicts file).

Per category and overall: the judge's win rate of B over its decided pairs (``judge_mean``; b = 1,
tie = 0.5, a = 0), the people's on the labelled ones (``human_mean``), and the prediction-powered
estimate of the people's win rate over every decided pair with its interval (:mod:`.ppi`, the same
estimator as the pointwise case) beside the interval from the labels alone. Agreement is FastChat's
(fastchat/llm_judge/compute_agreement.py), with ties and without them (:mod:`.label_agreement`),
each with its n and bootstrap interval. Labels of undecided pairs (no judge outcome) are counted
(``n_labels_undecided``) and used nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harness.scoring.bootstrap import CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED
from harness.scoring.calibration import people_mean_estimates, uneven_labels_note
from harness.scoring.label_agreement import pairwise_agreement
from harness.scoring.ppi import classical_mean

SCHEMA = "harness.pair-calibration/1"
POINTS = {"a": 0.0, "tie": 0.5, "b": 1.0}


def _points(verdicts: list[str]) -> np.ndarray:
    return np.array([POINTS[v] for v in verdicts], dtype=float)


def _agreement(judge: list[str], human: list[str], n_resamples: int, seed: int) -> dict[str, Any]:
    """``agreement_with_ties`` / ``agreement_without_ties``, each with ``_ci`` and ``_n``."""
    flat: dict[str, Any] = {}
    for name, figure in pairwise_agreement(judge, human, n_resamples=n_resamples, seed=seed).items():
        flat[name], flat[f"{name}_ci"], flat[f"{name}_n"] = figure["value"], figure["ci"], figure["n"]
    return flat


def calibrate_pair_group(
    outcomes: Mapping[str, str | None],
    labels: Mapping[str, str],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Every figure for one group of pairs (a category, or all); ``outcomes``: id -> judge outcome."""
    decided = {k: v for k, v in outcomes.items() if v is not None}
    labelled = sorted(k for k in decided if k in labels)
    judge_all = _points(list(decided.values()))
    judge_labelled = _points([decided[k] for k in labelled])
    human = _points([labels[k] for k in labelled])
    judge_unlabelled = _points([v for k, v in decided.items() if k not in labels])
    judge_only = classical_mean(judge_all, confidence=CONFIDENCE) if judge_all.size >= 2 else None
    return {
        "n": len(decided),
        "n_labels": len(labelled),
        "n_labels_undecided": sum(1 for k, v in outcomes.items() if v is None and k in labels),
        "judge_mean": float(judge_all.mean()) if judge_all.size else None,
        "judge_ci": list(judge_only.ci) if judge_only else None,
        "judge_mean_labelled": float(judge_labelled.mean()) if judge_labelled.size else None,
        "human_mean": float(human.mean()) if human.size else None,
        "judge_bias": float((judge_labelled - human).mean()) if human.size else None,
        **people_mean_estimates(human, judge_labelled, judge_unlabelled),
        **_agreement([decided[k] for k in labelled], [labels[k] for k in labelled], n_resamples, seed),
    }


def calibrate_pairs(
    pairs: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, str],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """``{"overall", "categories", "notes", ...}`` for a comparison's pairs (id -> record with
    ``outcome`` and ``category``) and people's verdicts by id."""
    options = {"n_resamples": n_resamples, "seed": seed}
    by_category: dict[str, dict[str, str | None]] = {}
    for pair_id, record in pairs.items():
        by_category.setdefault(str(record.get("category") or ""), {})[pair_id] = record.get("outcome")
    categories = {
        c: calibrate_pair_group(group, labels, **options) for c, group in sorted(by_category.items())
    }
    note = uneven_labels_note(categories)
    overall = calibrate_pair_group({k: r.get("outcome") for k, r in pairs.items()}, labels, **options)
    return {
        "schema": SCHEMA,
        "overall": overall,
        "categories": categories,
        "notes": [note] if note else [],
        "scale": {"low": 0.0, "high": 1.0, "kind": "pairwise"},
        "confidence": CONFIDENCE,
        "ppi": "power-tuned prediction-powered mean (PPI++) of the win rate of B, normal interval",
    }
