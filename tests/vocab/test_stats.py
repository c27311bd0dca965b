"""Tokenizer statistics against counts worked out by hand with sentencepiece."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.vocab.stats import TokenCounter, tokenizer_stats


def test_figures_match_sentencepiece(llama_model_file, extended_llama):
    import sentencepiece as spm

    lines = ["北京是中国的首都。", "Hello world.", "随机数生成器"]
    base = spm.SentencePieceProcessor(model_file=str(llama_model_file))
    merged = spm.SentencePieceProcessor(model_file=str(extended_llama.out_dir / "tokenizer.model"))
    a, b = tokenizer_stats([("llama", llama_model_file), ("ext", extended_llama.out_dir)], lines)
    base_lengths = [len(base.encode(x)) for x in lines]
    merged_lengths = [len(merged.encode(x)) for x in lines]
    assert a.tokens == sum(base_lengths) and b.tokens == sum(merged_lengths)
    assert a.tokens_per_line == pytest.approx(sum(base_lengths) / 3)
    assert b.tokens_per_char == pytest.approx(sum(merged_lengths) / sum(map(len, lines)))
    assert a.ratio_to_first == 1.0 and b.ratio_to_first == pytest.approx(
        sum(merged_lengths) / sum(base_lengths)
    )
    assert b.share_lines_shorter == pytest.approx(
        sum(m < n for m, n in zip(merged_lengths, base_lengths, strict=True)) / 3
    )
    assert a.share_lines_shorter == 0.0
    byte_tokens = sum(1 for x in lines for i in base.encode(x) if base.is_byte(i))
    assert byte_tokens > 0  # LLaMA spells 首/都/随 etc. with bytes
    assert a.byte_fallback_rate == pytest.approx(byte_tokens / a.tokens)
    assert b.byte_fallback_rate < a.byte_fallback_rate


def test_tokenizer_json_only_directory(tmp_path, extended_llama):
    import shutil

    only_json = tmp_path / "json-only"
    only_json.mkdir()
    shutil.copyfile(extended_llama.out_dir / "tokenizer.json", only_json / "tokenizer.json")
    from_json, from_sp = TokenCounter(only_json), TokenCounter(extended_llama.out_dir)
    text = "北京是中国的首都。"
    assert from_json.encode(text) == from_sp.encode(text)
    assert from_json.vocab_size == from_sp.vocab_size
    assert from_json.is_byte(3 + 0xE9) and from_sp.is_byte(3 + 0xE9) and not from_sp.is_byte(1000)


def test_missing_tokenizer_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        TokenCounter(tmp_path)
    with pytest.raises(UsageError):
        tokenizer_stats([], ["x"])
