"""Per-turn figures for multi-turn runs; single-turn runs get none."""

from __future__ import annotations

import pytest

from harness.scales import ScoreScale
from harness.scoring.turns import has_turns, turn_scores


def record(sid, turn, score, category="a", status="scored", repeat=0):
    return {
        "id": f"{sid}:turn{turn}",
        "turn": turn,
        "category": category,
        "status": status,
        "score": score if status == "scored" else None,
        "repeat": repeat,
    }


def test_means_per_turn_and_category_with_intervals():
    scale = ScoreScale(1, 10)
    records = [
        record("q1", 1, 8),
        record("q1", 2, 2),
        record("q2", 1, 6, "b"),
        record("q2", 2, 4, "b"),
        record("q3", 1, None, status="unscored"),
        record("q3", 2, 10),
        record("q3", 2, 8, repeat=1),
        record("q4", 1, 11),
    ]  # out of scale on disk: not counted
    out = turn_scores(records, scale=scale, n_resamples=500, seed=1)
    assert out["overall"]["1"]["mean"] == pytest.approx(7) and out["overall"]["1"]["n"] == 2
    assert out["overall"]["2"]["mean"] == pytest.approx((2 + 4 + 9) / 3), "repeats averaged per item first"
    assert (
        2
        <= out["overall"]["2"]["ci_low"]
        <= out["overall"]["2"]["mean"]
        <= out["overall"]["2"]["ci_high"]
        <= 9
    )
    assert out["categories"] == {"a": {"1": 8.0, "2": pytest.approx(5.5)}, "b": {"1": 6.0, "2": 4.0}}
    assert turn_scores(records, scale=scale, n_resamples=500, seed=1) == out, "seeded"


def test_single_turn_judgments_have_no_turns():
    assert not has_turns([{"id": "s1", "status": "scored", "score": 0.5}])
    assert has_turns([record("q1", 1, 5)])
