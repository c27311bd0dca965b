"""Corpus reading: every published shape of text the vocabulary tools accept, and seeded sampling."""

from __future__ import annotations

import json
import lzma

import pytest

from harness.errors import DataError
from harness.vocab.corpus import CorpusFile, cjk_share, file_sha256, iter_lines, iter_texts, sample_lines


def test_plain_text_skips_blank_lines(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("第一行\n\n  \nsecond line\n", encoding="utf-8")
    assert list(iter_texts(CorpusFile(path))) == ["第一行", "second line"]


def test_json_array_jsonl_and_jsonl_named_json(tmp_path):
    records = [{"instruction": "问题一", "output": "答案一"}, {"instruction": "问题二", "output": ""}]
    array = tmp_path / "a.json"
    array.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = tmp_path / "b.jsonl"
    lines.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    belle_style = tmp_path / "c.json"  # BELLE ships JSON Lines under a .json name
    belle_style.write_text(lines.read_text(encoding="utf-8"), encoding="utf-8")
    expected = ["问题一", "答案一", "问题二"]
    for path in (array, lines, belle_style):
        assert list(iter_texts(CorpusFile(path, ("instruction", "output")))) == expected


def test_nested_field_walks_lists_and_xz_is_read(tmp_path):
    record = {
        "id": "x",
        "conversations": [{"from": "human", "value": "你好\n请问"}, {"from": "gpt", "value": "您好"}],
    }
    path = tmp_path / "conv.jsonl.xz"
    with lzma.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    corpus = CorpusFile(path, ("conversations.value",))
    assert corpus.format == "jsonl"
    assert list(iter_texts(corpus)) == ["你好\n请问", "您好"]
    assert list(iter_lines(corpus)) == ["你好", "请问", "您好"]


def test_wrong_text_field_is_an_error_naming_the_keys(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"question": "q", "answer": "a"}) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        list(iter_texts(CorpusFile(path)))
    assert "question, answer" in info.value.hint


def test_bad_json_line_names_the_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "ok"}\n{broken\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        list(iter_texts(CorpusFile(path)))


def test_sampling_is_seeded_bounded_and_uniform_over_files(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("".join(f"甲{i}\n" for i in range(1000)), encoding="utf-8")
    second.write_text("".join(f"乙{i}\n" for i in range(1000)), encoding="utf-8")
    corpora = [CorpusFile(first), CorpusFile(second)]
    one = sample_lines(corpora, 200, seed=7)
    assert len(one.lines) == 200 and one.seen == 2000
    assert one.lines == sample_lines(corpora, 200, seed=7).lines
    assert one.lines != sample_lines(corpora, 200, seed=8).lines
    from_second = sum(1 for line in one.lines if line.startswith("乙"))
    assert 60 < from_second < 140  # a reservoir sample, not the first 200 lines
    assert sample_lines(corpora, None, seed=0).lines[:2] == ["甲0", "甲1"]


def test_cjk_filter(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("这是中文。\nThis is English.\n混合 mixed text 很长的英文部分 here\n", encoding="utf-8")
    kept = sample_lines([CorpusFile(path)], None, seed=0, min_cjk_share=0.5).lines
    assert kept == ["这是中文。"]
    assert cjk_share("中文") == 1.0 and cjk_share("ab") == 0.0 and cjk_share("  ") == 0.0


def test_sha256_is_of_the_stored_file(tmp_path):
    import hashlib

    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    assert file_sha256(path) == hashlib.sha256(b"abc").hexdigest()
