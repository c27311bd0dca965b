"""Resizing a LLaMA checkpoint to an extended vocabulary: new rows from base subwords, base rows kept."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.vocab.corpus import CorpusFile
from harness.vocab.embeddings import decompose_new_pieces, resize_model_embeddings
from harness.vocab.extend import extend_tokenizer
from harness.vocab.train import SentencePieceOptions

from .conftest import TINY_VOCAB, build_tiny_llama_dir


@pytest.fixture(scope="module", params=[False, True], ids=["untied", "tied"])
def extended_tiny(request, tmp_path_factory, chinese_lines, chinese_corpus_file):
    root = tmp_path_factory.mktemp("tiny")
    model_dir = build_tiny_llama_dir(root / "model", chinese_lines[:15], tied=request.param)
    tokenizer_dir = root / "tokenizer"
    extend_tokenizer(
        model_dir,
        [CorpusFile(chinese_corpus_file)],
        tokenizer_dir,
        options=SentencePieceOptions(vocab_size=4000, character_coverage=0.98, num_threads=1),
    )
    out = root / "resized"
    report = resize_model_embeddings(model_dir, tokenizer_dir, out)
    return model_dir, tokenizer_dir, out, report


def test_rows_are_means_of_base_subwords_and_base_rows_are_kept(extended_tiny):
    import torch
    from transformers import AutoModelForCausalLM

    model_dir, tokenizer_dir, out, report = extended_tiny
    before = AutoModelForCausalLM.from_pretrained(str(model_dir))
    after = AutoModelForCausalLM.from_pretrained(str(out))
    assert report.old_vocab == TINY_VOCAB and report.new_vocab == after.config.vocab_size > TINY_VOCAB
    assert report.tied == before.config.tie_word_embeddings
    spellings = decompose_new_pieces((tokenizer_dir / "tokenizer.model").read_bytes(), TINY_VOCAB)
    assert len(spellings) == report.new_vocab - TINY_VOCAB
    assert report.initialised_from_pieces == sum(1 for s in spellings if s) > 0
    pairs = [(before.get_input_embeddings().weight, after.get_input_embeddings().weight)]
    pairs.append((before.get_output_embeddings().weight, after.get_output_embeddings().weight))
    for old, new in pairs:
        assert new.shape == (report.new_vocab, old.shape[1])
        assert torch.equal(new[:TINY_VOCAB], old)
        for offset in (0, len(spellings) // 2, len(spellings) - 1):
            ids = spellings[offset]
            expected = old[ids].mean(dim=0) if ids else old.mean(dim=0)
            torch.testing.assert_close(new[TINY_VOCAB + offset], expected)
    if report.tied:
        assert (
            after.get_output_embeddings().weight.data_ptr() == after.get_input_embeddings().weight.data_ptr()
        )
    # Every other weight is untouched.
    for name, tensor in before.state_dict().items():
        if "embed_tokens" not in name and "lm_head" not in name:
            assert torch.equal(tensor, after.state_dict()[name]), name


def test_resized_dir_is_a_complete_model_dir(extended_tiny):
    import torch
    from transformers import AutoModelForCausalLM

    from harness.models.base import load_tokenizer

    model_dir, tokenizer_dir, out, report = extended_tiny
    assert (out / "tokenizer.model").read_bytes() == (tokenizer_dir / "tokenizer.model").read_bytes()
    assert (out / "tokenizer_config.json").read_bytes() == (model_dir / "tokenizer_config.json").read_bytes()
    tokenizer = load_tokenizer(out)
    model = AutoModelForCausalLM.from_pretrained(str(out))
    ids = tokenizer("北京是中国的首都。", return_tensors="pt").input_ids
    assert ids.max().item() >= TINY_VOCAB  # new pieces are used
    with torch.no_grad():
        logits = model(ids).logits
    assert logits.shape[-1] == report.new_vocab and torch.isfinite(logits).all()


def test_a_foreign_tokenizer_is_refused(extended_tiny, tmp_path, chinese_lines):
    _, tokenizer_dir, _, _ = extended_tiny
    other = build_tiny_llama_dir(tmp_path / "other", chinese_lines[20:35], seed=1)
    with pytest.raises(UsageError, match="differ"):
        resize_model_embeddings(other, tokenizer_dir, tmp_path / "out")


def test_size_mismatch_is_refused(extended_llama, tmp_path, chinese_lines):
    model_dir = build_tiny_llama_dir(tmp_path / "m", chinese_lines[:15])
    with pytest.raises(UsageError, match=f"{TINY_VOCAB} embedding rows"):
        resize_model_embeddings(model_dir, extended_llama.out_dir, tmp_path / "out")
