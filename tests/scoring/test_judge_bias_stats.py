"""The judge-bias statistics on synthetic data: Spearman with a bootstrap CI, pairwise position and
length bias, the family rule, and AlpacaEval 2's length-controlled win rate recovering the truth."""

from __future__ import annotations

import numpy as np
import pytest

from harness.judging.pairwise import combine
from harness.protocols import EvalSample, PairItem, PairVerdict
from harness.scoring.bias import average_ranks, length_correlation, spearman_interval, unscored_share
from harness.scoring.family import shared_family
from harness.scoring.length_controlled import difficulty_from_scores, length_controlled_win_rate
from harness.scoring.pairwise_bias import pairwise_bias


def test_average_ranks_and_rho_match_scipy():
    from scipy.stats import rankdata, spearmanr

    rng = np.random.default_rng(5)
    values = rng.integers(0, 6, size=(50, 40)).astype(float)  # many ties
    np.testing.assert_allclose(average_ranks(values), rankdata(values, axis=-1))
    x, y = values[0], values[1] + rng.normal(size=40)
    rho, _ = spearman_interval(x, y, rng, 10)
    assert rho == pytest.approx(spearmanr(x, y).statistic)


def test_spearman_interval_flags_only_a_real_correlation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    rho, (low, high) = spearman_interval(x, x + rng.normal(scale=0.3, size=200), rng, 500)
    assert rho > 0.9 and low > 0.85
    rho, (low, high) = spearman_interval(x, rng.normal(size=200), rng, 500)
    assert low < 0 < high and abs(rho) < 0.2
    assert spearman_interval(np.ones(5), np.arange(5.0), rng, 10) == (None, None)


def test_length_correlation_and_unscored_share_from_records():
    judgments = [
        {"id": f"s{i}", "category": "c" if i % 2 else "d", "status": "scored", "score": i / 40}
        for i in range(40)
    ]
    judgments += [
        {"id": "bad", "category": "c", "status": "scored", "score": 7.0},  # outside the scale
        {"id": "none", "category": "c", "status": "failed", "score": None, "reason": "timeout"},
    ]
    generations = {f"s{i}": {"answer": "z" * (100 - i)} for i in range(40)}
    result = length_correlation(judgments, generations, scale={"low": 0, "high": 1}, n_resamples=300)
    assert result["estimate"] == pytest.approx(-1.0) and result["flagged"] and result["n"] == 40
    assert result["categories"]["c"]["flagged"] and result["categories"]["d"]["n"] == 20
    share = unscored_share(judgments, scale={"low": 0, "high": 1}, n_resamples=300)
    assert share["missed"] == 2 and share["estimate"] == pytest.approx(2 / 42) and not share["flagged"]
    assert share["reasons"] == {
        "scored, but the score is not a number within the scale": 1,
        "failed: timeout": 1,
    }


def _pairs(n: int, longer_b: int) -> list[PairItem]:
    items = []
    for i in range(n):
        a, b = ("a" * 10, "b" * 30) if i < longer_b else ("a" * 30, "b" * 10)
        sample = EvalSample(id=f"q{i}", question="?", category="c")
        items += [
            PairItem(sample=sample, answers_a=(a,), answers_b=(b,), order="ab"),
            PairItem(sample=sample, answers_a=(b,), answers_b=(a,), order="ba"),
        ]
    return items


def test_pairwise_position_and_length_bias():
    items = _pairs(30, 20)
    first = [PairVerdict(i.sample.id, i.order, "A") for i in items]
    bias = pairwise_bias(items, first, combine(first), n_resamples=300)
    assert bias["position_first_wins"]["estimate"] == 1.0 and bias["position_first_wins"]["flagged"]
    assert bias["flip_rate"]["estimate"] == 1.0 and bias["flip_rate"]["flagged"]
    assert bias["length_longer_wins"]["n"] == 0 and not bias["length_longer_wins"]["flagged"]  # all ties
    longer = [
        PairVerdict(i.sample.id, i.order, "A" if len(i.answers_a[0]) > len(i.answers_b[0]) else "B")
        for i in items
    ]
    bias = pairwise_bias(items, longer, combine(longer), n_resamples=300)
    assert bias["length_longer_wins"]["estimate"] == 1.0 and bias["length_longer_wins"]["flagged"]
    assert bias["position_first_wins"]["estimate"] == 0.5 and not bias["position_first_wins"]["flagged"]
    assert bias["flip_rate"]["estimate"] == 0.0 and not bias["flip_rate"]["flagged"]


@pytest.mark.parametrize(
    ("judge", "model", "why"),
    [
        ("gpt-4o", "gpt-4o-mini", "name stem 'gpt'"),
        ("qwen-max", "Qwen/Qwen2-7B-Instruct", "name stem 'qwen'"),
        ("openai/gpt-4o", "openai/o1", "provider prefix 'openai'"),
        ("llama-3-70b", "tiny-llama", "the judge's stem 'llama' is a word of 'tiny-llama'"),
        ("gpt-4", "claude-3-opus", None),
        ("tiny-judge", "tiny-llama", None),  # a generic word is no family
    ],
)
def test_family_rule(judge, model, why):
    assert shared_family(judge, model) == why


def test_lc_win_rate_recovers_the_truth_under_a_length_biased_judge():
    rng = np.random.default_rng(1)
    n = 300
    quality = rng.normal(size=n) - 0.85  # b's true advantage: P(b better) about 0.31
    length_diff = rng.normal(300, 200, size=n)  # b is usually longer
    truth = float((1 / (1 + np.exp(-quality))).mean())
    judged = 1 / (1 + np.exp(-(quality + 3 * np.tanh(length_diff / length_diff.std()))))
    preference = (rng.random(n) < judged).astype(float)
    result = length_controlled_win_rate(preference, length_diff, n_resamples=100)
    raw = preference.mean()
    assert abs(raw - truth) > 0.3  # the judge's raw win rate is far from the truth
    assert abs(result["estimate"] - truth) < 0.08 and result["ci_low"] < truth < result["ci_high"]
    assert result["separated_by_length"] is False


def test_lc_win_rate_is_a_number_when_length_separates_perfectly():
    length_diff = np.array([20.0, 25, 30, -20, -22, 28, 33, -30, 21, 26, -24, 29])
    preference = (length_diff > 0).astype(float)  # the judge always picks the longer answer
    result = length_controlled_win_rate(preference, length_diff, n_resamples=50)
    assert 0.0 < result["estimate"] < 1.0 and result["separated_by_length"] is True
    assert abs(result["estimate"] - 0.5) < abs(preference.mean() - 0.5)


def test_lc_without_length_effect_stays_at_the_raw_rate():
    rng = np.random.default_rng(2)
    preference = (rng.random(200) < 0.7).astype(float)
    result = length_controlled_win_rate(preference, rng.normal(0, 100, 200), n_resamples=50)
    assert result["estimate"] == pytest.approx(preference.mean(), abs=0.04)


def test_difficulty_from_pointwise_scores():
    ids = ["x", "y", "z"]
    assert difficulty_from_scores(
        ids, [{"x": 1.0, "y": 5.0, "z": 9.0}, {"x": 3.0, "y": 5.0}]
    ) == pytest.approx(
        [1.1625, 0.1162, -1.2787], abs=1e-3
    )  # -(2, 5, 9) standardised: the low-scored x is hardest
    assert difficulty_from_scores(ids, [{"x": 1.0}, {"x": 1.0, "y": 2.0}]) is None  # too few scored
