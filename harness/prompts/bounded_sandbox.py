"""Jinja's immutable sandbox with bounded arithmetic: ``'x' * 10**10`` is refused, not allocated.

The sandbox stops attribute tricks and caps ``range()``, but ``*`` and ``**`` build their result
before any output is counted (:mod:`harness.prompts.render_bound` counts what a template writes),
so a one-line template could take gigabytes. Here both operators are intercepted: a repeated
string or list may hold at most :data:`MAX_ITEMS` items, a power at most :data:`MAX_POWER_BITS`
bits.
"""

from __future__ import annotations

import math
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_ITEMS = 1_000_000
MAX_POWER_BITS = 4_096


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox whose ``*`` and ``**`` refuse results past the bounds above."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        elif operator == "**":
            _check_power(left, right)
        return super().call_binop(context, operator, left, right)


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) and not isinstance(times, bool):
        if len(sequence) * max(times, 0) > MAX_ITEMS:
            raise SecurityError(f"a repetition of {len(sequence)} items {times} times is over {MAX_ITEMS:,}")


def _check_power(base: Any, exponent: Any) -> None:
    if not (isinstance(base, (int, float)) and isinstance(exponent, (int, float))):
        return
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
            raise SecurityError(f"{base} ** {exponent} is over {MAX_POWER_BITS} bits")
