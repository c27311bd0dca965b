"""The direct OpenAI-compatible client's transport choices, against real local HTTP servers: a
redirect is an error that names its target (never followed, never retried), the proxy comes from
the environment (``NO_PROXY`` respected), and a ``~/.netrc`` entry for the host neither replaces
nor clashes with the API key."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.judging.conftest import make_item, run_judge

COMPLETION = {
    "id": "x",
    "model": "gpt-3.5-turbo",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "得分: 0.9"}}
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 3},
}


@contextmanager
def http_server(
    reply: tuple[int, dict[str, str], bytes], tls: Any = None
) -> Iterator[tuple[str, list[dict]]]:
    """A server answering every request with ``reply`` (status, headers, body); yields its base
    URL and the requests it saw (path as sent, headers). ``tls``: an ``ssl.SSLContext`` to serve
    HTTPS with."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            seen.append({"path": self.path, "headers": dict(self.headers)})
            status, headers, body = reply
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls is not None else 'http'}://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def judge_for(tmp_path, monkeypatch):
    from harness.judging.llm_judge import LLMJudge

    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-123456")

    def make(api_base: str, **options):
        return LLMJudge(
            api_base=api_base,
            cache_path=tmp_path / "cache.sqlite",
            progress=False,
            use_cache=False,
            **options,
        )

    return make


def test_a_redirect_is_not_followed_and_names_its_target(judge_for):
    with http_server((307, {"Location": "https://elsewhere.example/v1/chat/completions"}, b"{}")) as (
        base,
        seen,
    ):
        [judgment] = run_judge(judge_for(f"{base}/v1", max_retries=3), [make_item(0)])
    assert len(seen) == 1  # neither followed nor retried: asking again cannot change it
    assert judgment.status == "failed"
    assert (
        "HTTP 307" in judgment.reason and "https://elsewhere.example/v1/chat/completions" in judgment.reason
    )


def test_the_proxy_comes_from_the_environment(judge_for, monkeypatch):
    """The judge's host does not exist: only a proxy can answer for it."""
    with http_server((200, {}, json.dumps(COMPLETION).encode())) as (proxy, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        [judgment] = run_judge(judge_for("http://judge.invalid/v1"), [make_item(0)])
    assert judgment.status == "scored" and judgment.score == 0.9
    assert seen[0]["path"] == "http://judge.invalid/v1/chat/completions"  # the absolute form a proxy gets
    assert seen[0]["headers"]["Authorization"] == "Bearer sk-test-key-123456"


def test_no_proxy_is_respected(judge_for, monkeypatch):
    with http_server((200, {}, json.dumps(COMPLETION).encode())) as (base, seen):
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        [judgment] = run_judge(judge_for(f"{base}/v1"), [make_item(0)])
    assert judgment.status == "scored"
    assert seen[0]["path"] == "/v1/chat/completions"


def test_a_netrc_entry_neither_replaces_nor_clashes_with_the_key(judge_for, tmp_path, monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    with http_server((200, {}, json.dumps(COMPLETION).encode())) as (base, seen):
        [judgment] = run_judge(judge_for(f"{base}/v1"), [make_item(0)])
    assert judgment.status == "scored"
    assert seen[0]["headers"]["Authorization"] == "Bearer sk-test-key-123456"


def test_credentials_in_the_url_are_sent_as_basic_auth_like_httpx(judge_for):
    """A gateway behind basic auth: the URL's ``user:password@`` goes as ``Authorization: Basic``
    (percent-escapes decoded), in place of the bearer key, as httpx and the OpenAI SDK send it."""
    import base64

    with http_server((200, {}, json.dumps(COMPLETION).encode())) as (base, seen):
        [judgment] = run_judge(
            judge_for(base.replace("http://", "http://gate%40way:p%3Ass@") + "/v1"), [make_item(0)]
        )
    assert judgment.status == "scored"
    assert seen[0]["headers"]["Authorization"] == "Basic " + base64.b64encode(b"gate@way:p:ss").decode()
    assert seen[0]["path"] == "/v1/chat/completions"


BOMB = r"""
import asyncio, resource, sys, zlib
from aiohttp import web
from harness.api.openai_http import OpenAICompatibleClient

co = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
body = b"".join(co.compress(b"\0" * (1 << 20)) for _ in range(512)) + co.flush()  # 512 MiB inflated


async def handle(request):
    await request.read()
    return web.Response(body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})


async def main():
    app = web.Application()
    app.router.add_post("/v1/chat/completions", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    client = OpenAICompatibleClient(api_base=f"http://127.0.0.1:{port}/v1", model="m", api_key="k",
                                    concurrency=1, max_reply_bytes=65536)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reply = await client.chat([{"role": "user", "content": "x"}], {}, timeout=60)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    await client.aclose()
    await runner.cleanup()
    print(len(body), reply.truncated, round(grown, 1))


asyncio.run(main())
"""


@pytest.mark.slow
def test_a_compressed_bomb_is_read_only_up_to_the_cap():
    """512 MiB of zeros gzipped to ~0.5 MB: the reply is cut at the cap and memory stays flat (the
    body is inflated a chunk at a time and reading stops at the cap), in a fresh process."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", BOMB], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    compressed, truncated, grown_mb = result.stdout.split()
    assert int(compressed) < 1_000_000 and truncated == "True"
    assert float(grown_mb) < 64, f"peak RSS grew {grown_mb} MB reading a reply capped at 64 KiB"


@pytest.fixture
def tls_server_context(tmp_path, monkeypatch):
    """An HTTPS server context signed by a throwaway CA, and a function that makes the client trust
    that CA (through ``SSL_CERT_FILE``, as httpx and the OpenAI SDK read it)."""
    import ssl

    import trustme

    from harness.api import openai_http

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    openai_http._tls_context.cache_clear()  # built once per process: rebuild it for this test

    def trust() -> None:
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))

    yield context, trust
    openai_http._tls_context.cache_clear()


def test_https_with_a_trusted_certificate(judge_for, tls_server_context):
    context, trust = tls_server_context
    trust()
    with http_server((200, {}, json.dumps(COMPLETION).encode()), tls=context) as (base, seen):
        [judgment] = run_judge(judge_for(f"{base}/v1"), [make_item(0)])
    assert judgment.status == "scored" and seen[0]["headers"]["Authorization"] == "Bearer sk-test-key-123456"


def test_an_untrusted_certificate_fails_at_once_and_says_so(judge_for, tls_server_context, monkeypatch):
    """Verification is on (the system's CAs do not know the test CA), and asking again cannot
    change a certificate: one attempt, then failed with the reason."""
    context, _ = tls_server_context
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with http_server((200, {}, json.dumps(COMPLETION).encode()), tls=context) as (base, seen):
        [judgment] = run_judge(judge_for(f"{base}/v1", max_retries=3), [make_item(0)])
    assert judgment.status == "failed" and judgment.meta["attempts"] == 1
    assert "certificate" in judgment.reason.lower() and not seen, judgment.reason
