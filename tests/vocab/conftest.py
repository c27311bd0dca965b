"""Fixtures for the vocabulary tests: real LLaMA tokenizer, real Chinese text, small extensions.

Unit tests use small vocabularies (a few thousand pieces, ~1 s to train); the 50K training of the
paper belongs to ``bench/vocab_extension.py``. Everything is session-scoped and written under
pytest's temporary directories.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SMALL_VOCAB = 3000


@pytest.fixture(scope="session")
def llama_model_file(shared_data: Path) -> Path:
    path = shared_data / "tokenizers" / "llama_tokenizer.model"
    if not path.is_file():
        pytest.skip("llama_tokenizer.model absent from shared data")
    return path


@pytest.fixture(scope="session")
def chinese_lines(shared_data: Path) -> list[str]:
    """Modern Chinese: Wikipedia paragraphs and BELLE's 1k instructions/answers (not the eval set)."""
    wiki = (shared_data / "corpus" / "cmrc2018_wiki_contexts.txt").read_text(encoding="utf-8").splitlines()
    belle = []
    with (shared_data / "belle" / "Belle_open_source_1k.json").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            belle.extend(t for t in (record["instruction"], record["output"]) if t.strip())
    return [t for t in wiki[:600] + belle[:600] if t.strip()]


@pytest.fixture(scope="session")
def chinese_corpus_file(tmp_path_factory: pytest.TempPathFactory, chinese_lines: list[str]) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "zh.txt"
    path.write_text("\n".join(chinese_lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_options():
    from harness.vocab.train import SentencePieceOptions

    return SentencePieceOptions(vocab_size=SMALL_VOCAB, character_coverage=0.98, num_threads=2)


@pytest.fixture(scope="session")
def extended_llama(tmp_path_factory, llama_model_file: Path, chinese_corpus_file: Path, small_options):
    """The real LLaMA tokenizer extended with a small BPE model trained on real Chinese text."""
    from harness.vocab.corpus import CorpusFile
    from harness.vocab.extend import extend_tokenizer

    out = tmp_path_factory.mktemp("ext") / "llama-ext-small"
    return extend_tokenizer(llama_model_file, [CorpusFile(chinese_corpus_file)], out, options=small_options)


TINY_VOCAB = 2000


def build_tiny_llama_dir(
    out: Path, lines: list[str], *, vocab_size: int = TINY_VOCAB, tied: bool = False, seed: int = 0
) -> Path:
    """A small random LlamaForCausalLM with its own LLaMA-style sentencepiece tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from harness.vocab.train import SentencePieceOptions, train_sentencepiece

    out.mkdir(parents=True, exist_ok=True)
    english = ["The quick brown fox jumps over the lazy dog.", "def add(a, b):", "    return a + b"] * 20
    model_bytes = train_sentencepiece(
        english + lines, SentencePieceOptions(vocab_size=vocab_size, character_coverage=0.98, num_threads=1)
    )
    (out / "tokenizer.model").write_bytes(model_bytes)
    (out / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "LlamaTokenizer", "pad_token": "<unk>", "add_bos_token": True}),
        "utf-8",
    )
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        tie_word_embeddings=tied,
        bos_token_id=1,
        eos_token_id=2,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        LlamaForCausalLM(config).save_pretrained(str(out))
    return out
