"""Converters to BELLE's conversation format, on real records from ../shared/data."""

from __future__ import annotations

import json
import lzma

import pytest

from harness.training.data.convert import alpaca_to_turns, conversation_to_turns, detect_format
from harness.training.data.files import read_records
from harness.training.data.language import detect_language
from harness.training.data.records import BadRecord
from harness.training.data.segments import (
    TURN_OVERHEAD_TOKENS,
    estimate_tokens,
    make_token_counter,
    split_conversation,
)
from harness.training.data.sources import ENGLISH_ALPACA_FIELDS, convert_records

from .conftest import read_jsonl


@pytest.fixture(scope="module")
def open_chinese_head(shared_data):
    """The first 50 records of the bilingual open-chinese Alpaca-52K file (streamed, not all 42 MB)."""
    with lzma.open(
        shared_data / "alpaca" / "open_chinese_alpaca_52k_en_zh.json.xz", "rt", encoding="utf-8"
    ) as fh:
        head = fh.read(60_000)
    body = head[: head.index("\n    },\n    {", 50_000)] + "\n    }\n]"
    return json.loads(body)


@pytest.fixture(scope="module")
def sharegpt_zh(shared_data):
    return read_jsonl(shared_data / "sharegpt" / "sharegpt_zh_1K.json")


def test_alpaca_with_input_joins_instruction_and_input_by_newline(open_chinese_head):
    record = open_chinese_head[5]  # "Identify the odd one out." / "Twitter, Instagram, Telegram"
    assert record["en_input"] == "Twitter, Instagram, Telegram"
    assert alpaca_to_turns(record, ENGLISH_ALPACA_FIELDS) == (
        ("human", "Identify the odd one out.\nTwitter, Instagram, Telegram"),
        ("assistant", "Telegram"),
    )
    assert alpaca_to_turns(record) == (
        ("human", "找出不同的一个。\n推特， Instagram， 电报"),
        ("assistant", "电报"),
    )


def test_alpaca_without_input_is_the_instruction(open_chinese_head):
    record = open_chinese_head[0]
    assert alpaca_to_turns(record, ENGLISH_ALPACA_FIELDS) == (
        ("human", "Give three tips for staying healthy."),
        ("assistant", record["en_output"]),
    )


def test_belle_own_data_keeps_its_embedded_input(shared_data):
    records = read_records(shared_data / "belle" / "Belle_open_source_1k.json")  # JSON Lines named .json
    assert len(records) == 1000 and detect_format(records, origin="belle") == "alpaca"
    turns = alpaca_to_turns(records[0])
    assert turns[0] == ("human", "为给定的句子生成一个同义句。\nShe is studying for her final exams.")
    assert turns[1] == ("assistant", "She is preparing for her last exams.")


