"""Every ready reader, on any text: never raises, never a score outside the judge's scale, and an
unread reply always says why (hypothesis). Plus the shapes the issue names, read as they should be."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.judging import ScoreScale, bracket_rating, dict_key, label_number, letter_verdict

READERS = {
    "label_number()": label_number(),
    "label_number(综合得分)": label_number("综合得分", "Overall"),
    "bracket_rating": bracket_rating(),
    "dict_key": dict_key("综合得分"),
}
SCALES = [ScoreScale(1, 10), ScoreScale(0, 1), ScoreScale(0, 100)]
# text built from the pieces replies are made of, so the readers' patterns are actually exercised
PIECES = st.sampled_from(
    [
        "[[",
        "]]",
        "[",
        "]",
        "{",
        "}",
        "'综合得分'",
        '"综合得分"',
        "综合得分",
        "得分",
        ":",
        "：",
        " ",
        "07",
        "7",
        "10",
        "11",
        "-3",
        "0.5",
        "1e308",
        "NaN",
        "٧",
        "５",
        "/",
        "0",
        ",",
        "\n",
        "Overall",
        "分",
        "%",
        "[[A]]",
        "[[B]]",
        "[[C]]",
        "\x00",
    ]
)
REPLIES = st.one_of(st.text(max_size=300), st.lists(PIECES, max_size=40).map("".join))


@settings(max_examples=300, deadline=None)
@given(reply=REPLIES, scale=st.sampled_from(SCALES), name=st.sampled_from(sorted(READERS)))
def test_a_reader_never_raises_and_never_leaves_the_scale(reply, scale, name):
    parsed = READERS[name](reply, scale)
    if parsed.ok:
        assert math.isfinite(parsed.score) and scale.low <= parsed.score <= scale.high
    else:
        assert parsed.score is None and parsed.reason


@settings(max_examples=200, deadline=None)
@given(reply=REPLIES)
def test_the_letter_reader_never_raises(reply):
    read = letter_verdict()(reply)
    assert read.verdict in ("A", "B", "tie") or (read.verdict is None and read.reason)


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_huge_or_deeply_nested_reply_is_read_or_refused_quickly(name):
    for reply in (
        "{" * 50_000 + "'综合得分': 7" + "}" * 50_000,
        "得分" * 50_000,
        "[[" * 50_000 + "x" * 100_000,
    ):
        parsed = READERS[name](reply, ScoreScale(1, 10))
        assert parsed.ok or parsed.reason


@pytest.mark.parametrize(
    "reply, score",
    [
        ("分析……{'事实正确性': 7, '满足用户需求': 6, '综合得分': 6}", 6.0),
        ('{"综合得分": 3} 然后改为 {"事实正确性": 9, "综合得分": 8}', 8.0),  # the last {...} with the key
        ('{"a": {"综合得分": 07}}', 7.0),  # nested; a leading zero is no octal
        ("{'综合得分': ９}", 9.0),
        ("{'综合得分': ٧}", 7.0),  # full-width and Arabic-Indic digits
    ],
)
def test_dict_key_reads_the_rubric_reply(reply, score):
    assert dict_key("综合得分")(reply, ScoreScale(1, 10)).score == score


@pytest.mark.parametrize(
    "reply, reason",
    [
        ("{'综合得分': 11}", "outside 1..10"),
        ("{'综合得分': -2}", "outside 1..10"),
        ("{'综合得分': ٧5}", "mixes digits"),
        ("综合得分: 7", "no {...}"),
        ("{'综合得分': '好'}", "no {...}"),
    ],
)
def test_dict_key_refuses_with_the_reason(reply, reason):
    parsed = dict_key("综合得分")(reply, ScoreScale(1, 10))
    assert not parsed.ok and reason in parsed.reason


def test_belles_reader_now_reads_the_final_label_in_a_dict():
    parsed = label_number()("{'事实正确性': 7, '满足用户需求': 6, '综合得分': 6}", ScoreScale(1, 10))
    assert parsed.score == 6.0 and parsed.rule == "final-label"


def test_label_number_with_labels_reads_the_last_and_fractions():
    read = label_number("Overall")
    assert read("Overall: 3 ... Overall: [[x]] Overall：8/10", ScoreScale(0, 1)).score == 0.8
    assert read("Overall: 07", ScoreScale(1, 10)).score == 7.0


def test_bracket_rating_is_fastchats_first_match():
    read, scale = bracket_rating(), ScoreScale(1, 10)
    assert read("[[8.5]] then [[2]]", scale).score == 8.5 and read("[6]", scale).rule == "[rating]"
    assert read("[[07]]", scale).score == 7.0 and not read("7/10", scale).ok
