"""LLaMA-EXT end to end on ``tiny-llama``: extend the vocabulary with Chinese pieces, resize the
model, then one epoch of embedding-only continued pretraining through the ``deepspeed`` trainer.

Checks the contract of the paper's recipe: after training, every non-embedding weight is
bit-identical to the resized model's, and ``embed_tokens`` / ``lm_head`` (including the new rows)
have changed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EMBEDDINGS = ("model.embed_tokens.weight", "lm_head.weight")


@pytest.fixture
def restored_environ():
    """The trainer sets RANK/WORLD_SIZE/MASTER_* for a one-process world; put the environment back."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _weights(directory: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(directory / "model.safetensors"))


def test_extend_vocab_then_embedding_only_pretraining(tmp_path, shared_data, chinese_lines, restored_environ):
    import torch

    from harness.manager import get_registry
    from harness.vocab.corpus import CorpusFile
    from harness.vocab.embeddings import resize_model_embeddings
    from harness.vocab.extend import extend_tokenizer
    from harness.vocab.train import SentencePieceOptions

    registry = get_registry()
    tiny_dir = Path(registry.create("model", "tiny-llama").local_path())
    base_vocab = json.loads((tiny_dir / "config.json").read_text())["vocab_size"]

    corpus = tmp_path / "zh_train.txt"
    corpus.write_text("\n".join(chinese_lines[:400]) + "\n", encoding="utf-8")
    tokenizer_dir = tmp_path / "tiny-ext-tokenizer"
    extended = extend_tokenizer(
        tiny_dir,
        [CorpusFile(corpus)],
        tokenizer_dir,
        options=SentencePieceOptions(vocab_size=3000, character_coverage=0.98, num_threads=1),
    )
    assert extended.manifest["base_size"] == base_vocab and extended.merge.merged_size > base_vocab + 500

    resized_dir = tmp_path / "tiny-llama-ext"
    report = resize_model_embeddings(tiny_dir, tokenizer_dir, resized_dir)
    assert report.new_vocab == extended.merge.merged_size

    pretrain_text = tmp_path / "zh_pretrain.txt"
    pretrain_text.write_text("\n".join(chinese_lines[600:660]) + "\n", encoding="utf-8")
    out = tmp_path / "tiny-llama-ext-pt"
    trainer = registry.create("trainer", "deepspeed")
    result = trainer.train(
        model="tiny-llama",
        model_path=str(resized_dir),
        data=str(pretrain_text),
        mode="pretrain",
        out=str(out),
        epochs=1,
        max_length=128,
        global_batch_size=4,
        micro_batch_size=2,
        lr=1e-2,
        warmup_ratio=0.0,
        progress=False,
    )
    assert result.steps >= 1

    before, after = _weights(resized_dir), _weights(out)
    assert before.keys() == after.keys()
    assert after["model.embed_tokens.weight"].shape[0] == report.new_vocab
    for name in before:
        if name in EMBEDDINGS:
            assert not torch.equal(before[name], after[name]), f"{name} did not train"
            new_rows_changed = (before[name][base_vocab:] != after[name][base_vocab:]).any(dim=1)
            assert new_rows_changed.any(), f"no new row of {name} was trained"
        else:
            assert torch.equal(before[name], after[name]), f"{name} changed although frozen"

    # The trained directory still carries the extended tokenizer.
    import sentencepiece as spm

    trained_sp = spm.SentencePieceProcessor(model_file=str(out / "tokenizer.model"))
    assert trained_sp.get_piece_size() == report.new_vocab
