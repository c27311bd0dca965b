"""The headline figure: what it averages and over which unit its interval resamples."""

from __future__ import annotations

import pytest

from harness.scoring import compare_judgments, score_judgments
from harness.specs import DatasetSpec

SCALE = {"low": 1.0, "high": 10.0, "kind": "pointwise"}


def turn(question: str, number: int, score: float | None, category: str = "a", repeat: int = 0) -> dict:
    return {
        "id": f"{question}:turn{number}",
        "sample_id": question,
        "turn": number,
        "category": category,
        "status": "scored" if score is not None else "unscored",
        "score": score,
        "scale": SCALE,
        "repeat": repeat,
    }


def test_pooled_is_the_mean_over_scored_turns_and_macro_the_mean_of_category_means():
    records = [
        turn("q1", 1, 9),
        turn("q1", 2, None),
        turn("q2", 1, 3, "b"),
        turn("q2", 2, 3, "b"),
        turn("q3", 1, 6, "b"),
        turn("q3", 2, 2, "b"),
        turn("q3", 2, 4, "b", repeat=1),
    ]
    pooled = score_judgments(records, categories={}, headline="pooled", n_resamples=300)
    # repeats of a turn are averaged first (3 for q3 turn 2), as FastChat has one row per turn
    assert pooled.headline.mean == pytest.approx((9 + 3 + 3 + 6 + 3) / 5)
    assert pooled.headline.n == 5 and pooled.macro.mean == pytest.approx((9 + 15 / 4) / 2)
    macro = score_judgments(records, categories={}, n_resamples=300)
    assert macro.headline.aggregation == "macro" and macro.headline.mean == macro.macro.mean
    assert macro.headline.ci_low == macro.macro.ci_low


def test_the_pooled_interval_resamples_questions_with_both_turns():
    # every question's two turns average 5: resampling questions can only give 5; resampling turns
    # one by one would give an interval around it
    records = [r for q in range(12) for r in (turn(f"q{q}", 1, 1 + q % 3), turn(f"q{q}", 2, 9 - q % 3))]
    headline = score_judgments(records, categories={}, headline="pooled", n_resamples=500).headline
    assert headline.mean == headline.ci_low == headline.ci_high == pytest.approx(5.0)
    assert headline.bootstrap_unit == "question with all its turns, within its category"


def test_paired_pooled_delta_resamples_questions():
    a = [r for q in range(8) for r in (turn(f"q{q}", 1, 5), turn(f"q{q}", 2, 5))]
    b = [r for q in range(8) for r in (turn(f"q{q}", 1, 5 + 1 + q % 2), turn(f"q{q}", 2, 5 + 1 - q % 2))]
    headline = compare_judgments(a, b, categories={}, headline="pooled", n_resamples=300).headline
    assert headline is not None and headline.aggregation == "pooled"
    delta = headline.delta
    assert delta.delta == pytest.approx(1.0) and delta.ci_low == delta.ci_high == pytest.approx(1.0)
    assert delta.n_pairs == 16


def test_a_dataset_declares_one_of_the_known_headlines():
    assert DatasetSpec(name="x").headline == "macro"
    assert DatasetSpec(name="x", headline="pooled").headline == "pooled"
    with pytest.raises(ValueError, match="headline must be one of macro, pooled"):
        DatasetSpec(name="x", headline="median")
    with pytest.raises(ValueError, match="headline must be one of"):
        score_judgments([turn("q1", 1, 5)], categories={}, headline="mean")
