"""The LLM judge's preflight against real HTTP servers on 127.0.0.1: what each answer means.

The test server passes with one ``GET /v1/models`` (no chat request, so no token spent); a server
that refuses the key (401), one that serves no chat API there (404 on both ``/models`` and the
1-token fallback completion), one without ``/models`` but with chat completions (passes through the
fallback), and one that accepts the connection and never answers (times out) -- each is a
:class:`UsageError` that names the endpoint and says what to do, or a pass.
"""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from harness.errors import UsageError
from harness.judging.llm_judge import LLMJudge
from harness.testing import ChatCompletionsServer

KEY = "sk-test-preflight-abcdefghijkl"


class _Server:
    """A tiny HTTP server whose answer to each request is ``respond(method, path) -> (status, body)``."""

    def __init__(self, respond):
        outer = self
        self.seen: list[tuple[str, str]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                outer.seen.append((method, self.path))
                status, body = respond(method, self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server's name
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                self._answer("POST")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    made = []

    def start(respond):
        made.append(_Server(respond))
        return made[-1]

    yield start
    for s in made:
        s.close()


def _judge(api_base: str, tmp_path, monkeypatch) -> LLMJudge:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return LLMJudge(api_base=api_base, use_cache=False, cache_path=tmp_path / "cache.sqlite", progress=False)


def test_the_test_server_passes_without_a_chat_request(tmp_path, monkeypatch):
    with ChatCompletionsServer() as chat:
        _judge(chat.base_url, tmp_path, monkeypatch).preflight(timeout=5)
        assert chat.n_requests == 0


def test_refused_key(server, tmp_path, monkeypatch):
    s = server(lambda method, path: (401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    with pytest.raises(UsageError) as info:
        _judge(s.url, tmp_path, monkeypatch).preflight(timeout=5)
    message = str(info.value)
    assert f"{s.url} refused the API key" in message and "OPENAI_API_KEY" in message
    assert KEY not in message  # the server echoed the key: scrubbed
    assert s.seen == [("GET", "/v1/models")]


def test_no_chat_api_there(server, tmp_path, monkeypatch):
    s = server(lambda method, path: (404, {"error": {"message": "not found"}}))
    with pytest.raises(UsageError) as info:
        _judge(s.url, tmp_path, monkeypatch).preflight(timeout=5)
    assert f"{s.url} has no chat API for model 'gpt-3.5-turbo'" in str(info.value)
    assert "/v1" in str(info.value.hint)
    assert s.seen == [("GET", "/v1/models"), ("POST", "/v1/chat/completions")]


def test_server_without_models_route_passes_on_a_one_token_completion(server, tmp_path, monkeypatch):
    completion = {
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "p"}, "finish_reason": "length"}
        ],
        "model": "m",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1},
    }
    s = server(
        lambda method, path: (200, completion) if method == "POST" else (404, {"error": "no such route"})
    )
    _judge(s.url, tmp_path, monkeypatch).preflight(timeout=5)
    assert s.seen == [("GET", "/v1/models"), ("POST", "/v1/chat/completions")]


def test_a_server_that_never_answers_times_out(server, tmp_path, monkeypatch):
    def hang(method, path):
        time.sleep(30)
        return 200, {}

    s = server(hang)
    started = time.monotonic()
    with pytest.raises(UsageError) as info:
        _judge(s.url, tmp_path, monkeypatch).preflight(timeout=1)
    assert time.monotonic() - started < 10
    assert f"cannot reach {s.url}" in str(info.value) and "no reply within 1 s" in str(info.value)
    assert "--no-preflight" in str(info.value.hint)
