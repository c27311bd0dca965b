"""MT-Bench's ``[[x]]`` rating written with a leading zero, full-width or Arabic-Indic digits is
read as the number it unambiguously is; digits of mixed scripts are unscored with the reason;
no reply ever ends a run with a traceback or makes it unresumable (the reply is cached). Through
the real CLI (``harness run --judge mt-bench-single``), and the reader property-tested: it never
raises and never returns a score outside 1..10."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from harness_plugins.mt_bench_judge import fastchat_rating
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.scales import ScoreScale
from harness.testing import ChatCompletionsServer
from tests.judging.test_judge_cost_cli import harness

SCALE = ScoreScale(1, 10)
# 2 writing questions x 2 turns = 4 judgments, one for each reply
REPLIES = ["Good. Rating: [[07]]", "Rating: [[５]]", "Rating: [[٧]]", "Rating: [[٧5]]"]


@pytest.fixture
def mtbench(shared_data):
    if not (shared_data / "mtbench" / "question.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    return shared_data


def test_ratings_in_other_digits_are_read_and_the_run_resumes(tmp_path, mtbench):
    args = (
        "--dataset",
        "mt-bench",
        "--judge",
        "mt-bench-single",
        "--data-dir",
        str(mtbench),
        "--categories",
        "mt-bench-writing",
        "--limit",
        "2",
    )
    with (
        ChatCompletionsServer(reply="答案。", model_name="gen-model") as gen,
        ChatCompletionsServer(reply=REPLIES, model_name="gpt-4-0613") as judge,
    ):
        first = harness(tmp_path, gen.base_url, judge.base_url, "mtb", *args)
        assert first.returncode == 0 and "Traceback" not in first.stderr, first.stdout + first.stderr
        again = harness(tmp_path, gen.base_url, judge.base_url, "mtb", *args)
        sent = judge.n_requests
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stdout + again.stderr
    assert sent == 4, "the rerun judged nothing again"
    lines = (tmp_path / "runs" / "mtb" / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    judgments = [json.loads(line) for line in lines]
    assert Counter(j["score"] for j in judgments) == {7.0: 2, 5.0: 1, None: 1}
    (mixed,) = [j for j in judgments if j["score"] is None]
    assert mixed["status"] == "unscored" and "mixes digits of different scripts" in mixed["reason"]


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("Rating: [[07]]", 7),
        ("Rating: [[007.50]]", 7.5),
        ("Rating: [[１０]]", 10),
        ("Rating: [[٧]]", 7),
        ("Rating: [[۸]]", 8),
        ("Rating: [[९]]", 9),
        ("Rating: [[٧.٥]]", 7.5),
        ("Rating: [7.]", 7),
    ],
)
def test_unambiguous_digits_are_read(reply, score):
    parsed = fastchat_rating(reply, SCALE)
    assert parsed.ok and parsed.score == score


@pytest.mark.parametrize("reply", ["Rating: [[٧5]]", "Rating: [[1٠]]", "Rating: [[５7]]"])
def test_digits_of_mixed_scripts_are_unscored_with_the_reason(reply):
    parsed = fastchat_rating(reply, SCALE)
    assert not parsed.ok and "mixes digits of different scripts" in parsed.reason


@pytest.mark.parametrize(
    "reply",
    ["Rating: [[" + "9" * 5000 + "]]", "Rating: [[0]]", "Rating: [[00]]"],
    ids=["5000-digits", "zero", "zeros"],
)
def test_far_out_of_range_is_unscored(reply):
    parsed = fastchat_rating(reply, SCALE)
    assert not parsed.ok and parsed.reason


DIGITS = st.characters(categories=["Nd"])
RATINGS = st.builds(
    lambda a, b, c: f"[[{a}{b}{c}]]",
    st.text(DIGITS, min_size=1, max_size=6),
    st.sampled_from(["", ".", "٫"]),
    st.text(DIGITS, max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(max_size=30), RATINGS, st.sampled_from(["[[", "]]", "[", "]", "."])), max_size=8
    ).map("".join)
)
@pytest.mark.slow
def test_the_reader_never_raises_nor_leaves_the_scale(reply):
    parsed = fastchat_rating(reply, SCALE)
    assert parsed.score is None or 1 <= parsed.score <= 10
    assert parsed.ok or parsed.reason
