"""Prices from litellm's offline price map, and a spend tracker that enforces ``--max-cost``.

A model the price map does not know costs ``None`` (unknown), never 0: a run against a custom
server must not report that it was free. ``--max-cost`` with an unknown price is refused up front
(:meth:`Budget.check_enforceable`): a budget that cannot be measured would be a false promise.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from typing import Any

from harness.api.litellm_import import import_litellm
from harness.errors import UsageError

UNKNOWN = "unknown"
# how a client's stop reads when --max-cost meets a reply it cannot price (the judge: exit 2)
UNENFORCEABLE = "--max-cost cannot be enforced"


def token_count(name: str, value: Any) -> tuple[int | None, str | None]:
    """A reply's ``usage.<name>`` as ``(count, problem)``: ``(None, None)`` when the server sent
    none, ``(None, "prompt_tokens -5")`` when what it sent is not a count (negative, NaN, a
    fraction, text), which makes the reply's cost unknown rather than negative or "unpriced"."""
    if value is None:
        return None, None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value, None
    if isinstance(value, float) and math.isfinite(value) and value >= 0 and value.is_integer():
        return int(value), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None, f"{name} {repr(value)[:24]}".replace("nan", "NaN")
    return None, f"{name} is {'text' if isinstance(value, str) else type(value).__name__}"


def token_cost(model_candidates: list[str], prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for these tokens under the first candidate model litellm prices, else ``None``."""
    return _token_cost(tuple(model_candidates), int(prompt_tokens), int(completion_tokens))


@lru_cache(maxsize=4096)  # a run repeats the same few token counts
def _token_cost(
    model_candidates: tuple[str, ...], prompt_tokens: int, completion_tokens: int
) -> float | None:
    litellm = import_litellm()
    for model in model_candidates:
        if not model or not _priced(model):
            continue
        try:
            prompt_usd, completion_usd = litellm.cost_per_token(
                model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:
            continue
        return float(prompt_usd) + float(completion_usd)
    return None


@lru_cache(maxsize=256)
def _priced(model: str) -> bool:
    """Whether litellm's price map knows ``model`` (an unknown one raises, which costs more than
    a lookup: asked once per model)."""
    litellm = import_litellm()
    try:
        litellm.cost_per_token(model=model, prompt_tokens=1000, completion_tokens=1000)
    except Exception:
        return False
    return True


def price_known(model: str) -> bool:
    return token_cost([model], 1000, 1000) is not None


def describe_spend(stats: dict) -> str:
    """``"$0.0012 (gpt-4o-mini-2024-07-18)"`` or ``"unknown (no price for my-local-model)"`` from a
    client's stats: a spend with any unpriced reply is unknown, never a partial sum, 0 or a guess."""
    models = ", ".join(sorted(stats.get("answering_models") or {}))
    cost = stats.get("cost")
    if stats.get("invalid_usage_responses"):
        return (
            f"{UNKNOWN} ({stats['invalid_usage_responses']} replies reported invalid token counts, "
            f"e.g. {stats.get('invalid_usage')})"
        )
    if isinstance(cost, (int, float)) and not stats.get("unpriced_responses"):
        return f"${cost:.4f}" + (f" ({models})" if models else "")
    unpriced = ", ".join(sorted(stats.get("unpriced_models") or {})) or models or "?"
    known = stats.get("cost_known_part")
    part = f"; ${known:.4f} for the priced replies" if known else ""
    return f"{UNKNOWN} (litellm's price map has no price for {unpriced}{part})"


class Budget:
    """Spend so far against an optional limit; safe to update from any thread."""

    def __init__(self, max_cost: float | None) -> None:
        self.max_cost = max_cost
        self._spent = 0.0
        self._unknown = 0
        self._lock = threading.Lock()

    def check_enforceable(self, model: str) -> None:
        if self.max_cost is not None and not price_known(model):
            raise UsageError(
                f"--max-cost needs a model with a known price, and litellm's price map does not know "
                f"{model!r}; drop --max-cost or use a priced model id"
            )

    def add(self, cost: float | None) -> None:
        if cost is None:
            with self._lock:
                self._unknown += 1
        else:
            with self._lock:
                self._spent += cost

    @property
    def spent(self) -> float:
        with self._lock:
            return self._spent

    @property
    def exhausted(self) -> bool:
        return self.max_cost is not None and self.spent >= self.max_cost
