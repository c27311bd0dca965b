"""The closed-form prediction-powered mean is ppi-python's, and its interval covers the truth.

Reference values were computed once with ppi-python 0.2.3 (``pip install ppi-python``)::

    ppi_py.ppi_mean_pointestimate(HUMAN, JUDGE_L, JUDGE_U)                   # power-tuned
    ppi_py.ppi_mean_ci(HUMAN, JUDGE_L, JUDGE_U, alpha=0.05)                  # power-tuned
    ppi_py.ppi_mean_ci(HUMAN, JUDGE_L, JUDGE_U, alpha=0.05, lam=1)           # plain PPI
    ppi_py.classical_mean_ci(HUMAN, alpha=0.05)

and the same with ``alpha=0.1`` (ppi-python is not a dependency: it pulls numba, pandas and gdown).
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.scoring.ppi import classical_mean, ppi_mean

HUMAN = np.array([7, 3, 9, 5, 6, 2, 8, 4, 10, 6], float)
JUDGE_L = np.array([8.5, 4.0, 10, 7.5, 6.5, 4.5, 9.0, 5.0, 10, 8.0])
JUDGE_U = np.array([6.0, 9.5, 3.0, 7.0, 8.0, 2.5, 10, 5.5, 7.5, 4.0, 9.0, 6.5, 1.0, 8.5])
REFERENCE = {  # confidence -> (tuned mean, tuned CI, lam=1 mean, lam=1 CI, classical CI)
    0.95: (
        5.556815286624204,
        (4.391094842988064, 6.7225357302603435),
        4.985714285714286,
        (3.5020510151055806, 6.469377556322991),
        (4.481818425742008, 7.518181574257992),
    ),
    0.90: (
        5.556815286624204,
        (4.578511851024926, 6.535118722223482),
        4.985714285714286,
        (3.7405848184970067, 6.230843752931564),
        (4.725901859173616, 7.274098140826384),
    ),
}


@pytest.mark.parametrize("confidence", sorted(REFERENCE))
def test_matches_ppi_python(confidence):
    tuned_mean, tuned_ci, plain_mean, plain_ci, classical_ci = REFERENCE[confidence]
    tuned = ppi_mean(HUMAN, JUDGE_L, JUDGE_U, confidence=confidence)
    plain = ppi_mean(HUMAN, JUDGE_L, JUDGE_U, confidence=confidence, lam=1)
    assert tuned.mean == pytest.approx(tuned_mean, rel=1e-12) and tuned.ci == pytest.approx(
        tuned_ci, rel=1e-12
    )
    assert plain.mean == pytest.approx(plain_mean, rel=1e-12) and plain.ci == pytest.approx(
        plain_ci, rel=1e-12
    )
    assert classical_mean(HUMAN, confidence=confidence).ci == pytest.approx(classical_ci, rel=1e-12)


def test_a_judge_that_says_nothing_gets_no_weight():
    rng = np.random.default_rng(0)
    human = rng.normal(5, 1, 100)
    constant = ppi_mean(human, np.full(100, 7.0), np.full(500, 7.0))
    assert constant.lam == 0.0 and constant.mean == pytest.approx(human.mean())
    assert constant.ci == pytest.approx(classical_mean(human).ci)


@pytest.mark.parametrize("lam", [None, 1.0], ids=["power-tuned", "plain"])
def test_interval_covers_the_truth_about_95_percent_of_the_time(lam):
    """200 seeded runs of a judge biased by +1.5 with noise: the people's true mean (5.0) is inside
    the 95% interval in 95% +- 4% of them (binomial sd at n=200 is 1.5%), the judge's mean never."""
    rng = np.random.default_rng(2023)
    covered, judge_covered = 0, 0
    for _ in range(200):
        people = rng.normal(5.0, 2.0, 1100)
        judge = people + 1.5 + rng.normal(0.0, 1.0, 1100)
        estimate = ppi_mean(people[:100], judge[:100], judge[100:], lam=lam)
        covered += estimate.ci[0] <= 5.0 <= estimate.ci[1]
        judge_only = classical_mean(judge)
        judge_covered += judge_only.ci[0] <= 5.0 <= judge_only.ci[1]
    assert 0.91 <= covered / 200 <= 0.99
    assert judge_covered == 0


def test_too_few_labels_is_refused():
    with pytest.raises(ValueError):
        ppi_mean(np.array([5.0]), np.array([6.0]), np.array([6.0, 7.0]))
