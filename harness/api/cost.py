"""Prices from litellm's offline price map, and a spend tracker that enforces ``--max-cost``.

A model the price map does not know costs ``None`` (unknown), never 0: a run against a custom
server must not report that it was free. ``--max-cost`` with an unknown price is refused up front
(:meth:`Budget.check_enforceable`): a budget that cannot be measured would be a false promise.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from harness.api.litellm_import import import_litellm
from harness.errors import UsageError


def token_cost(model_candidates: list[str], prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for these tokens under the first candidate model litellm prices, else ``None``."""
    return _token_cost(tuple(model_candidates), int(prompt_tokens), int(completion_tokens))


@lru_cache(maxsize=4096)  # litellm's price lookup costs ~1 ms; a run repeats the same few token counts
def _token_cost(model_candidates: tuple[str, ...], prompt_tokens: int, completion_tokens: int) -> float | None:
    litellm = import_litellm()
    for model in model_candidates:
        if not model:
            continue
        try:
            prompt_usd, completion_usd = litellm.cost_per_token(
                model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:
            continue
        return float(prompt_usd) + float(completion_usd)
    return None


def price_known(model: str) -> bool:
    return token_cost([model], 1000, 1000) is not None


class Budget:
    """Spend so far against an optional limit; safe to update from any thread.

    :meth:`share_across_processes` moves the running total into shared memory before worker
    processes are forked, so every worker adds to, and checks, the same total: the limit holds
    for the run as a whole, not per process.
    """

    def __init__(self, max_cost: float | None) -> None:
        self.max_cost = max_cost
        self._spent = 0.0
        self._unknown = 0
        self._lock = threading.Lock()
        self._shared: Any = None  # a multiprocessing.Value("d") once shared

    def check_enforceable(self, model: str) -> None:
        if self.max_cost is not None and not price_known(model):
            raise UsageError(
                f"--max-cost needs a model with a known price, and litellm's price map does not know "
                f"{model!r}; drop --max-cost or use a priced model id"
            )

    def share_across_processes(self, context: Any) -> None:
        """Keep the spend in a ``context.Value`` (with its own process-shared lock) from now on."""
        if self._shared is None:
            with self._lock:
                self._shared = context.Value("d", self._spent)

    def add(self, cost: float | None) -> None:
        if cost is None:
            with self._lock:
                self._unknown += 1
        elif self._shared is not None:
            with self._shared.get_lock():
                self._shared.value += cost
        else:
            with self._lock:
                self._spent += cost

    @property
    def spent(self) -> float:
        if self._shared is not None:
            with self._shared.get_lock():
                return float(self._shared.value)
        with self._lock:
            return self._spent

    @property
    def exhausted(self) -> bool:
        return self.max_cost is not None and self.spent >= self.max_cost
