"""Ending an answer at the template's stop strings, as FastChat does.

Why: a model prompted as ``Human: ... Assistant:`` often goes on to write the next ``Human:`` turn
itself; FastChat cuts the answer at its template's ``stop_str`` (``gen_model_answer.py``), so the
judge never reads an invented conversation as part of the answer. A template declares its stop
strings (``stop`` in ``registry/templates/*.yaml``); generation stops at the first one, which is
left out of the answer, and the record's ``finish_reason`` is ``"stop"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def first_stop(text: str, stops: Sequence[str]) -> int | None:
    """Where the first stop string in ``text`` begins, or ``None``."""
    found = [position for position in (text.find(stop) for stop in stops) if position >= 0]
    return min(found) if found else None


def trim_at_stop(
    new_ids: Sequence[int], decode: Callable[[Sequence[int]], str], stops: Sequence[str]
) -> tuple[list[int], str | None]:
    """The generated ids through the token that completes the first stop string, and the answer
    text before that string; ``(new_ids, None)`` when no stop string was generated."""
    if not stops or first_stop(decode(new_ids), stops) is None:
        return list(new_ids), None
    low, high = 1, len(new_ids)  # the fewest ids whose text holds a stop string
    while low < high:
        middle = (low + high) // 2
        if first_stop(decode(new_ids[:middle]), stops) is None:
            low = middle + 1
        else:
            high = middle
    text = decode(new_ids[:low])
    return list(new_ids[:low]), text[: first_stop(text, stops)]
