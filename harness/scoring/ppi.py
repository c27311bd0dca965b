"""Prediction-powered inference (PPI) of a mean: many judge scores plus a few human labels give an
estimate of the *people's* mean with a valid confidence interval (Angelopoulos et al., Science 2023).

Why: the judge's mean over a run is precise but biased by however far the judge is from people;
the mean of a few human labels is unbiased but wide. PPI uses the judge everywhere and corrects it
by the judge's error measured where people labelled::

    estimate = lam * mean(judge on the N unlabelled) + mean(human - lam * judge on the n labelled)
    se^2     = var(lam * judge, unlabelled) / N + var(human - lam * judge, labelled) / n

and a normal-approximation interval. ``lam = 1`` is the plain PPI estimator (exactly unbiased);
by default ``lam`` is power-tuned (PPI++, Angelopoulos et al. 2023), ``cov(human, judge) / ((1 +
n/N) var(judge))`` clipped to [0, 1], so a judge that tells nothing about people (``lam = 0``) gives
the human-only interval rather than a wider one. This is ``ppi_py.ppi_mean_ci`` /
``ppi_mean_pointestimate`` in closed form (same variances, ddof 0; the lambda's variance over
labelled and unlabelled judge scores, ddof 1), tested against it, so the harness does not depend on
ppi-python (which pulls numba, pandas and gdown).

The labelled and unlabelled samples are disjoint, as the estimator assumes: the N unlabelled are
the run's scored samples without a human label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeanEstimate:
    """A mean with its two-sided normal-approximation interval; ``lam`` the judge's weight (PPI)."""

    mean: float
    ci: tuple[float, float]
    lam: float | None = None


def _interval(mean: float, se: float, confidence: float) -> tuple[float, float]:
    from scipy.stats import norm

    half = float(norm.ppf(1 - (1 - confidence) / 2)) * se
    return float(mean - half), float(mean + half)


def classical_mean(human: np.ndarray, *, confidence: float = 0.95) -> MeanEstimate:
    """The human labels alone: their mean and its normal interval (``ppi_py.classical_mean_ci``)."""
    human = np.asarray(human, dtype=float)
    mean = float(human.mean())
    return MeanEstimate(mean, _interval(mean, float(human.std()) / np.sqrt(human.size), confidence))


def power_tuning(human: np.ndarray, judge_labelled: np.ndarray, judge_unlabelled: np.ndarray) -> float:
    """The weight on the judge that minimises the estimate's variance, clipped to [0, 1]."""
    n, big_n = human.size, judge_unlabelled.size
    cov = float(np.mean((human - human.mean()) * (judge_labelled - judge_labelled.mean())))
    var = float(np.var(np.concatenate([judge_labelled, judge_unlabelled]), ddof=1))
    if var == 0.0:  # a judge that gives one score everywhere carries no information
        return 0.0
    return float(np.clip(cov / ((1 + n / big_n) * var), 0.0, 1.0))


def ppi_mean(
    human: np.ndarray,
    judge_labelled: np.ndarray,
    judge_unlabelled: np.ndarray,
    *,
    confidence: float = 0.95,
    lam: float | None = None,
) -> MeanEstimate:
    """The prediction-powered estimate of the people's mean (``lam=None``: power-tuned)."""
    human, labelled, unlabelled = (
        np.asarray(a, dtype=float) for a in (human, judge_labelled, judge_unlabelled)
    )
    if human.size < 2 or unlabelled.size < 1 or human.size != labelled.size:
        raise ValueError("PPI needs at least 2 labelled pairs and 1 unlabelled judge score")
    lam = power_tuning(human, labelled, unlabelled) if lam is None else float(lam)
    mean = float(lam * unlabelled.mean() + (human - lam * labelled).mean())
    variance = np.var(lam * unlabelled) / unlabelled.size + np.var(human - lam * labelled) / human.size
    return MeanEstimate(mean, _interval(mean, float(np.sqrt(variance)), confidence), lam)
