"""Plain-text corpora for embedding-only pretraining: reading documents and packing blocks."""

from __future__ import annotations

import json

import pytest

from harness.errors import DataError
from harness.training.pretrain_data import iter_documents, pack_documents


def test_reads_txt_jsonl_and_json(tmp_path):
    (tmp_path / "a.txt").write_text("第一行\n\n second line \n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"text": "三"}) + "\n\n" + json.dumps({"text": "four"}) + "\n"
    )
    (tmp_path / "c.json").write_text(json.dumps(["五", {"content": "six"}, ""]))
    docs = list(iter_documents([tmp_path / "a.txt", tmp_path / "b.jsonl", tmp_path / "c.json"]))
    assert docs == ["第一行", " second line ", "三", "four", "五", "six"]


def test_bad_inputs_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        list(iter_documents([tmp_path / "missing.txt"]))
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{oops\n')
    with pytest.raises(DataError, match="bad.jsonl:2"):
        list(iter_documents([tmp_path / "bad.jsonl"]))
    (tmp_path / "nofield.jsonl").write_text('{"body": "x"}\n')
    with pytest.raises(DataError, match="text"):
        list(iter_documents([tmp_path / "nofield.jsonl"]))


def test_packing_on_real_chinese_text(shared_data, tiny_tokenizer):
    lines = (
        (shared_data / "corpus" / "cmrc2018_wiki_contexts.txt").read_text(encoding="utf-8").splitlines()[:30]
    )
    docs = [line for line in lines if line.strip()]
    blocks = pack_documents(docs, tiny_tokenizer, max_length=64)
    stream = [
        i
        for d in docs
        for i in tiny_tokenizer.encode(d, add_special_tokens=False) + [tiny_tokenizer.eos_token_id]
    ]
    assert [i for b in blocks for i in b.input_ids] == stream  # nothing lost, nothing reordered
    assert all(len(b.input_ids) == 64 for b in blocks[:-1]) and 1 < len(blocks[-1].input_ids) <= 64
    assert all(b.labels == b.input_ids for b in blocks)
    assert len(pack_documents(docs, tiny_tokenizer, max_length=64, max_documents=2)) < len(blocks)
