"""Length-sorted batching, shared by the generators.

Sorting prompts by token length before batching keeps padding (wasted compute) small; the
original index travels with every prompt so results can be put back in input order, and each
:class:`~harness.protocols.Generation` carries its sample id and index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PromptItem:
    """One sample ready for generation: its position in the input, id, prompt text and token ids."""

    index: int
    id: str
    prompt: str
    token_ids: tuple[int, ...] = field(default=(), repr=False)
    temperature: float | None = None  # the sample's own (harness.generation.decoding); None: the generator's


def length_sorted_batches(items: Sequence[PromptItem], batch_size: int) -> list[list[PromptItem]]:
    """Batches of similar length, longest first (an out-of-memory error shows up at once, not at
    the end); ties keep input order, so the batching is deterministic. Items with a temperature
    of their own are batched by temperature (one generation config per batch)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    batches: list[list[PromptItem]] = []
    # one decoding per batch: samples with their own temperature are batched with their kind only
    for temperature in sorted({item.temperature for item in items}, key=lambda t: (t is not None, t or 0.0)):
        group = [item for item in items if item.temperature == temperature]
        ordered = sorted(group, key=lambda item: (-len(item.token_ids), item.index))
        batches += [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
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
