"""Train a LLaMA-style sentencepiece BPE model from text, offline and deterministically.

The settings mirror Meta's LLaMA ``tokenizer.model`` (BPE, byte fallback, identity normaliser,
digits split, whitespace kept, ``<unk>``/``<s>``/``</s>`` at ids 0/1/2, no pad piece), so anything
built for LLaMA's vocabulary -- merging Chinese pieces into it, HF's LLaMA tokenizer conversion --
works on it too. Byte fallback makes every text round-trip, whatever the training text covered.
"""

from __future__ import annotations

import io
from collections.abc import Iterable


def train_llama_style_bpe(lines: Iterable[str], *, vocab_size: int) -> bytes:
    """The serialised ``ModelProto`` of a BPE model trained on ``lines`` (single-threaded: stable)."""
    import sentencepiece as spm

    writer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines)),
        model_writer=writer,
        model_type="bpe",
        vocab_size=vocab_size,
        character_coverage=1.0,
        byte_fallback=True,
        split_digits=True,
        allow_whitespace_only_pieces=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        add_dummy_prefix=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
        max_sentence_length=1 << 16,
    )
    return writer.getvalue()
