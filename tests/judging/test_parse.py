"""Score parsing for Chinese judge replies: one test per reply shape the issue names."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harness.judging.parse import parse_score
from harness.scales import ScoreScale


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


# ------------------------------------------------------------------ numbers read whole (issue 13.4)


@pytest.mark.parametrize(
    ("reply", "value", "reason"),
    [
        ("得分: 1e308", 1e308, "out of range"),  # was read as 1.0 (the exponent dropped)
        ("得分: 0.8e1", 8.0, "out of range"),  # was read as 0.8
        ("得分: NaN", None, "not a number"),
        ("得分: 1e400", None, "out of range"),  # too large for a float: still a number, out of range
        ("Score: -Infinity", None, "not a finite number"),
    ],
)
def test_exponents_and_nan_are_read_whole_and_rejected(reply, value, reason):
    parsed = parse_score(reply)
    assert not parsed.ok and parsed.score is None and parsed.rule == "label"
    assert parsed.reason.startswith(reason), parsed.reason
    if value is not None:
        assert parsed.value == value


def test_a_tiny_exponent_is_that_tiny_number():
    parsed = parse_score("得分: 1e-9")  # was read as 1.0
    assert parsed.ok and parsed.score == 1e-9


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("得分：８ｅ－１", 0.8),  # full-width digits, exponent letter and minus
        ("得分：０．８Ｅ０分", 0.8),
        ("Score: +.5", 0.5),
        ("得分: 5e-1，理由：……", 0.5),
        ("得分: 1.", 1.0),
        ("得分: -0", 0.0),
    ],
)
def test_number_notations(reply, score):
    parsed = parse_score(reply)
    assert parsed.ok and parsed.score == score


@pytest.mark.parametrize("reply", ["得分: −0.2", "得分: －0.2"])  # U+2212 minus sign, full-width hyphen-minus
def test_unicode_minus_signs_are_read_as_minus(reply):
    parsed = parse_score(reply)
    assert not parsed.ok and parsed.value == -0.2 and parsed.reason.startswith("out of range")


def test_a_declared_scale_is_used_for_the_range():
    ten = ScoreScale(1, 10)
    assert parse_score("评分: 7.5", ten).score == 7.5
    assert parse_score("评分: 0.5", ten).reason == "out of range: score 0.5 is outside 1..10 (not clipped)"
    assert parse_score("评分: 1e1", ten).score == 10.0


# Property: any reply holding exactly one labelled number within the scale parses to that number,
# whatever its notation and whatever (digit- and label-free) Chinese/English text surrounds it.

FULL_WIDTH = str.maketrans("0123456789.+-eE", "０１２３４５６７８９．＋－ｅＥ")
# filler: no digits, no score labels (no 得/分/数/评/为/是 and no 'score'/'rating', which need letters
# this alphabet lacks), no '/' or '%' (they would change the number), no 'e' right after a number
FILLER = st.text(
    alphabet=list(
        "这个回答很好模型的理由正确清晰但不够完整吗。，！？：；（）「」 \n\tabcdfhijklmpquvwxyzABCDFH()[],;!?"
    ),
    max_size=40,
)
LABELS = st.sampled_from(
    ["得分", "分数", "评分", "Score", "score", "Rating", "**得分**", "最终得分", "Final score"]
)
SEPARATORS = st.sampled_from([":", "：", ": ", "： ", " ", "为", "是", "=", "\n"])
SCALES = st.sampled_from([ScoreScale(0, 1), ScoreScale(1, 10), ScoreScale(0, 100), ScoreScale(-1, 1)])


@st.composite
def written_numbers(draw, scale: ScoreScale) -> str:
    value = draw(st.floats(min_value=scale.low, max_value=scale.high, allow_nan=False, allow_infinity=False))
    notation = draw(st.sampled_from(["repr", "fixed", "exponent", "EXPONENT", "integer"]))
    if notation == "repr":
        text = repr(value)
    elif notation == "fixed":
        text = f"{value:.{draw(st.integers(0, 6))}f}"
    elif notation == "exponent":
        text = f"{value:.{draw(st.integers(0, 8))}e}"
    elif notation == "EXPONENT":
        text = f"{value:E}".replace("E+0", "E").replace("E-0", "E-")
    else:
        text = str(round(value))
    if draw(st.booleans()) and not text.startswith("-"):
        text = "+" + text
    return text


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_one_labelled_in_range_number_parses_to_that_number(data):
    scale = data.draw(SCALES)
    written = data.draw(written_numbers(scale))
    expected = float(written)
    assume(scale.low <= expected <= scale.high)  # rounding for the notation may leave the scale
    if data.draw(st.booleans()):
        written = written.translate(FULL_WIDTH)
    unit = data.draw(st.sampled_from(["", "分", " 分"]))
    reply = (
        data.draw(FILLER)
        + data.draw(LABELS)
        + data.draw(SEPARATORS)
        + written
        + unit
        + data.draw(st.sampled_from(["", "。", "，", "\n", " "]))
        + data.draw(FILLER)
    )
    parsed = parse_score(reply, scale)
    assert parsed.ok, (reply, parsed)
    assert parsed.score == expected, (reply, parsed)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_one_labelled_out_of_range_number_is_never_scored(data):
    scale = data.draw(SCALES)
    outside = data.draw(
        st.one_of(
            st.floats(max_value=scale.low, exclude_max=True, allow_infinity=False, allow_nan=False),
            st.floats(min_value=scale.high, exclude_min=True, allow_infinity=False, allow_nan=False),
        )
    )
    written = data.draw(st.sampled_from([repr(outside), f"{outside:e}"]))
    assume(not scale.low <= float(written) <= scale.high)
    reply = data.draw(FILLER) + data.draw(LABELS) + data.draw(SEPARATORS) + written + data.draw(FILLER)
    parsed = parse_score(reply, scale)
    assert not parsed.ok and parsed.score is None, (reply, parsed)
    assert parsed.reason.startswith("out of range"), parsed.reason
