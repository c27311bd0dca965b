"""A real OpenAI-compatible chat-completions HTTP server on 127.0.0.1, for tests and benchmarks.

Why a real server rather than a mock of litellm: the judge's behaviour that matters (concurrency,
connection reuse, retries on 429/5xx/dropped connections, ``Retry-After``, malformed bodies) lives in
the HTTP path, which mocks skip. This server answers ``POST /v1/chat/completions`` with scripted
replies after an injected latency (and ``GET /v1/models`` with one model, for preflight checks), and injects faults at a seeded rate, so third-party plugin
authors can test their own judges and API generators offline the same way. It also serves the
Batch API (``/v1/files``, ``/v1/batches``: :mod:`harness.testing.batch_api`).

It runs an aiohttp application on its own event loop in a background thread: one thread serves
any number of concurrent requests (the latency is an ``asyncio.sleep``), so 16+ requests in
flight cost nothing. Its memory stays flat however many requests it serves when
``keep_requests`` bounds the bodies it keeps (``python -m harness.testing`` keeps none).

Faults (``faults=``, injected at ``fault_rate``, on the first ``fail_first`` requests, or on every
request after the first ``fail_after``: a server that goes down mid-run):

* ``429``: rate limited, with ``Retry-After`` and ``retry-after-ms`` headers;
* ``500``: a server error;
* ``malformed``: a 200 whose body is not JSON;
* ``drop``: the connection is closed without an answer;
* ``hang``: the request is accepted and never answered (until the client gives up or the
  server stops): a client without a deadline waits forever;
* ``oversized``: a 200 chat completion whose reply text is ``oversized_bytes`` long (50 MB by
  default), streamed, starting with a valid score: a client must cap what it reads;
* ``echo_headers``: a 200 whose reply text quotes every request header, ``Authorization``
  included: whatever a client keeps must have its secrets scrubbed;
* ``exponent_score``: a 200 whose reply scores ``得分: 1e308``, a number written with an exponent
  and far outside any scale: a parser that drops exponents reads 1, a careful judge rejects it;
* ``nan_score``: a 200 whose reply scores ``得分: NaN``: never a number a judge may report.

Rate limits (``rpm=``/``tpm=``, ``--rpm N``/``--tpm N``): token buckets of N requests / tokens a
minute (:mod:`harness.testing.rate_limits`), ``bucket_fill`` full at the first request; every answer
carries OpenAI's ``x-ratelimit-*`` headers, and a request over a limit is answered 429 at once,
with ``Retry-After``, counted as ``rate_limited``.

``score=`` (``--score``) sets the score the normal reply gives (``0.8e1``, ``1e-9``, ``-0.5``,
``１．０``...), to try a judge's parser and range check on any number without writing a reply.

A hostile or broken server, field by field: ``model_name``, ``finish_reason`` and
``error_message`` (the message of the injected ``500`` and of a failed batch) are sent as given,
and ``usage`` replaces
the token counts the server reports (``{"prompt_tokens": -5}``, ``{"completion_tokens": NaN}``):
a client must scrub every string it keeps and must not price nonsense.

A judge that changes behind its name: ``fingerprint`` is the ``system_fingerprint`` every reply
sends (none by default), and ``fingerprint_after=(N, "fp_b")`` sends ``fp_b`` from request N+1 on
(``--fingerprint fp_a --fingerprint-after N fp_b``); ``echo_model`` answers as the model the
request asked for (a jury of several judge models on one server).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from typing import Any, Self

from harness.testing.batch_api import BatchApi
from harness.testing.rate_limits import RateLimits, charged_tokens
from harness.testing.replies import NoReplyMatches

Reply = str | Sequence[str] | Callable[[dict[str, Any]], str]
FAULT_KINDS = (
    "429",
    "500",
    "malformed",
    "drop",
    "hang",
    "oversized",
    "echo_headers",
    "exponent_score",
    "nan_score",
)
# the replies of the score faults: well-formed completions whose score no judge may accept
SCORE_FAULT_REPLIES = {
    "exponent_score": "得分: 1e308\n理由: 模型回答正确。",
    "nan_score": "得分: NaN\n理由: 模型回答正确。",
}
OVERSIZED_BYTES = 50 * 1024 * 1024
OVERSIZED_FILLER = "很长的理由。"


def _default_reply(body: dict[str, Any]) -> str:
    return "得分: 1.0\n理由: 模型回答正确。"


def score_reply(score: str) -> Callable[[dict[str, Any]], str]:
    """The normal BELLE-style reply with ``score`` written as given (``score=`` / ``--score``)."""

    def reply(body: dict[str, Any]) -> str:
        return f"得分: {score}\n理由: 模型回答正确。"

    return reply


class ChatCompletionsServer:
    """``with ChatCompletionsServer(reply=..., latency=0.1, fault_rate=0.1) as server: server.base_url``

    ``reply``: a string, a list of strings (served in order, cycling), or a callable taking the
    request body (a dict) and returning the reply text, such as a :class:`~harness.testing.Replies`
    script (replies picked by the prompt; one that raises :class:`NoReplyMatches` gets a 400).
    ``latency`` (seconds) is waited before every answer, faults included. ``fault_rate`` is the probability that a request gets one of
    ``faults`` (chosen uniformly, from a ``random.Random(seed)``), see :data:`FAULT_KINDS` and the
    module docstring: ``"429"`` (with ``Retry-After`` and ``retry-after-ms`` headers of
    ``retry_after`` seconds), ``"500"``, ``"malformed"``, ``"drop"``, ``"hang"``, ``"oversized"``
    (a reply text of ``oversized_bytes``), ``"echo_headers"``, ``"exponent_score"`` or ``"nan_score"``.
    ``score`` (used when ``reply`` is not given) is the score the normal reply writes. ``fail_first`` forces the first N
    requests to be faults (round-robin over ``faults``), for deterministic tests; ``fail_after`` makes
    every request after the first N a fault (a server going down mid-run). ``model_name`` is
    what replies report in their ``model`` field, ``finish_reason`` their finish reason; ``usage``
    replaces the token counts they report (any value, NaN included); ``error_message`` is the
    message of the injected ``500``. ``port`` is the port to listen on (0, the default: a free one;
    :attr:`base_url` says which); ``rpm``/``tpm``: rate limits a minute, enforced with 429s and
    told in ``x-ratelimit-*`` headers, the buckets ``bucket_fill`` full at the start.

    ``requests`` holds the received request bodies (thread-safe snapshot; the last
    ``keep_requests`` of them when that is set, all by default), ``request_headers`` their headers,
    ``n_requests`` the count of every request, ``counts`` the outcomes (``ok`` and each fault kind;
    a hang is counted when it starts), ``max_in_flight`` the highest concurrency seen,
    ``connections`` the number of distinct client connections (to check that a client reuses them).
    """

    def __init__(
        self,
        reply: Reply | None = None,
        *,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        faults: Sequence[str] = ("429", "500"),
        fail_first: int = 0,
        fail_after: int | None = None,
        retry_after: float = 0.05,
        seed: int = 0,
        model_name: str = "gpt-3.5-turbo-0125",
        oversized_bytes: int = OVERSIZED_BYTES,
        keep_requests: int | None = None,
        score: str | None = None,
        finish_reason: str = "stop",
        usage: dict[str, Any] | None = None,
        error_message: str = "Internal server error (injected)",
        batch_outcome: str = "completed",
        batch_polls: int = 2,
        port: int = 0,
        rpm: int | None = None,
        tpm: int | None = None,
        bucket_fill: float = 1.0,
        fingerprint: str | None = None,
        fingerprint_after: tuple[int, str] | None = None,
        echo_model: bool = False,
    ) -> None:
        unknown = set(faults) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {FAULT_KINDS}")
        if fault_rate and not faults:
            raise ValueError("fault_rate > 0 needs at least one fault kind")
        if reply is not None and score is not None:
            raise ValueError("give reply or score, not both")
        self.reply = (
            reply if reply is not None else (score_reply(score) if score is not None else _default_reply)
        )
        self.latency = latency
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.fail_first = fail_first
        self.fail_after = fail_after
        self.retry_after = retry_after
        self.model_name = model_name
        self.finish_reason = finish_reason
        self.usage = dict(usage or {})
        self.error_message = error_message

        self.batch = BatchApi(self, outcome=batch_outcome, polls=batch_polls)  # /v1/files and /v1/batches
        self.fingerprint = fingerprint
        self.fingerprint_after = fingerprint_after
        self.echo_model = echo_model
        self._rng = random.Random(seed)
        self.rate_limits = (
            RateLimits(rpm=rpm, tpm=tpm, fill=bucket_fill) if rpm is not None or tpm is not None else None
        )
        self._lock = threading.Lock()
        self.oversized_bytes = oversized_bytes
        self._requests: deque[dict[str, Any]] = deque(maxlen=keep_requests)
        self._headers: deque[dict[str, str]] = deque(maxlen=keep_requests)
        self._n_requests = 0
        self._closing: asyncio.Event | None = None
        self._counts: Counter[str] = Counter()
        self._in_flight = 0
        self.max_in_flight = 0
        self._peers: set[Any] = set()
        self._reply_index = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: Any = None
        self._sock: socket.socket | None = None
        self.requested_port = port
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
            return self._n_requests

    def reset(self) -> None:
        """Forget received requests and counters (the fault RNG continues)."""
        with self._lock:
            self._requests.clear()
            self._headers.clear()
            self._n_requests = 0
            self._counts.clear()
            self._peers.clear()
            self.max_in_flight = 0

    # ------------------------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        from aiohttp import web

        self._sock = sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind(("127.0.0.1", self.requested_port))
        except OSError:
            self._sock.close()
            raise
        self.port = self._sock.getsockname()[1]
        self._loop = loop = asyncio.new_event_loop()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/chat/completions", self._handle)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/models", self._models)
        app.router.add_get("/_stats", self._stats)
        self.batch.add_routes(app)
        ready = threading.Event()
        errors: list[BaseException] = []

        async def serve() -> None:
            self._closing = asyncio.Event()
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, sock, backlog=1024).start()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(serve())
            except BaseException as exc:  # pragma: no cover - reported to start()
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

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
            if self._closing is not None:
                self._closing.set()  # release every hanging request
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
        if self.fail_after is not None and index >= self.fail_after:
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
            index = self._n_requests
            self._n_requests += 1
            if self._requests.maxlen != 0:
                self._requests.append(body)
                self._headers.append(dict(request.headers))
            if request.transport is not None:
                self._peers.add(request.transport.get_extra_info("peername"))
            fault = self._choose_fault(index)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            if fault == "hang":
                self._counts[fault] += 1
        limited: dict[str, str] | None = None
        try:
            if self.rate_limits is not None and fault is None:
                allowed, limited = self.rate_limits.take(time.monotonic(), charged_tokens(body))
                if not allowed:
                    fault = "rate_limited"
                    return self._over_limit(limited)
            if self.latency:
                await asyncio.sleep(self.latency)
            if fault == "hang":
                assert self._closing is not None  # serve() sets it before the first request
                await self._closing.wait()
                return web.Response(status=503)
            if fault == "oversized":
                return await self._oversized(request, body)
            response = self._respond(fault, body, request)
            response.headers.update(limited or {})
            return response
        finally:
            with self._lock:
                self._in_flight -= 1
                if fault != "hang":
                    self._counts[fault or "ok"] += 1

    def _over_limit(self, headers: dict[str, str]) -> Any:
        from aiohttp import web

        error = {
            "error": {
                "message": "Rate limit reached (harness.testing --rpm/--tpm)",
                "type": "requests",
                "code": "rate_limit_exceeded",
            }
        }
        return web.json_response(error, status=429, headers=headers)

    async def _models(self, request: Any) -> Any:
        """``GET /v1/models``, as OpenAI-compatible servers answer it: what ``harness run``'s
        preflight asks before generating. Not counted in :attr:`n_requests` and never a fault:
        those are about chat completions."""
        from aiohttp import web

        return web.json_response(
            {
                "object": "list",
                "data": [{"id": self.model_name, "object": "model", "owned_by": "harness.testing"}],
            }
        )

    async def _stats(self, request: Any) -> Any:
        """Counters for a server run in another process (``python -m harness.testing``)."""
        from aiohttp import web

        with self._lock:
            stats = {
                "requests": self._n_requests,
                "counts": dict(self._counts),
                "max_in_flight": self.max_in_flight,
                "connections": len(self._peers),
            }
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
            error = {"error": {"message": self.error_message, "type": "server_error"}}
            return web.json_response(error, status=500)
        if fault == "malformed":
            return web.Response(
                status=200, body=b'{"id": "chatcmpl-x", "choices": [', content_type="application/json"
            )
        if fault == "drop":
            # Abort the TCP connection with no answer at all; the response object below is never
            # written (the transport is gone), which aiohttp handles quietly.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        if fault == "echo_headers":
            text = "得分: 1.0\n理由: 请求头 " + json.dumps(dict(request.headers), ensure_ascii=False)
        elif fault in SCORE_FAULT_REPLIES:
            text = SCORE_FAULT_REPLIES[fault]
        else:
            try:
                text = self._next_reply(body)
            except NoReplyMatches as exc:
                error = {"error": {"message": str(exc), "type": "invalid_request_error"}}
                return web.json_response(error, status=400)
        return web.json_response(self._completion(text, body))

    def _fingerprint(self) -> str | None:
        """The ``system_fingerprint`` for the request being answered (counted from 1)."""
        if self.fingerprint_after is not None and self._n_requests > self.fingerprint_after[0]:
            return self.fingerprint_after[1]
        return self.fingerprint

    def _completion(self, text: str, body: dict[str, Any]) -> dict[str, Any]:
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
        usage = {
            "prompt_tokens": max(1, prompt_chars),
            "completion_tokens": max(1, len(text)),
            "total_tokens": max(1, prompt_chars) + max(1, len(text)),
        }
        usage.update(self.usage)
        asked = body.get("model")
        completion = {
            "id": f"chatcmpl-{self._n_requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": asked if self.echo_model and isinstance(asked, str) else self.model_name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": usage,
        }
        fingerprint = self._fingerprint()
        if fingerprint is not None:
            completion["system_fingerprint"] = fingerprint
        return completion

    async def _oversized(self, request: Any, body: dict[str, Any]) -> Any:
        """A chat completion with a reply text of ``oversized_bytes``, streamed in 64 KB pieces
        (the server never holds it whole); stops quietly when the client hangs up."""
        from aiohttp import web

        marker = "@@FILL@@"
        head, tail = json.dumps(
            self._completion("得分: 0.9\n理由: " + marker, body), ensure_ascii=False
        ).split(marker)
        filler = (OVERSIZED_FILLER * (64 * 1024 // len(OVERSIZED_FILLER.encode("utf-8")))).encode("utf-8")
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        try:
            await response.prepare(request)
            await response.write(head.encode("utf-8"))
            sent = 0
            while sent < self.oversized_bytes:
                await response.write(filler)
                sent += len(filler)
            await response.write(tail.encode("utf-8"))
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading: what a careful client does
        return response
