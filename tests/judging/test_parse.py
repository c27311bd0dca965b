"""Score parsing for Chinese judge replies: one test per reply shape the issue names."""

from __future__ import annotations

import pytest

from harness.judging.parse import parse_score


@pytest.mark.parametrize(
    ("reply", "score", "rule"),
    [
        ("得分:0.8", 0.8, "label"),
        ("得分：0.8分", 0.8, "label"),  # full-width colon and the 分 unit
        ("得分: 1/1", 1.0, "label+fraction"),
        ("**得分**: 0.5", 0.5, "label"),  # markdown emphasis
        ("Score: 0.7", 0.7, "label"),
        ("理由：回答与标准答案一致。\n得分：\n0.9", 0.9, "label"),  # the score on a later line
        ("得分为0.6分，理由如下……", 0.6, "label"),
        ("１．得分：０．４", 0.4, "label"),  # full-width digits
        ("0.5", 0.5, "bare-number"),
        ("得分: 4/5", 0.8, "label+fraction"),
    ],
)
def test_reply_shapes(reply, score, rule):
    parsed = parse_score(reply)
    assert parsed.ok
    assert parsed.score == pytest.approx(score)
    assert parsed.rule == rule


def test_several_scores_take_the_one_labelled_final():
    reply = "准确性得分: 0.2\n完整性得分: 0.4\n最终得分: 0.6\n（参考：流畅度得分: 0.9）"
    parsed = parse_score(reply)
    assert parsed.score == pytest.approx(0.6)
    assert parsed.rule == "final-label"


def test_several_scores_without_a_final_label_take_the_last():
    parsed = parse_score("第一次得分: 0.3，复核后得分: 0.7")
    assert parsed.score == pytest.approx(0.7)
    assert parsed.rule == "label"


@pytest.mark.parametrize("reply", ["得分: 8", "得分: 1.5分", "Score: -0.2", "得分: 7/5"])
def test_out_of_range_is_not_clipped(reply):
    parsed = parse_score(reply)
    assert not parsed.ok
    assert parsed.score is None
    assert "outside 0..1" in parsed.reason
    assert parsed.value is not None and not 0 <= parsed.value <= 1


@pytest.mark.parametrize("reply", ["这个回答不错，但缺少细节。", "评分标准要求回答通顺。", "满分为1分", ""])
def test_no_score_is_reported_not_zero(reply):
    parsed = parse_score(reply)
    assert not parsed.ok
    assert parsed.rule is None
    assert parsed.reason == "no score found in the reply"
