"""Pace the starts of requests from the rate-limit headers the server sends.

WHY: a provider's rate limit, not the client, bounds real judging. Adapting concurrency alone
does not find it (at 100 ms latency and 600 requests a minute the right concurrency is about 1,
and a window-based AIMD prototype still drew 18-28% 429s); mirroring the server's token bucket
from its headers does. OpenAI-compatible servers send ``x-ratelimit-limit-requests``,
``x-ratelimit-remaining-requests`` and ``x-ratelimit-reset-requests`` (the time until the bucket
is full again: ``1s``, ``6m0s``, ``20ms``), the same three for tokens, and ``Retry-After`` with
a 429. From the latest reply the pacer knows how many requests (and tokens) the server had left
when it counted that request, how fast they come back ((limit - remaining) / reset), and how many
it has started since: a start waits until the mirrored bucket holds one more request (and the
request's estimated tokens). A 429 pauses every start until its ``Retry-After``.

The number in flight starts at :data:`INITIAL_WINDOW` and grows by one with each reply that
shows headroom, up to the ceiling (``--judge-concurrency``); a 429 halves it. A server that sends
no headers is paced by the window alone. Header values that are not sane (negative, NaN, huge,
garbage) are ignored, and every wait is capped (``max_wait``): no server can crash or stall a
run with them; the first such value is logged once.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

INITIAL_WINDOW = 2
# A wait shorter than this is no wait (float rounding must not keep a start waiting forever).
MIN_WAIT_S = 1e-4
# A reset longer than this is not a rate-limit reset (a day-long RPD window is still under it).
MAX_RESET_S = 2 * 86400.0
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
log = logging.getLogger(__name__)


def parse_duration(value: Any) -> float | None:
    """Seconds in an OpenAI reset value (``1s``, ``6m0s``, ``20ms``, ``1m30.5s``, ``1h2m``, or a
    bare number of seconds); ``None`` for anything else (negative, NaN, garbage, absurdly long)."""
    text = str(value).strip().lower()
    if not text or len(text) > 40:
        return None
    seconds = _finite(text)
    if seconds is None:
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            return None
        seconds = sum(float(n) * _UNIT_S[u] for n, u in parts)
    return seconds if 0 <= seconds <= MAX_RESET_S else None


def parse_retry_after(value: Any, *, now_epoch: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After``: a number of seconds or an HTTP date; ``None`` when
    it is neither (or negative, NaN, infinite)."""
    text = str(value).strip()
    seconds = _finite(text)
    if seconds is not None:
        return seconds if seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now_epoch is None else now_epoch))


def _finite(text: str) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> int | None:
    """A header value that is a count (a whole number >= 0, below 10**12), else ``None``."""
    number = _finite(str(value).strip())
    if number is None or number < 0 or number >= 1e12:
        return None
    return int(number)


@dataclass(frozen=True)
class Limit:
    """One bucket as a reply describes it: ``remaining`` of ``limit``, full again in ``reset`` s."""

    limit: int
    remaining: int
    reset: float

    @property
    def rate(self) -> float | None:
        """Units that come back per second, or ``None`` when the reply does not say."""
        if self.reset > 0 and self.limit > self.remaining:
            return (self.limit - self.remaining) / self.reset
        return None


def read_limit(headers: Mapping[str, str], kind: str) -> Limit | None:
    """The ``requests`` or ``tokens`` bucket in ``headers`` (names lower-cased), or ``None``."""
    limit = _count(headers.get(f"x-ratelimit-limit-{kind}", ""))
    remaining = _count(headers.get(f"x-ratelimit-remaining-{kind}", ""))
    reset = parse_duration(headers.get(f"x-ratelimit-reset-{kind}", ""))
    if limit is None or remaining is None or limit == 0:
        return None
    return Limit(limit=limit, remaining=min(remaining, limit), reset=reset if reset is not None else 0.0)


class Bucket:
    """The client's mirror of one server bucket: what the server had left when it counted a
    request started at ``seen_at``, the rate it refills at, and what was started since."""

    def __init__(self) -> None:
        self.limit: Limit | None = None
        self.rate: float | None = None
        self.seen_at = -math.inf
        self.starts: deque[tuple[float, float]] = deque()  # (start time, units)

    def observe(self, limit: Limit, started_at: float) -> None:
        if started_at < self.seen_at:
            return  # an older reply than the one the mirror already holds
        self.limit, self.seen_at = limit, started_at
        # a reply without a usable reset: the limit is per minute, as providers mean it
        self.rate = limit.rate or self.rate or limit.limit / 60.0
        while self.starts and self.starts[0][0] < started_at:
            self.starts.popleft()

    def started(self, now: float, units: float) -> None:
        if self.limit is not None:
            self.starts.append((now, units))

    def available(self, now: float) -> float:
        """Units the server has left now, by the mirror (``inf`` when it has said nothing)."""
        if self.limit is None:
            return math.inf
        refilled = (self.rate or 0.0) * max(0.0, now - self.seen_at)
        # the request the reply belongs to started at seen_at: counted in remaining already
        since = sum(units for when, units in self.starts if when > self.seen_at)
        return min(float(self.limit.limit), self.limit.remaining + refilled) - since

    def delay(self, now: float, units: float) -> float:
        """Seconds until ``units`` are available, at the rate the replies showed."""
        short = min(units, float(self.limit.limit) if self.limit else units) - self.available(now)
        if short <= 0:
            return 0.0
        return short / self.rate if self.rate else 0.0


