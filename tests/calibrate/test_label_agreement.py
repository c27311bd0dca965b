"""The vectorised agreement figures are the libraries' (scipy's correlations, scikit-learn's weighted
kappa on the scale's points), and pairwise agreement counts ties as FastChat's compute_agreement.py."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from harness.scales import ScoreScale
from harness.scoring.label_agreement import (
    pairwise_agreement,
    pearson,
    pointwise_agreement,
    scale_bins,
    spearman,
    weighted_kappa,
)


@pytest.mark.parametrize("seed", range(5))
def test_rows_match_scipy_and_sklearn(seed):
    rng = np.random.default_rng(seed)
    judge = rng.integers(0, 10, size=(4, 30))
    human = np.clip(judge + rng.integers(-3, 4, size=(4, 30)), 0, 9)
    for row in range(4):
        a, b = judge[row], human[row]
        assert pearson(judge, human)[row] == pytest.approx(stats.pearsonr(a, b).statistic)
        assert spearman(judge, human)[row] == pytest.approx(stats.spearmanr(a, b).statistic)
        for weights in ("quadratic", "linear"):
            expected = cohen_kappa_score(a, b, labels=list(range(10)), weights=weights)
            assert weighted_kappa(weights)(judge, human)[row] == pytest.approx(expected)


def test_scores_are_binned_onto_the_scale_points():
    assert scale_bins(np.array([1.0, 1.49, 1.5, 10.0]), ScoreScale(1, 10)).tolist() == [0, 0, 1, 9]
    assert scale_bins(np.array([0.0, 0.04, 0.05, 0.35, 1.0]), ScoreScale(0, 1)).tolist() == [0, 0, 1, 4, 10]


def test_undefined_figures_are_null_not_nan():
    figures = pointwise_agreement([5.0, 5.0, 5.0], [3.0, 4.0, 5.0], ScoreScale(1, 10), n_resamples=200)
    assert figures["spearman"]["value"] is None and figures["pearson"]["value"] is None
    assert figures["exact_agreement"]["value"] == pytest.approx(1 / 3)


def test_pairwise_agreement_with_and_without_ties_as_fastchat():
    judge = ["a", "a", "b", "tie", "tie", "b"]
    human = ["a", "b", "b", "tie", "a", "tie"]
    figures = pairwise_agreement(judge, human, n_resamples=200)
    # with ties: every pair, a tie agreeing only with a tie -> a, b, tie agree: 3 of 6
    assert figures["agreement_with_ties"]["value"] == pytest.approx(3 / 6)
    # without ties: pairs where either side said tie are dropped -> (a,a) (a,b) (b,b): 2 of 3
    assert figures["agreement_without_ties"]["value"] == pytest.approx(2 / 3)
    assert figures["agreement_without_ties"]["n"] == 3
