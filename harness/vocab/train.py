"""Training the sentencepiece model whose pieces will extend a base vocabulary.

The defaults copy the base LLaMA model's trainer settings wherever they matter for merging
(BPE, identity normalisation, digits split, byte fallback), so the new pieces are segmented the
way the merged model will later segment text. The sentencepiece import is function-level: this
module is imported by the CLI only when a command runs.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from harness.errors import DataError, UsageError

NORMALIZATIONS = ("identity", "nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf")
MODEL_TYPES = ("bpe", "unigram")


@dataclass(frozen=True)
class SentencePieceOptions:
    """Options of the sentencepiece training run; all of them go into the manifest."""

    vocab_size: int = 50_000
    model_type: str = "bpe"
    character_coverage: float = 0.9995
    byte_fallback: bool = True
    normalization: str = "identity"
    split_digits: bool = True
    split_by_unicode_script: bool = True
    max_sentence_length: int = 16_384
    max_sentencepiece_length: int = 16
    input_sentence_size: int = 0
    seed: int = 42
    num_threads: int = 0

    def __post_init__(self) -> None:
        if self.vocab_size < 300:
            raise UsageError(
                f"vocab size {self.vocab_size} is too small (byte fallback alone needs 259 pieces)"
            )
        if self.model_type not in MODEL_TYPES:
            raise UsageError(f"model type {self.model_type!r} is not one of {', '.join(MODEL_TYPES)}")
        if self.normalization not in NORMALIZATIONS:
            raise UsageError(
                f"normalisation {self.normalization!r} is not one of {', '.join(NORMALIZATIONS)}"
            )
        if not 0.98 <= self.character_coverage <= 1.0:  # sentencepiece's own bounds
            raise UsageError(f"character coverage must be in [0.98, 1], got {self.character_coverage}")

    def to_dict(self) -> dict:
        return asdict(self)

    def trainer_kwargs(self) -> dict:
        """Keyword arguments for ``SentencePieceTrainer.train``."""
        return {
            "vocab_size": self.vocab_size,
            "model_type": self.model_type,
            "character_coverage": self.character_coverage,
            "byte_fallback": self.byte_fallback,
            "normalization_rule_name": self.normalization,
            "split_digits": self.split_digits,
            "split_by_unicode_script": self.split_by_unicode_script,
            "max_sentence_length": self.max_sentence_length,
            "max_sentencepiece_length": self.max_sentencepiece_length,
            "input_sentence_size": self.input_sentence_size,
            "shuffle_input_sentence": True,
            "num_threads": self.num_threads or os.cpu_count() or 1,
            # LLaMA's settings: keep whitespace as written so merged pieces match the base normaliser.
            "remove_extra_whitespaces": False,
            "allow_whitespace_only_pieces": True,
            "add_dummy_prefix": True,
            "unk_id": 0,
            "bos_id": 1,
            "eos_id": 2,
            "pad_id": -1,
            "minloglevel": 2,
        }


def train_sentencepiece(lines: Sequence[str], options: SentencePieceOptions) -> bytes:
    """Train on ``lines`` and return the serialised model (a ``ModelProto``)."""
    import sentencepiece as spm

    if not lines:
        raise DataError("no training lines")
    buffer = io.BytesIO()
    # Shuffling/sampling inside sentencepiece uses its own generator; seed it for reproducibility.
    spm.set_random_generator_seed(options.seed)
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_writer=buffer, **options.trainer_kwargs()
        )
    except RuntimeError as exc:
        message = str(exc)
        if "Vocabulary size" in message or "vocab_size" in message:
            raise DataError(
                f"sentencepiece cannot build {options.vocab_size} pieces from this corpus: {message}",
                hint="Adjust --vocab-size (too small for the required characters, or too large for the text) "
                "or lower --character-coverage.",
            ) from exc
        raise DataError(f"sentencepiece training failed: {message}") from exc
    return buffer.getvalue()
