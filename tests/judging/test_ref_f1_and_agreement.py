"""ref-f1 (no API) and judge agreement statistics."""

from __future__ import annotations

import numpy as np
import pytest

from harness.judging.agreement import agreement, krippendorff_alpha_interval
from harness.judging.ref_f1 import RefF1Judge, char_f1

from .conftest import make_item, run_judge


def test_char_f1_by_hand():
    assert char_f1("北京是首都", "北京是首都") == 1.0
    # answer 北京 (2 chars) vs gold 北京市 (3 chars): overlap 2, P = 1, R = 2/3, F1 = 0.8
    assert char_f1("北京", "北京市") == pytest.approx(0.8)
    assert char_f1("上海", "北京") == 0.0
    assert char_f1("", "北京") == 0.0
    # whitespace-insensitive and NFKC: full-width letters and U+00A0 are their plain forms
    assert char_f1("ＡＢ\u00a0c", "A B c") == 1.0


def test_ref_f1_judge_scores_gold_categories_and_leaves_others_unscored():
    items = [
        make_item(0, reference="北京市"),
        make_item(1, category="generation", reference=""),
        make_item(2, category="rewrite", reference="Hello"),  # gold exists but is not shown
        make_item(3, reference=""),
    ]
    judge = RefF1Judge()  # an offline judge: its spec declares no judge settings (takes=())
    judgments = run_judge(judge, items)
    assert [j.status for j in judgments] == ["scored", "unscored", "unscored", "unscored"]
    assert judgments[0].score == pytest.approx(char_f1("回答0", "北京市"))
    assert all("gold answer" in j.reason for j in judgments[1:])
    assert all(j.judge == "ref-f1" for j in judgments)
    assert judge.stats["scored"] == 1 and judge.stats["unscored"] == 3 and judge.estimate_cost(items) == 0.0


def test_ref_f1_on_real_belle_samples(belle_items):
    judgments = run_judge(RefF1Judge(), belle_items)
    for item, judgment in zip(belle_items, judgments, strict=True):
        has_gold = item.gold_shown and item.sample.reference.strip()
        assert judgment.status == ("scored" if has_gold else "unscored")


def test_krippendorff_alpha_matches_a_hand_computed_example():
    # a = [1, 2, 3], b = [1, 2, 4]: D_o = (2 * 1^2) / 6 = 1/3;
    # D_e = 2 * (6 * 35 - 13^2) / (6 * 5) = 82 / 30; alpha = 1 - D_o / D_e = 1 - 10/82
    alpha = krippendorff_alpha_interval(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    assert alpha == pytest.approx(1 - 10 / 82)


def test_agreement_statistics():
    a = {"x": 0.1, "y": 0.5, "z": 0.9, "w": 0.3, "only_a": 1.0}
    same = agreement(a, dict(a))
    assert same["n"] == 5 and same["pearson"] == pytest.approx(1.0) and same["spearman"] == pytest.approx(1.0)
    assert same["krippendorff_alpha_interval"] == pytest.approx(1.0)
    b = {"x": 0.2, "y": 0.6, "z": 1.0, "w": 0.4, "only_b": 0.0}  # same order, shifted by 0.1
    shifted = agreement(a, b)
    assert shifted["n"] == 4 and shifted["only_a"] == 1 and shifted["only_b"] == 1
    assert shifted["pearson"] == pytest.approx(1.0) and shifted["spearman"] == pytest.approx(1.0)
    assert shifted["krippendorff_alpha_interval"] < 1.0  # absolute agreement sees the offset
    assert shifted["mean_abs_diff"] == pytest.approx(0.1)
    reversed_b = {k: 1 - v for k, v in a.items()}
    assert agreement(a, reversed_b)["spearman"] == pytest.approx(-1.0)
    empty = agreement({"x": 1.0}, {"y": 1.0})
    assert empty["n"] == 0 and empty["pearson"] is None and empty["krippendorff_alpha_interval"] is None
