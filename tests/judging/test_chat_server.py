"""The OpenAI-compatible test server itself: replies, usage, faults, latency under concurrency."""

from __future__ import annotations

import time

import httpx
import pytest

from harness.testing import ChatCompletionsServer


def post(base_url: str, content: str = "hi", client: httpx.Client | None = None) -> httpx.Response:
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": content}]}
    return (client or httpx).post(f"{base_url}/chat/completions", json=body, timeout=10)


def test_scripted_replies_usage_and_model_field():
    with ChatCompletionsServer(reply=["得分: 0.1", "得分: 0.2"], model_name="gpt-3.5-turbo-0125") as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
        replies = [post(server.base_url, f"q{i}").json() for i in range(3)]
        assert [r["choices"][0]["message"]["content"] for r in replies] == [
            "得分: 0.1",
            "得分: 0.2",
            "得分: 0.1",
        ]
        assert replies[0]["model"] == "gpt-3.5-turbo-0125"
        assert replies[0]["usage"]["prompt_tokens"] > 0 and replies[0]["usage"]["completion_tokens"] > 0
        assert [r["messages"][0]["content"] for r in server.requests] == ["q0", "q1", "q2"]
        assert server.counts == {"ok": 3}


def test_callable_reply_sees_the_request():
    with ChatCompletionsServer(reply=lambda body: body["messages"][-1]["content"].upper()) as server:
        assert post(server.base_url, "abc").json()["choices"][0]["message"]["content"] == "ABC"


def test_injected_faults():
    with ChatCompletionsServer(
        fail_first=4, faults=("429", "500", "malformed", "drop"), retry_after=2
    ) as server:
        first = post(server.base_url)
        assert first.status_code == 429
        assert first.headers["Retry-After"] == "2" and first.headers["retry-after-ms"] == "2000"
        assert post(server.base_url).status_code == 500
        malformed = post(server.base_url)
        assert malformed.status_code == 200
        with pytest.raises(ValueError):
            malformed.json()
        with pytest.raises(httpx.TransportError):
            post(server.base_url)
        assert post(server.base_url).status_code == 200
        assert server.counts == {"429": 1, "500": 1, "malformed": 1, "drop": 1, "ok": 1}


def test_fault_rate_is_seeded():
    def outcomes(seed: int) -> dict[str, int]:
        with ChatCompletionsServer(fault_rate=0.3, faults=("429", "500"), seed=seed, retry_after=0) as server:
            with httpx.Client() as client:
                for _ in range(60):
                    post(server.base_url, client=client)
            return server.counts

    first = outcomes(7)
    assert first == outcomes(7)
    assert 5 <= first.get("429", 0) + first.get("500", 0) <= 35


def test_hang_fault_accepts_and_never_answers():
    with ChatCompletionsServer(fail_first=1, faults=("hang",)) as server:
        start = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            post_with_timeout(server.base_url, 0.5)
        assert 0.45 < time.perf_counter() - start < 10  # cut off by the client's timeout, not answered
        assert server.counts == {"hang": 1} and server.n_requests == 1
        assert post(server.base_url).status_code == 200  # the next request is answered
    # stop() released the hanging handler: leaving the block did not wait for it


def post_with_timeout(base_url: str, timeout: float) -> httpx.Response:
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(f"{base_url}/chat/completions", json=body, timeout=timeout)


def test_oversized_fault_streams_a_huge_valid_completion():
    with ChatCompletionsServer(
        fail_first=1, faults=("oversized",), oversized_bytes=3 * 1024 * 1024
    ) as server:
        reply = post(server.base_url)
        assert reply.status_code == 200 and len(reply.content) > 3 * 1024 * 1024
        content = reply.json()["choices"][0]["message"]["content"]
        assert content.startswith("得分: 0.9\n理由: 很长的理由。") and len(content.encode()) > 3 * 1024 * 1024
        assert server.counts == {"oversized": 1}


def test_echo_headers_fault_quotes_the_authorization_header():
    with ChatCompletionsServer(fail_first=1, faults=("echo_headers",)) as server:
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        reply = httpx.post(
            f"{server.base_url}/chat/completions",
            json=body,
            timeout=10,
            headers={"Authorization": "Bearer sk-echo-me-123456"},
        )
        content = reply.json()["choices"][0]["message"]["content"]
        assert content.startswith("得分: 1.0") and "Bearer sk-echo-me-123456" in content


def test_score_faults_and_the_score_option():
    with ChatCompletionsServer(fail_first=2, faults=("exponent_score", "nan_score"), score="0.8e1") as server:
        contents = [post(server.base_url).json()["choices"][0]["message"]["content"] for _ in range(3)]
        assert [c.splitlines()[0] for c in contents] == ["得分: 1e308", "得分: NaN", "得分: 0.8e1"]
        assert server.counts == {"exponent_score": 1, "nan_score": 1, "ok": 1}
    with pytest.raises(ValueError):
        ChatCompletionsServer(reply="得分: 1", score="1")


def test_kept_request_bodies_can_be_bounded():
    with ChatCompletionsServer(keep_requests=2) as server, httpx.Client() as client:
        for i in range(5):
            post(server.base_url, f"q{i}", client)
        assert server.n_requests == 5 and server.counts == {"ok": 5}
        assert [r["messages"][0]["content"] for r in server.requests] == ["q3", "q4"]


def test_command_line_server_documents_its_faults():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "harness.testing", "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "80", "PATH": ""},
        timeout=60,
    ).stdout
    for kind in (
        "hang",
        "oversized",
        "echo_headers",
        "exponent_score",
        "nan_score",
        "--score",
        "--keep-requests",
        "--fail-first",
    ):
        assert kind in out, kind
    assert max(len(line) for line in out.splitlines()) <= 80