def test_sharegpt_roles_map_to_human_and_assistant(sharegpt_zh):
    record = sharegpt_zh[0]
    assert record["id"] == "jyrQzjG" and record["conversations"][1]["from"] == "gpt"
    turns, trimmed = conversation_to_turns(record)
    assert not trimmed
    assert [role for role, _ in turns] == ["human", "assistant"] * (len(turns) // 2)
    assert turns[0][1] == record["conversations"][0]["value"]
    assert turns[1][1] == record["conversations"][1]["value"]


def test_sharegpt_trailing_question_is_trimmed(sharegpt_zh):
    ending_on_human = [r for r in sharegpt_zh if r["conversations"][-1]["from"] == "human"]
    assert len(ending_on_human) == 7  # MANIFEST: 7 conversations end on a human turn
    usable = [r for r in ending_on_human if all(t["value"].strip() for t in r["conversations"])]
    lone = [r for r in usable if len(r["conversations"]) == 1]
    assert len(lone) == 1  # one is a single unanswered question: nothing to train on
    with pytest.raises(BadRecord, match="no_assistant_turn"):
        conversation_to_turns(lone[0])
    for record in (r for r in usable if len(r["conversations"]) > 1):
        turns, trimmed = conversation_to_turns(record)
        assert trimmed and turns[-1][0] == "assistant"
        assert len(turns) == len(record["conversations"]) - 1


def test_sharegpt_empty_turns_make_a_bad_record(sharegpt_zh):
    record = next(r for r in sharegpt_zh if r["id"] == "ICZsSl7")  # the conversation with 17 empty turns
    with pytest.raises(BadRecord) as info:
        conversation_to_turns(record)
    assert info.value.reason == "empty_turn"


def test_fastchat_format_file(shared_data):
    records = read_records(shared_data / "sharegpt" / "fastchat_dummy_conversation.json")  # a JSON array
    conversations, report = convert_records(records, name="dummy", origin="dummy")
    assert report.format == "conversation" and report.stats.n_bad == 0
    assert len(conversations) == 500
    assert sorted({len(c.turns) for c in conversations}) == [2, 4, 6]
    assert conversations[0].to_dict()["conversations"][:2] == [
        {"from": "human", "value": "Who are you?"},
        {"from": "assistant", "value": records[0]["conversations"][1]["value"]},
    ]


def test_language_detection_on_real_text(sharegpt_zh, open_chinese_head, shared_data):
    assert (
        detect_language(open_chinese_head[3]["en_instruction"] + "\n" + open_chinese_head[3]["en_output"])
        == "en"
    )
    assert (
        detect_language(open_chinese_head[3]["instruction"] + "\n" + open_chinese_head[3]["output"]) == "zh"
    )
    # a Chinese question about Rust code stays Chinese although Latin letters dominate
    rust = next(r for r in sharegpt_zh if "Rust" in r["conversations"][0]["value"])
    assert detect_language("\n".join(t["value"] for t in rust["conversations"])) == "zh"
    languages = [detect_language("\n".join(t["value"] for t in r["conversations"])) for r in sharegpt_zh]
    assert languages.count("zh") >= 980  # the file is labelled all-zh; a handful are really Japanese etc.
    first_turns = read_records(shared_data / "sharegpt" / "ShareGPT_V3_filtered_1000_first_turn.json")
    english = sum(detect_language(r["conversations"][0]["value"]) == "en" for r in first_turns[:200])
    assert english >= 180
    assert detect_language("Bonjour, je suis très content de vous voir dans la maison.") == "fr"
    assert detect_language("これは日本語の文章です。私は学生です。") == "ja"
    assert detect_language("Привет, как дела?") == "ru"
    assert detect_language("12345 ...") == "unknown"


def test_split_with_the_real_llama_tokenizer(sharegpt_zh, shared_data):
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(shared_data / "tokenizers" / "llama_tokenizer.model")
    )
    count = make_token_counter(processor)
    assert count("Hello world, this is LLaMA.") == 9  # MANIFEST's round-trip example
    long_ones = 0
    for record in sharegpt_zh[:150]:
        try:
            turns, _ = conversation_to_turns(record)
        except BadRecord:
            continue
        segments = split_conversation(turns, count_tokens=count, max_tokens=2048)
        # segments are consecutive runs of whole (human, assistant) pairs covering every turn
        assert tuple(t for _, seg in segments for t in seg) == turns
        assert [start for start, _ in segments] == sorted({start for start, _ in segments})
        for start, segment in segments:
            assert start % 2 == 0 and segment[0][0] == "human" and segment[-1][0] == "assistant"
            cost = sum(count(text) + TURN_OVERHEAD_TOKENS for _, text in segment)
            assert cost <= 2048 or len(segment) == 2  # only a single over-long pair may exceed
        long_ones += len(segments) > 1
    assert long_ones >= 10


def test_split_rule_keeps_the_overflowing_last_pair():
    turns = (("human", "q1"), ("assistant", "a" * 10), ("human", "q2"), ("assistant", "b" * 10))
    chars = len  # 1 token per character
    # each pair costs 2 + 10 + 2 * overhead = 24; two pairs do not fit in 40
    assert split_conversation(turns, count_tokens=chars, max_tokens=40) == [(0, turns[:2]), (2, turns[2:])]
    assert split_conversation(turns, count_tokens=chars, max_tokens=48) == [(0, turns)]
    # a single pair over the limit is its own segment, not dropped
    assert split_conversation(turns, count_tokens=chars, max_tokens=10) == [(0, turns[:2]), (2, turns[2:])]


def test_token_estimate_is_close_to_llama_on_chinese(sharegpt_zh, shared_data):
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(shared_data / "tokenizers" / "llama_tokenizer.model")
    )
    texts = [t["value"] for r in sharegpt_zh[:100] for t in r["conversations"] if len(t["value"]) > 200]
    estimated = sum(estimate_tokens(t) for t in texts)
    actual = sum(len(processor.encode(t)) for t in texts)
    assert 0.95 <= estimated / actual <= 1.3  # a slight over-estimate: segments err on the short side
