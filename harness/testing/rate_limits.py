"""The test server's rate limits: token buckets for requests and tokens a minute, as providers run them.

WHY: pacing a judge from rate-limit headers (:mod:`harness.api.pacing`) can only be tested, and
benchmarked, against a server that enforces a limit and says so the way OpenAI does: each bucket
holds ``limit`` units and refills ``limit`` a minute; a request takes one request and its tokens
(the prompt's characters plus ``max_tokens``) when it arrives, or is answered 429 with
``Retry-After`` (whole seconds) and ``retry-after-ms`` (the exact wait). Every answer carries
``x-ratelimit-limit-*``, ``x-ratelimit-remaining-*`` and ``x-ratelimit-reset-*`` (the time until
the bucket is full again, written ``1s``, ``6m0s``, ``20ms``).
"""

from __future__ import annotations

import math
import threading
from typing import Any


def format_duration(seconds: float) -> str:
    """``20ms``, ``1.5s``, ``6m0s``: OpenAI's way of writing a reset time."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.3g}s"


class TokenBucket:
    """``limit`` units, refilled at ``limit`` a minute; ``fill`` full (0..1) at the first request
    (so a client's start-up time does not fill it)."""

    def __init__(self, limit: int, *, fill: float) -> None:
        if limit < 1:
            raise ValueError(f"a rate limit must be at least 1 a minute, not {limit}")
        self.limit = limit
        self.rate = limit / 60.0
        self.level = limit * min(1.0, max(0.0, fill))
        self.at: float | None = None

    def refill(self, now: float) -> None:
        if self.at is None:
            self.at = now
        self.level = min(float(self.limit), self.level + (now - self.at) * self.rate)
        self.at = now

    def wait_for(self, units: float) -> float:
        """Seconds until ``units`` are there (after :meth:`refill`)."""
        return max(0.0, min(units, self.limit) - self.level) / self.rate

    def headers(self, kind: str) -> dict[str, str]:
        return {
            f"x-ratelimit-limit-{kind}": str(self.limit),
            f"x-ratelimit-remaining-{kind}": str(max(0, math.floor(self.level))),
            f"x-ratelimit-reset-{kind}": format_duration((self.limit - self.level) / self.rate),
        }


class RateLimits:
    """``take(now, tokens)`` -> (allowed, headers); thread-safe. ``rpm``/``tpm`` of ``None``: no
    limit of that kind."""

    def __init__(self, *, rpm: int | None, tpm: int | None, fill: float = 1.0) -> None:
        self.buckets = {
            kind: TokenBucket(limit, fill=fill)
            for kind, limit in (("requests", rpm), ("tokens", tpm))
            if limit is not None
        }
        self._lock = threading.Lock()

    def take(self, now: float, tokens: float) -> tuple[bool, dict[str, str]]:
        need = {"requests": 1.0, "tokens": float(tokens)}
        with self._lock:
            for bucket in self.buckets.values():
                bucket.refill(now)
            wait = max(bucket.wait_for(need[kind]) for kind, bucket in self.buckets.items())
            if wait <= 0:
                for kind, bucket in self.buckets.items():
                    bucket.level -= min(need[kind], bucket.limit)
            headers = {k: v for kind, bucket in self.buckets.items() for k, v in bucket.headers(kind).items()}
        if wait > 0:
            headers.update(
                {"Retry-After": str(math.ceil(wait)), "retry-after-ms": str(math.ceil(wait * 1000))}
            )
        return wait <= 0, headers


def charged_tokens(body: dict[str, Any]) -> int:
    """What a request takes from the tokens bucket: the prompt's characters plus ``max_tokens``."""
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    prompt = sum(len(str(m.get("content", ""))) for m in messages if isinstance(m, dict))
    max_tokens = body.get("max_tokens")
    return prompt + (max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else 0)
