"""The header-driven pacer (harness.api.pacing) on a fake clock: spacing, pauses, window, hostile headers."""

from __future__ import annotations

import asyncio
import math

import pytest

from harness.api.pacing import Pacer, PaceState, parse_duration, parse_retry_after, read_limit


def headers(limit=600, remaining=0, reset="6s", **extra):
    found = {
        "x-ratelimit-limit-requests": str(limit),
        "x-ratelimit-remaining-requests": str(remaining),
        "x-ratelimit-reset-requests": reset,
    }
    found.update(extra)
    return found


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1m30.5s", 90.5),
        ("1h2m", 3720.0),
        ("0.5", 0.5),
        ("0s", 0.0),
    ],
)
def test_reset_formats(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    ["-1s", "nan", "NaN", "inf", "1e400", "garbage", "", "1x", "s", "9" * 50, "99999999h", "1s garbage"],
)
def test_hostile_reset_values_are_ignored(text):
    assert parse_duration(text) is None


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now_epoch=1445412470.0) == pytest.approx(10.0)
    for hostile in ("-5", "nan", "inf", "soon", "", "Wed, 99 Foo"):
        assert parse_retry_after(hostile) is None


def test_garbage_counts_are_not_a_limit():
    assert read_limit(headers(limit="lots"), "requests") is None
    assert read_limit(headers(limit="-3"), "requests") is None
    assert read_limit(headers(remaining="NaN"), "requests") is None
    assert read_limit(headers(limit="1e30"), "requests") is None
    assert read_limit(headers(limit="0"), "requests") is None
    assert read_limit(headers(limit=600, remaining=9000), "requests").remaining == 600


def test_starts_are_spaced_at_the_rate_the_headers_show():
    state = PaceState(ceiling=64, max_wait=60)
    state.started(0.0, 0)
    # 600 a minute, none left, full again in 60 s: one request every 0.1 s
    state.finished(0.1, 0.0, 200, headers(remaining=0, reset="1m0s"))
    assert state.delay(0.1, 0) == pytest.approx(0.0)  # 0.1 s passed since that request was counted
    state.started(0.1, 0)
    assert state.delay(0.1, 0) == pytest.approx(0.1)
    assert state.delay(0.15, 0) == pytest.approx(0.05)
    state.started(0.2, 0)
    assert state.delay(0.2, 0) == pytest.approx(0.1)


def test_headroom_lets_starts_go_at_once_and_the_window_grow():
    state = PaceState(ceiling=4, max_wait=60)
    assert state.window == 2
    for k in range(5):
        state.started(k, 0)
        state.finished(k + 0.1, k, 200, headers(remaining=500, reset="10s"))
        assert state.delay(k + 0.1, 0) == 0.0
    assert state.window == 4  # the ceiling (--judge-concurrency) holds


def test_no_headroom_keeps_the_window_small():
    state = PaceState(ceiling=64, max_wait=60)
    for k in range(10):
        state.started(k, 0)
        state.finished(k + 0.1, k, 200, headers(remaining=0, reset="1m0s"))
    assert state.window == 2


def test_a_429_pauses_every_start_and_halves_the_window():
    state = PaceState(ceiling=64, max_wait=60, initial_window=8)
    state.started(0.0, 0)
    state.finished(0.0, 0.0, 429, {"Retry-After": "2"})
    assert state.window == 4
    assert state.delay(0.5, 0) == pytest.approx(1.5)
    state.started(3.0, 0)
    state.finished(3.0, 3.0, 429, {"retry-after-ms": "250", "Retry-After": "1"})
    assert state.delay(3.0, 0) == pytest.approx(0.25)  # the exact form wins


@pytest.mark.parametrize(
    "hostile",
    [
        {"Retry-After": "999999999"},
        {"retry-after-ms": "1e300"},
        {
            "x-ratelimit-limit-requests": "1",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "40h",
        },
    ],
)
def test_a_huge_wait_is_capped_and_said_once(hostile, caplog):
    state = PaceState(ceiling=4, max_wait=30)
    for now in (0.0, 0.0):
        state.started(now, 0)
        state.finished(now, now, 429, hostile)
        assert state.delay(now, 0) <= 30
    assert sum("at most" in r.getMessage() for r in caplog.records) == 1


def test_tokens_are_paced_by_the_requests_estimated_size():
    state = PaceState(ceiling=64, max_wait=60)
    state.started(0.0, 1000)
    tokens = {
        "x-ratelimit-limit-tokens": "60000",
        "x-ratelimit-remaining-tokens": "1000",
        "x-ratelimit-reset-tokens": "59s",
    }  # 1,000 tokens a second
    state.finished(0.0, 0.0, 200, tokens)
    assert state.delay(0.0, 500) == 0.0
    assert state.delay(0.0, 3000) == pytest.approx(2.0)


def test_a_server_without_headers_is_paced_by_the_window_alone():
    state = PaceState(ceiling=3, max_wait=60)
    for k in range(4):
        state.started(k, 0)
        state.finished(k, k, 200, {})
        assert state.delay(k, 0) == 0.0
    assert state.window == 3


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert math.isfinite(seconds) and seconds >= 0
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def test_pacer_hands_out_starts_in_order_at_the_rate():
    clock = FakeClock()
    pacer = Pacer(ceiling=64, max_wait=60, clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def one() -> None:
        async with pacer.slot(0) as done:
            starts.append(clock())
            done(200, headers(remaining=0, reset="1m0s"))  # 10 a second

    async def main() -> None:
        await one()
        await asyncio.gather(*(one() for _ in range(5)))

    asyncio.run(main())
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps == pytest.approx([0.1] * 5)


def test_pacer_never_stalls_on_hostile_headers():
    clock = FakeClock()
    pacer = Pacer(ceiling=4, max_wait=5, clock=clock, sleep=clock.sleep)

    async def one(hostile) -> None:
        async with pacer.slot(10) as done:
            done(429, hostile)

    hostile = [
        {"Retry-After": "1e308"},
        {"x-ratelimit-limit-requests": "nan"},
        {"Retry-After": "-1"},
        headers(limit=1, remaining=0, reset="garbage"),
        {"x-ratelimit-reset-tokens": "9" * 5000},
    ]

    async def main() -> None:
        for value in hostile * 2:
            await one(value)

    asyncio.run(main())
    assert max(clock.slept) <= 5 and clock.now <= 5 * len(hostile) * 2