class PaceState:
    """The pacing decisions, on an explicit clock (``now`` in seconds): unit-testable."""

    def __init__(self, *, ceiling: int, max_wait: float, initial_window: int = INITIAL_WINDOW) -> None:
        self.ceiling = max(1, ceiling)
        self.window = min(self.ceiling, max(1, initial_window))
        self.max_wait = max_wait
        self.in_flight = 0
        self.paused_until = -math.inf
        self.requests = Bucket()
        self.tokens = Bucket()
        self.rate_limited = 0
        self._said: set[str] = set()

    def delay(self, now: float, tokens: float) -> float:
        """Seconds before a request of ``tokens`` may start (0: now), capped at ``max_wait``."""
        wait = max(self.paused_until - now, self.requests.delay(now, 1), self.tokens.delay(now, tokens), 0.0)
        if wait < MIN_WAIT_S:
            return 0.0
        if wait > self.max_wait:
            self._say(
                "wait",
                f"rate-limit headers ask for a wait of {wait:g} s; waiting {self.max_wait:g} s at most",
            )
            return self.max_wait
        return wait

    def can_start(self) -> bool:
        return self.in_flight < self.window

    def started(self, now: float, tokens: float) -> None:
        self.in_flight += 1
        self.requests.started(now, 1)
        self.tokens.started(now, tokens)

    def finished(
        self, now: float, started_at: float, status: int | None, headers: Mapping[str, Any] | None
    ) -> None:
        """A reply (or a failure: ``status`` None) to a request started at ``started_at``."""
        self.in_flight = max(0, self.in_flight - 1)
        lowered = _lowered(headers)
        requests, tokens = read_limit(lowered, "requests"), read_limit(lowered, "tokens")
        if requests is not None:
            self.requests.observe(requests, started_at)
        if tokens is not None:
            self.tokens.observe(tokens, started_at)
        if lowered and requests is None and any(k.startswith("x-ratelimit-") for k in lowered):
            self._say("headers", "ignoring rate-limit headers that are not counts and durations")
        if status == 429:
            self._rate_limited(now, lowered)
        elif status is not None and 200 <= status < 300:
            self._grow(now, tokens)

    def _rate_limited(self, now: float, headers: Mapping[str, str]) -> None:
        self.rate_limited += 1
        self.window = max(1, self.window // 2)
        asked = _retry_after(headers)
        if asked is None:
            return
        if asked > self.max_wait:
            self._say("retry-after", f"Retry-After asks for {asked:g} s; pausing {self.max_wait:g} s at most")
        self.paused_until = max(self.paused_until, now + min(asked, self.max_wait))

    def _grow(self, now: float, tokens: Limit | None) -> None:
        """One more in flight while the headers show room for it (or say nothing)."""
        room = min(self.requests.available(now), self.tokens.available(now))
        if self.window < self.ceiling and room >= self.window + 1:
            self.window += 1

    def _say(self, key: str, message: str) -> None:
        if key not in self._said:
            self._said.add(key)
            log.warning(message)


def _lowered(headers: Mapping[str, Any] | None) -> dict[str, str]:
    if not headers:
        return {}
    try:
        return {str(k).lower(): str(v) for k, v in dict(headers).items()}
    except (TypeError, ValueError):
        return {}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    if "retry-after-ms" in headers:
        ms = _finite(headers["retry-after-ms"])
        if ms is not None and ms >= 0:
            return ms / 1000.0
    return parse_retry_after(headers["retry-after"]) if "retry-after" in headers else None


class Pacer:
    """``async with pacer.slot(tokens) as done: ...; done(status, headers)`` around each request.

    Starts are handed out one at a time, in arrival order (one waiter sleeps, the rest queue on a
    lock), so 64 waiting workers cost one timer, not 64 polls. ``clock``/``sleep`` are injectable
    for tests.
    """

    def __init__(
        self,
        *,
        ceiling: int,
        max_wait: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.state = PaceState(ceiling=ceiling, max_wait=max_wait)
        self.clock, self.sleep = clock, sleep
        self._gate: asyncio.Lock | None = None
        self._freed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _sync(self) -> tuple[asyncio.Lock, asyncio.Event]:
        """The lock and event of the running loop (a judge runs one loop per call)."""
        loop = asyncio.get_running_loop()
        if self._gate is None or self._freed is None or self._loop is not loop:
            self._gate, self._freed, self._loop = asyncio.Lock(), asyncio.Event(), loop
        return self._gate, self._freed

    async def acquire(self, tokens: float) -> float:
        """Wait for a start; returns its time."""
        gate, freed = self._sync()
        async with gate:
            while True:
                while not self.state.can_start():
                    freed.clear()
                    await freed.wait()
                wait = self.state.delay(self.clock(), tokens)
                if wait <= 0:
                    break
                await self.sleep(wait)
                if wait >= self.state.max_wait:
                    break  # a capped wait: start anyway rather than stall
            now = self.clock()
            self.state.started(now, tokens)
            return now

    def release(self, started_at: float, status: int | None, headers: Mapping[str, Any] | None) -> None:
        self.state.finished(self.clock(), started_at, status, headers)
        if self._freed is not None:
            self._freed.set()

    @asynccontextmanager
    async def slot(self, tokens: float):
        started_at = await self.acquire(tokens)
        outcome: dict[str, Any] = {"status": None, "headers": None}

        def done(status: int | None, headers: Mapping[str, Any] | None) -> None:
            outcome.update(status=status, headers=headers)

        try:
            yield done
        finally:
            self.release(started_at, outcome["status"], outcome["headers"])


def estimated_tokens(messages: list[dict[str, Any]], params: Mapping[str, Any]) -> float:
    """What a provider counts against a tokens-per-minute limit when a request arrives, at most:
    the prompt (no more tokens than characters) plus the completion it may write."""
    prompt = sum(len(str(m.get("content", ""))) for m in messages)
    max_tokens = params.get("max_tokens") or params.get("max_completion_tokens") or 0
    return float(prompt + (max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else 0))
