"""The test server answers concurrent requests concurrently: its latency overlaps, measured on the
wall clock (so this runs alone: other tests on the cores would stretch it)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from harness.testing import ChatCompletionsServer

pytestmark = pytest.mark.serial


def post(base_url: str, content: str, client: httpx.Client) -> httpx.Response:
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": content}]}
    return client.post(f"{base_url}/chat/completions", json=body, timeout=10)


def test_latency_overlaps_across_concurrent_requests():
    with (
        ChatCompletionsServer(latency=0.2) as server,
        httpx.Client(limits=httpx.Limits(max_connections=32)) as client,
    ):
        post(server.base_url, "warm", client)
        start = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            responses = list(pool.map(lambda i: post(server.base_url, str(i), client), range(32)))
        elapsed = time.perf_counter() - start
        assert all(r.status_code == 200 for r in responses)
        assert server.max_in_flight >= 12
        assert elapsed < 1.2, elapsed  # 2 waves of 0.2 s; serial would take 6.4 s
