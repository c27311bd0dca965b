"""Splitting long conversations into segments that fit the training length, at turn boundaries.

The paper split ShareGPT "into segments of at most 2,048 tokens" with FastChat's
``split_long_conversation``. Its rule, kept here: a turn costs its token count plus 6 (the role
markup), turns are taken in (human, assistant) pairs, and a new segment starts when the next pair
would not fit. Two FastChat quirks are *not* copied: it silently drops the last pair when that pair
is the one that overflows, and a first pair longer than the limit yields an empty segment. Here
every answered pair ends up in exactly one segment; a single pair longer than the limit is its own
segment, left for the trainer to truncate (which counts what truncation cost).

Token counts come from the tokenizer the model will be trained with when one is given (anything
with ``encode`` -- a transformers tokenizer or a SentencePiece processor -- or a callable). Without
one, :func:`estimate_tokens` estimates conservatively for the original LLaMA vocabulary, the
smallest (most tokens per Chinese character) of the paper's: fitted on ``sharegpt_zh_1K`` with
the LLaMA tokenizer, a Han character costs about 1.6 tokens (most fall back to 3 UTF-8 byte
tokens, common ones are single pieces) and other characters about 0.35 (English prose alone is
0.24). Over-estimating only makes segments a little shorter than necessary.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from harness.training.data.convert import Turns

TokenCounter = Callable[[str], int]

TURN_OVERHEAD_TOKENS = 6
DEFAULT_MAX_TOKENS = 2048
TOKENS_PER_CJK_CHAR = 1.6
TOKENS_PER_OTHER_NON_ASCII_CHAR = 1.0
TOKENS_PER_ASCII_CHAR = 0.35


_CJK = re.compile("[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff]")


def estimate_tokens(text: str) -> int:
    """Character-based token estimate for the LLaMA vocabulary (see the module docstring)."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    cjk = len(_CJK.findall(text))
    other = len(text) - ascii_chars - cjk
    return math.ceil(
        ascii_chars * TOKENS_PER_ASCII_CHAR
        + cjk * TOKENS_PER_CJK_CHAR
        + other * TOKENS_PER_OTHER_NON_ASCII_CHAR
    )


def make_token_counter(tokenizer: Any = None) -> TokenCounter:
    """A ``text -> number of tokens`` function for ``tokenizer`` (or the estimate when ``None``).

    Special tokens (BOS/EOS) are not counted: the turn overhead covers markup.
    """
    if tokenizer is None:
        return estimate_tokens
    encode = getattr(tokenizer, "encode", None)
    if encode is not None:
        try:
            encode("a", add_special_tokens=False)
        except TypeError:  # SentencePiece and other tokenizers without the keyword
            return lambda text: len(encode(text))
        return lambda text: len(encode(text, add_special_tokens=False))
    if callable(tokenizer):

        def count(text: str) -> int:
            result = tokenizer(text)
            return result if isinstance(result, int) else len(result)

        return count
    raise TypeError(f"cannot count tokens with {type(tokenizer).__name__}: need .encode() or a callable")


def split_conversation(
    turns: Turns,
    *,
    count_tokens: TokenCounter = estimate_tokens,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> list[tuple[int, Turns]]:
    """Segments of ``turns`` of at most ``max_tokens`` each, as ``(index of first turn, turns)``.

    ``turns`` must be validated alternating (human, assistant) pairs (see
    :func:`~harness.training.data.convert.conversation_to_turns`).
    """
    if len(turns) % 2:
        raise ValueError("split_conversation needs complete (human, assistant) pairs")
    segments: list[tuple[int, Turns]] = []
    start, used = 0, 0
    for i in range(0, len(turns), 2):
        pair_cost = sum(count_tokens(text) + TURN_OVERHEAD_TOKENS for _, text in turns[i : i + 2])
        if used and used + pair_cost > max_tokens:
            segments.append((start, turns[start:i]))
            start, used = i, 0
        used += pair_cost
    segments.append((start, turns[start:]))
    return segments
