"""Tokenizer statistics: how many tokens two tokenizers spend on the same lines.

These are the figures of the paper's Table (tokens per line 733 -> 291, ratio 0.397): average tokens
per line, tokens per character, the share of tokens that are byte-fallback tokens (``<0xNN>``,
what LLaMA spends on Chinese characters it lacks), the B/A ratio and the share of lines B made
shorter. Tokenizers are driven through sentencepiece when a ``tokenizer.model`` is there (exact and
fast), else through ``tokenizer.json`` with the ``tokenizers`` library; no special tokens are added.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.errors import UsageError
from harness.vocab.tokenizer_dir import SP_MODEL_NAME

_BYTE_TOKEN = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


class TokenCounter:
    """Encode text into ids and tell which ids are byte-fallback tokens, for one tokenizer."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        sp_file = (
            self.path if self.path.is_file() and self.path.suffix == ".model" else self.path / SP_MODEL_NAME
        )
        json_file = (
            self.path if self.path.is_file() and self.path.suffix == ".json" else self.path / "tokenizer.json"
        )
        if sp_file.is_file():
            import sentencepiece as spm

            try:
                processor = spm.SentencePieceProcessor(model_file=str(sp_file))
            except (RuntimeError, OSError) as exc:
                raise UsageError(
                    f"{sp_file}: not a sentencepiece model ({str(exc).strip().splitlines()[0]})",
                    hint="Pass a tokenizer folder or its tokenizer.model / tokenizer.json.",
                ) from None
            self.vocab_size = processor.get_piece_size()
            self._encode: Callable[[str], list[int]] = processor.encode
            self._byte_ids = frozenset(i for i in range(self.vocab_size) if processor.is_byte(i))
        elif json_file.is_file():
            from tokenizers import Tokenizer

            try:
                tokenizer = Tokenizer.from_file(str(json_file))
            except Exception as exc:  # tokenizers raises its own Exception subclass on a bad file
                raise UsageError(
                    f"{json_file}: not a tokenizers JSON file ({str(exc).strip().splitlines()[0]})",
                    hint="Pass a tokenizer folder or its tokenizer.model / tokenizer.json.",
                ) from None
            self.vocab_size = tokenizer.get_vocab_size()
            self._encode = lambda text: tokenizer.encode(text, add_special_tokens=False).ids
            self._byte_ids = frozenset(i for t, i in tokenizer.get_vocab().items() if _BYTE_TOKEN.match(t))
        else:
            raise UsageError(f"no tokenizer at {self.path} (need a {SP_MODEL_NAME} or tokenizer.json)")

    def encode(self, text: str) -> list[int]:
        return self._encode(text)

    def is_byte(self, token_id: int) -> bool:
        return token_id in self._byte_ids


@dataclass
class TokenizerStats:
    """Per-tokenizer figures over the same lines."""

    name: str
    vocab_size: int
    lines: int
    tokens: int
    characters: int
    tokens_per_line: float
    tokens_per_char: float
    byte_fallback_rate: float
    ratio_to_first: float
    share_lines_shorter: float

    def to_dict(self) -> dict:
        return asdict(self)


def tokenizer_stats(
    tokenizers: Sequence[tuple[str, str | Path]], lines: Sequence[str]
) -> list[TokenizerStats]:
    """Statistics of each tokenizer on ``lines``; ratios and "shorter" shares are against the first."""
    if not tokenizers:
        raise UsageError("no tokenizers given")
    if not lines:
        raise UsageError("no lines to measure")
    characters = sum(len(line) for line in lines)
    first_lengths: list[int] | None = None
    results = []
    for name, path in tokenizers:
        counter = TokenCounter(path)
        lengths = []
        byte_tokens = 0
        for line in lines:
            ids = counter.encode(line)
            lengths.append(len(ids))
            byte_tokens += sum(1 for i in ids if counter.is_byte(i))
        total = sum(lengths)
        if first_lengths is None:
            first_lengths = lengths
        shorter = sum(1 for mine, theirs in zip(lengths, first_lengths, strict=True) if mine < theirs)
        results.append(
            TokenizerStats(
                name=name,
                vocab_size=counter.vocab_size,
                lines=len(lines),
                tokens=total,
                characters=characters,
                tokens_per_line=total / len(lines),
                tokens_per_char=total / characters if characters else 0.0,
                byte_fallback_rate=byte_tokens / total if total else 0.0,
                ratio_to_first=total / sum(first_lengths) if sum(first_lengths) else 0.0,
                share_lines_shorter=shorter / len(lines),
            )
        )
    return results
