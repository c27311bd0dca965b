"""The merged tokenizer behaves as the base on everything the base could already do, and loads
in transformers (fast and slow) with the same ids as sentencepiece."""

from __future__ import annotations

import json

import pytest

from harness.errors import HarnessError
from harness.vocab.extend import ASCII_SAMPLES, CHECK_SAMPLES, verify_extension
from harness.vocab.tokenizer_dir import load_fast_tokenizer, load_slow_tokenizer

MIXED = (
    *CHECK_SAMPLES,
    "在 Python 中，可以用 `random.sample(range(100), 5)` 生成五个不同的随机数。",
    "北京是中华人民共和国的首都，也是全国的政治、文化中心。",
    "Mixed 文本 with numbers 12345 and 符号 #@!%…——“引号”",
)


@pytest.fixture(scope="module")
def processors(extended_llama, llama_model_file):
    import sentencepiece as spm

    base = spm.SentencePieceProcessor(model_file=str(llama_model_file))
    merged = spm.SentencePieceProcessor(model_file=str(extended_llama.out_dir / "tokenizer.model"))
    return base, merged


def test_round_trip_like_the_base(processors):
    base, merged = processors
    for text in MIXED:
        assert merged.decode(merged.encode(text)) == text
        assert base.decode(base.encode(text)) == text


def test_ascii_text_encodes_to_the_base_ids(processors):
    base, merged = processors
    for text in (
        *ASCII_SAMPLES,
        "import numpy as np\nprint(np.arange(10).sum())  # 45",
        "Hello world, this is LLaMA.",
    ):
        assert merged.encode(text) == base.encode(text)
    assert merged.encode("Hello world, this is LLaMA.") == [
        15043,
        3186,
        29892,
        445,
        338,
        365,
        5661,
        1529,
        29889,
    ]


def test_chinese_gets_shorter(processors):
    base, merged = processors
    text = "北京是中华人民共和国的首都，也是全国的政治、文化中心。"
    assert len(merged.encode(text)) < 0.8 * len(base.encode(text))


@pytest.fixture(scope="module")
def base_fast(tmp_path_factory, llama_model_file):
    import shutil

    directory = tmp_path_factory.mktemp("llama-base")
    shutil.copyfile(llama_model_file, directory / "tokenizer.model")
    return load_fast_tokenizer(directory)


def test_transformers_loads_the_directory_fast_and_slow(extended_llama, processors, base_fast):
    base_sp, merged = processors
    out = extended_llama.out_dir
    assert (out / "tokenizer.model").is_file() and (out / "tokenizer.json").is_file()
    fast = load_fast_tokenizer(out)
    slow = load_slow_tokenizer(out)
    assert len(fast) == len(slow) == merged.get_piece_size() == extended_llama.merge.merged_size
    agreeing = 0
    for text in MIXED:
        ids = merged.encode(text)
        assert slow.encode(text, add_special_tokens=False) == ids
        # HF's converted LLaMA tokenizer splits runs of spaces differently from sentencepiece, for the
        # base as well; the merged one must agree with sentencepiece wherever the base one does.
        if base_fast.encode(text, add_special_tokens=False) == base_sp.encode(text):
            agreeing += 1
            assert fast.encode(text, add_special_tokens=False) == ids, text
        if base_fast.decode(base_fast.encode(text, add_special_tokens=False)) == text:
            assert fast.decode(fast.encode(text, add_special_tokens=False)) == text
    assert agreeing >= len(MIXED) - 2
    assert fast.encode("你好")[0] == fast.bos_token_id == 1


def test_manifest(extended_llama, chinese_corpus_file):
    manifest = json.loads((extended_llama.out_dir / "vocab_manifest.json").read_text(encoding="utf-8"))
    assert manifest["base_size"] == 32000
    assert manifest["merged_size"] == 32000 + manifest["pieces_added"]
    assert manifest["new_model_size"] == 3000
    assert (
        manifest["pieces_added"] + manifest["pieces_already_in_base"] + manifest["ascii_pieces_skipped"]
        < 3000
    )
    [corpus] = manifest["corpora"]
    import hashlib

    assert corpus["sha256"] == hashlib.sha256(chinese_corpus_file.read_bytes()).hexdigest()
    assert corpus["lines"] == manifest["lines_seen"] > 1000
    assert manifest["options"]["vocab_size"] == 3000 and manifest["options"]["byte_fallback"] is True
    assert manifest["base_model_sha256"] == "9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347"


def test_verify_rejects_a_renumbered_base(llama_model_file, extended_llama):
    from harness.vocab.merge import load_model_proto

    merged = load_model_proto((extended_llama.out_dir / "tokenizer.model").read_bytes())
    merged.pieces[500].piece, merged.pieces[501].piece = merged.pieces[501].piece, merged.pieces[500].piece
    with pytest.raises(HarnessError, match="changed base piece 500"):
        verify_extension(llama_model_file.read_bytes(), merged.SerializeToString())


def test_verify_rejects_ascii_pieces(llama_model_file):
    from sentencepiece import sentencepiece_model_pb2

    from harness.vocab.merge import load_model_proto, merge_models

    extra = sentencepiece_model_pb2.ModelProto()
    extra.CopyFrom(load_model_proto(llama_model_file.read_bytes()))
    del extra.pieces[:]
    piece = extra.pieces.add()
    piece.piece, piece.score, piece.type = "▁Hello▁world", 0.0, 1
    merged = merge_models(
        llama_model_file.read_bytes(), extra.SerializeToString(), skip_ascii=False, score_policy="zero"
    )
    with pytest.raises(HarnessError, match="ASCII"):
        verify_extension(llama_model_file.read_bytes(), merged.model_bytes)
