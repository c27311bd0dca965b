"""Merging through the protobuf: base pieces keep their ids, new pieces are appended, fast."""

from __future__ import annotations

import time

import pytest

from harness.vocab.merge import is_ascii_piece, load_model_proto, merge_models, truncate_model


def test_all_base_pieces_keep_their_ids_scores_and_types(extended_llama, llama_model_file):
    base = load_model_proto(llama_model_file.read_bytes())
    merged = load_model_proto((extended_llama.out_dir / "tokenizer.model").read_bytes())
    assert len(base.pieces) == 32000
    for index in range(32000):
        old, new = base.pieces[index], merged.pieces[index]
        assert (old.piece, old.score, old.type) == (new.piece, new.score, new.type), index
    added = [p.piece for p in merged.pieces[32000:]]
    assert added == extended_llama.merge.added
    assert len(added) == len(set(added)) > 1000
    assert not {p.piece for p in base.pieces} & set(added)
    assert not any(is_ascii_piece(p) for p in added)


def test_new_pieces_score_below_the_base_in_the_new_models_order(extended_llama):
    merged = load_model_proto((extended_llama.out_dir / "tokenizer.model").read_bytes())
    base_floor = min(p.score for p in merged.pieces[:32000] if p.type == 1 and p.score > -1e8)
    scores = [p.score for p in merged.pieces[32000:]]
    assert max(scores) < base_floor
    assert scores == sorted(scores, reverse=True)


def test_chinese_llama_merge_reproduces_its_published_size(shared_data, llama_model_file):
    """Adding chinese_sp.model's missing pieces to LLaMA gives Chinese-LLaMA's 49,953 (MANIFEST.md)."""
    chinese = shared_data / "tokenizers" / "chinese_sp.model"
    if not chinese.is_file():
        pytest.skip("chinese_sp.model absent")
    start = time.perf_counter()
    result = merge_models(
        llama_model_file.read_bytes(), chinese.read_bytes(), skip_ascii=False, score_policy="zero"
    )
    assert time.perf_counter() - start < 10  # a set, not list membership
    assert result.merged_size == 49_953


def test_merging_a_model_into_itself_adds_nothing(llama_model_file):
    data = llama_model_file.read_bytes()
    result = merge_models(data, data)
    assert result.added == [] and result.merged_size == 32000


def test_skip_ascii_and_score_policies(llama_model_file, extended_llama):
    new_like = truncate_model((extended_llama.out_dir / "tokenizer.model").read_bytes(), 32000)
    assert (
        load_model_proto(new_like).pieces[-1].piece
        == load_model_proto(llama_model_file.read_bytes()).pieces[-1].piece
    )
    from sentencepiece import sentencepiece_model_pb2

    extra = sentencepiece_model_pb2.ModelProto()
    extra.CopyFrom(load_model_proto(llama_model_file.read_bytes()))
    del extra.pieces[:]
    for text, score in (("▁zzqx", -1.0), ("新词", -2.0), ("中文▁x", -3.0)):
        piece = extra.pieces.add()
        piece.piece, piece.score, piece.type = text, score, 1
    data = extra.SerializeToString()
    skipped = merge_models(llama_model_file.read_bytes(), data)
    assert skipped.added == ["新词", "中文▁x"] and skipped.skipped_ascii == ["▁zzqx"]
    kept = merge_models(llama_model_file.read_bytes(), data, skip_ascii=False, score_policy="zero")
    assert kept.added == ["▁zzqx", "新词", "中文▁x"]
    assert {p.score for p in load_model_proto(kept.model_bytes).pieces[32000:]} == {0.0}
    raw = merge_models(llama_model_file.read_bytes(), data, score_policy="new-model")
    assert [p.score for p in load_model_proto(raw.model_bytes).pieces[32000:]] == [-2.0, -3.0]
