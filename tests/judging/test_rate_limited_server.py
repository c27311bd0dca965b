"""The test server's rate-limited mode (--rpm/--tpm): OpenAI's headers, token buckets, 429 with Retry-After."""

from __future__ import annotations

import time

import httpx
import pytest

from harness.api.pacing import parse_duration
from harness.testing import ChatCompletionsServer
from harness.testing.server_cli import main as server_main


def post(base_url: str, content: str = "hi", **extra) -> httpx.Response:
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": content}], **extra}
    return httpx.post(f"{base_url}/chat/completions", json=body, timeout=10)


def test_requests_bucket_headers_and_429_when_over():
    with ChatCompletionsServer(rpm=3) as server:
        replies = [post(server.base_url) for _ in range(4)]
        assert [r.status_code for r in replies] == [200, 200, 200, 429]
        first = replies[0].headers
        assert first["x-ratelimit-limit-requests"] == "3" and first["x-ratelimit-remaining-requests"] == "2"
        assert 15 <= parse_duration(first["x-ratelimit-reset-requests"]) <= 20  # one request back in 20 s
        over = replies[3].headers
        assert over["x-ratelimit-remaining-requests"] == "0"
        assert int(over["Retry-After"]) >= 15 and 15_000 <= int(over["retry-after-ms"]) <= 20_000
        assert server.counts == {"ok": 3, "rate_limited": 1}


def test_tokens_bucket_charges_prompt_and_max_tokens():
    with ChatCompletionsServer(tpm=100) as server:
        ok = post(server.base_url, "x" * 40, max_tokens=20)
        assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining-tokens"] == "40"
        assert "x-ratelimit-limit-requests" not in ok.headers
        assert post(server.base_url, "x" * 50).status_code == 429


def test_bucket_refills_at_the_limit_a_minute():
    with ChatCompletionsServer(rpm=1200, bucket_fill=0) as server:  # 20 a second, empty at the start
        assert post(server.base_url).status_code == 429
        time.sleep(0.12)
        assert post(server.base_url).status_code == 200


@pytest.mark.parametrize("bad", [["--rpm", "0"], ["--tpm", "-5"]])
def test_server_refuses_a_limit_below_one(bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        server_main(bad)
    assert exit_info.value.code == 2 and "at least 1" in capsys.readouterr().err
