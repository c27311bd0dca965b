"""A real OpenAI-compatible chat-completions HTTP server on 127.0.0.1, for tests and benchmarks.

Why a real server rather than a mock of litellm: the judge's behaviour that matters (concurrency,
connection reuse, retries on 429/5xx/dropped connections, ``Retry-After``, malformed bodies) lives in
the HTTP path, which mocks skip. This server answers ``POST /v1/chat/completions`` with scripted
replies after an injected latency, and injects faults at a seeded rate, so third-party plugin
authors can test their own judges and API generators offline the same way.

It runs an aiohttp application on its own event loop in a background thread: one thread serves
any number of concurrent requests (the latency is an ``asyncio.sleep``), so 16+ requests in
flight cost nothing.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

Reply = str | Sequence[str] | Callable[[dict[str, Any]], str]
FAULT_KINDS = ("429", "500", "malformed", "drop")


def _default_reply(body: dict[str, Any]) -> str:
    return "得分: 1.0\n理由: 模型回答正确。"


class ChatCompletionsServer:
    """``with ChatCompletionsServer(reply=..., latency=0.1, fault_rate=0.1) as server: server.base_url``

    ``reply``: a string, a list of strings (served in order, cycling), or a callable taking the
    request body (a dict) and returning the reply text. ``latency`` (seconds) is waited before every
    answer, faults included. ``fault_rate`` is the probability that a request gets one of
    ``faults`` (chosen uniformly, from a ``random.Random(seed)``): ``"429"`` (with ``Retry-After`` and
    ``retry-after-ms`` headers of ``retry_after`` seconds), ``"500"``, ``"malformed"`` (a 200 whose
    body is not JSON) or ``"drop"`` (the connection is closed without an answer).
    ``fail_first`` forces the first N requests to be faults (round-robin over ``faults``), for
    deterministic tests. ``model_name`` is what replies report in their ``model`` field.

    ``requests`` holds every received request body (thread-safe snapshot), ``counts`` the outcomes
    (``ok`` and each fault kind), ``max_in_flight`` the highest concurrency seen, ``connections`` the
    number of distinct client connections (to check that a client reuses them).
    """

    def __init__(
        self,
        reply: Reply | None = None,
        *,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        faults: Sequence[str] = ("429", "500"),
        fail_first: int = 0,
        retry_after: float = 0.05,
        seed: int = 0,
        model_name: str = "gpt-3.5-turbo-0125",
    ) -> None:
        unknown = set(faults) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {FAULT_KINDS}")
        if fault_rate and not faults:
            raise ValueError("fault_rate > 0 needs at least one fault kind")
        self.reply = _default_reply if reply is None else reply
        self.latency = latency
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.fail_first = fail_first
        self.retry_after = retry_after
        self.model_name = model_name
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []
        self._counts: Counter[str] = Counter()
        self._in_flight = 0
        self.max_in_flight = 0
        self._peers: set[Any] = set()
        self._reply_index = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: Any = None
        self._sock: socket.socket | None = None
        self.port: int | None = None

    # ----------------------------------------------------------------------------- public view

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not started (use it as a context manager or call start())")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._headers)

    @property
    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    @property
    def connections(self) -> int:
        """Distinct client TCP connections seen: far fewer than requests when clients reuse them."""
        with self._lock:
            return len(self._peers)

    @property
    def n_requests(self) -> int:
        with self._lock:
            return len(self._requests)

    def reset(self) -> None:
        """Forget received requests and counters (the fault RNG continues)."""
        with self._lock:
            self._requests.clear()
            self._headers.clear()
            self._counts.clear()
            self._peers.clear()
            self.max_in_flight = 0

    # ------------------------------------------------------------------------------- lifecycle

    def start(self) -> ChatCompletionsServer:
        from aiohttp import web

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/chat/completions", self._handle)
        app.router.add_get("/_stats", self._stats)
        ready = threading.Event()
        errors: list[BaseException] = []

        async def serve() -> None:
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, self._sock, backlog=1024).start()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(serve())
            except BaseException as exc:  # pragma: no cover - reported to start()
                errors.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="chat-completions-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = None

    def __enter__(self) -> ChatCompletionsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------------------------- handling

    def _next_reply(self, body: dict[str, Any]) -> str:
        if callable(self.reply):
            return self.reply(body)
        if isinstance(self.reply, str):
            return self.reply
        with self._lock:
            text = self.reply[self._reply_index % len(self.reply)]
            self._reply_index += 1
        return text

    def _choose_fault(self, index: int) -> str | None:
        if index < self.fail_first:
            return self.faults[index % len(self.faults)]
        if self.fault_rate and self._rng.random() < self.fault_rate:
            return self._rng.choice(self.faults)
        return None

    async def _handle(self, request: Any) -> Any:
        from aiohttp import web

        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            return web.json_response({"error": {"message": "request body is not JSON"}}, status=400)
        with self._lock:
            index = len(self._requests)
            self._requests.append(body)
            self._headers.append(dict(request.headers))
            if request.transport is not None:
                self._peers.add(request.transport.get_extra_info("peername"))
            fault = self._choose_fault(index)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return self._respond(fault, body, request)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._counts[fault or "ok"] += 1

    async def _stats(self, request: Any) -> Any:
        """Counters for a server run in another process (``python -m harness.testing``)."""
        from aiohttp import web

        with self._lock:
            stats = {"requests": len(self._requests), "counts": dict(self._counts),
                     "max_in_flight": self.max_in_flight, "connections": len(self._peers)}
        return web.json_response(stats)

    def _respond(self, fault: str | None, body: dict[str, Any], request: Any) -> Any:
        from aiohttp import web

        if fault == "429":
            headers = {
                "Retry-After": f"{self.retry_after:g}",
                "retry-after-ms": str(int(self.retry_after * 1000)),
            }
            error = {"error": {"message": "Rate limit reached (injected)", "type": "rate_limit_error"}}
            return web.json_response(error, status=429, headers=headers)
        if fault == "500":
            error = {"error": {"message": "Internal server error (injected)", "type": "server_error"}}
            return web.json_response(error, status=500)
        if fault == "malformed":
            return web.Response(status=200, body=b'{"id": "chatcmpl-x", "choices": [', content_type="application/json")
        if fault == "drop":
            # Abort the TCP connection with no answer at all; the response object below is never
            # written (the transport is gone), which aiohttp handles quietly.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        text = self._next_reply(body)
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
        usage = {
            "prompt_tokens": max(1, prompt_chars),
            "completion_tokens": max(1, len(text)),
            "total_tokens": max(1, prompt_chars) + max(1, len(text)),
        }
        payload = {
            "id": f"chatcmpl-{len(self._requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": usage,
        }
        return web.json_response(payload)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until killed, printing the base URL: for benchmarks that keep the server's CPU off the
    client's core, and for trying a plugin by hand (``GET /_stats`` returns the counters)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m harness.testing", description=main.__doc__)
    parser.add_argument("--reply", default=None, help="fixed reply text (default: a BELLE-style score)")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default="429,500", help="comma-separated: " + ",".join(FAULT_KINDS))
    parser.add_argument("--retry-after", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-name", default="gpt-3.5-turbo-0125")
    args = parser.parse_args(argv)
    server = ChatCompletionsServer(
        args.reply,
        latency=args.latency,
        fault_rate=args.fault_rate,
        faults=tuple(f for f in args.faults.split(",") if f),
        retry_after=args.retry_after,
        seed=args.seed,
        model_name=args.model_name,
    )
    with server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
