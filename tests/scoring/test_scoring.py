"""Scoring definitions: exclusions, pooling, repeats, bootstrap intervals, paired deltas."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from harness.errors import DataError
from harness.protocols import Judgment
from harness.scoring import compare_judgments, fold_judgments, macro_from_columns, score_judgments


def j(sample_id, category, score=None, status=None, repeat=0):
    status = status or ("scored" if score is not None else "unscored")
    return {"id": sample_id, "category": category, "score": score, "status": status, "repeat": repeat}


def test_unscored_and_failed_are_excluded_not_zero():
    scores = score_judgments(
        [
            j("a", "rewrite", 1.0),
            j("b", "rewrite", 0.5),
            j("c", "rewrite"),
            j("d", "rewrite", status="failed"),
        ],
        n_resamples=200,
    )
    row = scores.categories["rewrite"]
    assert row.mean == pytest.approx(0.75) and row.n == 2
    assert (row.n_unscored, row.n_failed, row.n_samples) == (1, 1, 4)
    assert row.unscored_rate == pytest.approx(0.25) and row.failed_rate == pytest.approx(0.25)
    assert scores.totals.n == 2 and scores.totals.n_samples == 4


def test_all_unscored_category_has_no_mean():
    scores = score_judgments([j("a", "rewrite", 1.0), j("b", "extract")], n_resamples=200)
    assert scores.categories["extract"].mean is None
    assert list(scores.macro.columns) == ["rewrite"] and scores.macro.mean == pytest.approx(1.0)


def test_others_pools_math_and_code_samples():
    judgments = [j(f"m{i}", "math", 1.0) for i in range(3)] + [j("c0", "code", 0.0)]
    judgments += [j("r0", "rewrite", 0.5)]
    scores = score_judgments(judgments, n_resamples=200)
    assert list(scores.columns["others"].categories) == ["code", "math"]
    assert scores.columns["others"].mean == pytest.approx(0.75)  # pooled, not (1.0 + 0.0) / 2
    assert scores.columns["others"].n == 4
    assert list(scores.column_order) == ["others", "rewrite"]
    assert scores.macro.mean == pytest.approx((0.75 + 0.5) / 2)
    assert scores.macro_wo_others.mean == pytest.approx(0.5)
    assert list(scores.macro_wo_others.columns) == ["rewrite"]


def test_macro_definitions():
    columns = {"others": 0.2, "rewrite": 0.9, "extract": 0.7}
    macro, macro_wo = macro_from_columns(columns)
    assert macro == pytest.approx(0.6) and macro_wo == pytest.approx(0.8)
    assert macro_from_columns({"others": 0.4, "extract": None}) == (pytest.approx(0.4), None)


def test_repeats_are_averaged_per_sample_first():
    judgments = [j("a", "extract", s, repeat=r) for r, s in enumerate([0.0, 0.0, 1.0])]
    judgments.append(j("b", "extract", 1.0))
    scores = score_judgments(judgments, n_resamples=200)
    row = scores.categories["extract"]
    assert row.mean == pytest.approx((1 / 3 + 1.0) / 2)  # not 2/4
    assert row.n == 2 and row.repeats == 3
    assert row.repeat_sd == pytest.approx(np.std([0.0, 0.0, 1.0]))


def test_retry_after_failure_replaces_the_failed_line():
    outcomes = fold_judgments([j("a", "extract", status="failed"), j("a", "extract", 0.5)])
    assert outcomes["a"].status == "scored" and outcomes["a"].score == 0.5
    outcomes = fold_judgments([j("a", "extract", 0.5), j("a", "extract", status="failed")])
    assert outcomes["a"].status == "scored"  # a later failure does not erase a score


def test_judgment_objects_and_bad_records():
    scores = score_judgments(
        [Judgment(id="a", category="extract", score=0.25, status="scored")], n_resamples=200
    )
    assert scores.categories["extract"].mean == 0.25
    # a score outside 0..1 on disk is not a figure: counted as unscored, with the reason listed
    scores = score_judgments([j("a", "extract", 1.5), j("b", "extract", 0.5)], n_resamples=50)
    assert scores.categories["extract"].mean == 0.5 and scores.categories["extract"].n_unscored == 1
    assert len(scores.rejected_scores) == 1 and "out of range" in scores.rejected_scores[0]
    with pytest.raises(DataError, match="status"):
        score_judgments([{"id": "a", "category": "extract", "score": None, "status": "weird"}])
    with pytest.raises(DataError, match="differs"):
        score_judgments([j("a", "extract", 1.0), j("a", "rewrite", 1.0, repeat=1)])


def test_bootstrap_is_seeded_and_sized_right():
    rng = random.Random(3)
    judgments = [j(f"s{i}", "open_qa", float(rng.random() < 0.5)) for i in range(400)]
    a = score_judgments(judgments, seed=1)
    b = score_judgments(list(reversed(judgments)), seed=1)
    c = score_judgments(judgments, seed=2)
    row = a.categories["open_qa"]
    assert row == b.categories["open_qa"]  # same seed, any input order: same interval
    assert (row.ci_low, row.ci_high) != (
        c.categories["open_qa"].ci_low,
        c.categories["open_qa"].ci_high,
    )
    assert row.ci_low < row.mean < row.ci_high
    width = row.ci_high - row.ci_low
    assert 0.08 < width < 0.12  # ~ 2 * 1.96 * sqrt(0.25 / 400) = 0.098
    constant = score_judgments([j(f"s{i}", "extract", 0.7) for i in range(5)], n_resamples=200)
    assert constant.categories["extract"].ci_low == pytest.approx(0.7)
    assert constant.macro.ci_high == pytest.approx(0.7)


def test_paired_comparison():
    rng = random.Random(5)
    a = [
        j(f"s{i}", cat, rng.random())
        for i, cat in enumerate(["rewrite"] * 60 + ["math"] * 30 + ["code"] * 30)
    ]
    shifted = [dict(x, score=min(1.0, x["score"] + 0.1)) for x in a]
    result = compare_judgments(a, shifted, n_resamples=1000)
    assert 0.08 < result.macro.delta.delta < 0.1
    assert result.macro.delta.p_value < 0.01
    assert result.macro.delta.ci_low > 0
    assert result.columns["others"].delta.n_pairs == 60
    same = compare_judgments(a, a, n_resamples=500)
    assert same.macro.delta.delta == 0 and same.macro.delta.p_value == 1.0
    noise = [dict(x, score=rng.random()) for x in a]
    unrelated = compare_judgments(a, noise, n_resamples=1000)
    assert unrelated.macro.delta.ci_low < unrelated.macro.delta.delta < unrelated.macro.delta.ci_high
    # unscored in either run: left out of the pairs, and counted
    b = [dict(x) for x in shifted]
    b[0] = j(b[0]["id"], b[0]["category"])
    partial = compare_judgments(a, b, n_resamples=200)
    assert partial.pairs.n_paired == 119 and partial.pairs.n_unpaired_unscored == 1
    with pytest.raises(DataError, match="share no sample"):
        compare_judgments(a, [j("other", "rewrite", 1.0)])


# --------------------------------------------------------- declared scales, invalid scores on disk


@pytest.mark.parametrize(
    "bad",
    [float("nan"), float("inf"), float("-inf"), "0.5", True, None, 10**400, 10**5000],
    ids=["nan", "inf", "-inf", "str", "bool", "none", "1e400", "1e5000"],
)
def test_an_invalid_score_on_disk_counts_as_unscored(bad):
    records = [{"id": "a", "category": "extract", "score": bad, "status": "scored"}, j("b", "extract", 0.75)]
    scores = score_judgments(records, n_resamples=50)
    row = scores.categories["extract"]
    assert row.mean == 0.75 and row.n == 1 and row.n_unscored == 1
    assert scores.totals.n_unscored == 1
    [reason] = scores.rejected_scores
    assert reason.startswith("judgment 1 (id 'a'): ") and ("not a" in reason or "out of range" in reason)
    json.dumps(scores.to_dict(), allow_nan=False)  # strict JSON


def test_a_declared_scale_is_used_for_checks_and_reported():
    ten = {"low": 1.0, "high": 10.0, "kind": "pointwise"}
    records = [{**j(f"s{i}", "extract", float(i)), "scale": ten} for i in range(1, 11)]
    records.append({**j("s0", "extract", 0.5), "scale": ten})  # below 1: rejected
    scores = score_judgments(records, n_resamples=200)
    row = scores.categories["extract"]
    assert row.mean == 5.5 and row.n == 10 and row.n_unscored == 1
    assert 1.0 <= row.ci_low < 5.5 < row.ci_high <= 10.0
    assert scores.scale is not None and scores.scale.to_dict() == ten


def test_one_set_of_judgments_is_on_one_scale():
    mixed = [j("a", "extract", 0.5), {**j("b", "extract", 5.0), "scale": {"low": 1, "high": 10}}]
    with pytest.raises(DataError, match="scale"):
        score_judgments(mixed)


def test_paired_comparison_needs_one_scale():
    a = [j(f"s{i}", "extract", 0.5) for i in range(5)]
    b = [{**j(f"s{i}", "extract", 5.0), "scale": {"low": 1, "high": 10}} for i in range(5)]
    with pytest.raises(DataError, match="one scale"):
        compare_judgments(a, b)
    assert compare_judgments(a, a, n_resamples=50).to_dict()["scale"] == {
        "low": 0.0,
        "high": 1.0,
        "kind": "pointwise",
    }
