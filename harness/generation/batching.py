"""Length-sorted batching, shared by the generators.

Sorting prompts by token length before batching keeps padding (wasted compute) small; the
original index travels with every prompt so results can be put back in input order, and each
:class:`~harness.protocols.Generation` carries its sample id and index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# A prompt may be left-padded by up to its own length, or by this many tokens, whichever is more.
PAD_SLACK = 64


@dataclass(frozen=True)
class PromptItem:
    """One sample ready for generation: its position in the input, id, prompt text and token ids."""

    index: int
    id: str
    prompt: str
    token_ids: tuple[int, ...] = field(default=(), repr=False)
    temperature: float | None = None  # the sample's own (harness.generation.decoding); None: the generator's
    max_new_tokens: int | None = None  # the sample's own (harness.generation.lengths); None: the generator's
    truncated: dict[str, Any] | None = None  # what was cut to fit the context (harness.generation.context)


def _decoding_key(item: PromptItem) -> tuple[bool, float, bool, int]:
    t, m = item.temperature, item.max_new_tokens
    return (t is not None, t or 0.0, m is not None, m or 0)


def _too_much_padding(width: int, item: PromptItem) -> bool:
    """Padding ``item`` to ``width`` would more than double it (never a short prompt padded to a huge one)."""
    return width - len(item.token_ids) > max(len(item.token_ids), PAD_SLACK)


def _split(ordered: list[PromptItem], batch_size: int) -> list[list[PromptItem]]:
    batches: list[list[PromptItem]] = []
    for item in ordered:
        current = batches[-1] if batches else None
        if (
            current is None
            or len(current) >= batch_size
            or _too_much_padding(len(current[0].token_ids), item)
        ):
            batches.append([item])
        else:
            current.append(item)
    return batches


def length_sorted_batches(items: Sequence[PromptItem], batch_size: int) -> list[list[PromptItem]]:
    """Batches of similar length, longest first (an out-of-memory error shows up at once, not at
    the end); ties keep input order, so the batching is deterministic. Items with a temperature or
    length of their own are batched with their kind only (one generation config per batch), and a
    batch ends before a prompt that padding to its longest would more than double."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    batches: list[list[PromptItem]] = []
    for key in sorted({_decoding_key(item) for item in items}):
        group = [item for item in items if _decoding_key(item) == key]
        batches += _split(sorted(group, key=lambda item: (-len(item.token_ids), item.index)), batch_size)
    return batches


def trim_at_eos(new_ids: Sequence[int], eos_ids: set[int]) -> tuple[list[int], str]:
    """The generated ids up to and including the first EOS, and ``"eos"`` or ``"length"``.

    Rows of a batch that finish early are padded after their EOS; everything after it is dropped.
    """
    for position, token in enumerate(new_ids):
        if token in eos_ids:
            return list(new_ids[: position + 1]), "eos"
    return list(new_ids), "length"


def eos_id_set(*candidates: Any) -> set[int]:
    """EOS ids from generation configs / tokenizers (each an int, a list of ints, or None)."""
    ids: set[int] = set()
    for candidate in candidates:
        if candidate is None:
            continue
        if isinstance(candidate, int):
            ids.add(candidate)
        else:
            ids.update(int(c) for c in candidate)
    return ids
