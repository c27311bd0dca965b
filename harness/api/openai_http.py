"""A direct OpenAI-compatible chat-completions client on httpx: the judge's hot path.

WHY: for OpenAI itself, vLLM, llama.cpp and every other OpenAI-compatible server a judgment is
one JSON POST to ``{api_base}/chat/completions``. Through litellm that POST costs the client
~5-8 ms of CPU (request building, the OpenAI SDK, logging and bookkeeping), which capped one event
loop near 120 requests/s and needed forked worker processes to hide it. Here it is ~2 ms: one
pooled ``httpx.AsyncClient`` per event loop, the body built with :func:`json.dumps`, the reply
read by hand. litellm still names the provider (:func:`harness.api.client.resolve_model_id`),
serves every other provider, and prices every call.

The reply is read with a cap (:func:`read_capped`): a server that sends 50 MB costs at most
``body_limit`` bytes of memory, and the reply is kept truncated with a marker
(:class:`RawReply.truncated`), never buffered whole first. Errors keep what retrying needs: the
HTTP status and the response headers (``Retry-After``), read by :mod:`harness.api.retry`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# The JSON envelope around the reply text (id, usage, model...) is well under this.
ENVELOPE_BYTES = 16 * 1024
# A JSON string may escape each character of the text as \uXXXX: 6 bytes for at most 3 of UTF-8.
ESCAPE_FACTOR = 2
# Enough of an error body to quote its message; the rest is not read.
ERROR_BODY_BYTES = 8 * 1024
OPENAI_API_BASE = "https://api.openai.com/v1"
# Connections per httpx pool (see OpenAICompatibleClient: a pool's CPU cost grows with its size).
POOL_SIZE = 8
TRUNCATION_MARKER = "\n[harness: reply truncated at {limit} bytes; the server sent more (max_reply_bytes)]"

_JSON_STRING_PREFIX = re.compile(r'(?:[^"\\]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*')
_CONTENT_KEY = re.compile(r'"content"\s*:\s*"')


class ApiHTTPError(Exception):
    """The server answered with an error status. ``status_code`` and ``headers`` (for
    ``Retry-After``) are what :mod:`harness.api.retry` reads."""

    def __init__(self, status_code: int, message: str, headers: dict[str, str]) -> None:
        super().__init__(f"HTTP {status_code}: {message}")
        self.status_code = status_code
        self.headers = headers


class RateLimitError(ApiHTTPError):
    """HTTP 429."""


class MalformedReply(ValueError):
    """A success status whose body is not a chat completion (not JSON, no choices): retried."""


@dataclass(frozen=True)
class RawReply:
    text: str
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None
    truncated: bool = False


def completions_url(api_base: str) -> str:
    """``{api_base}/chat/completions``, the path added before a query string the base may carry
    (``https://gw.example/v1?api-version=...``)."""
    parts = urlsplit(api_base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/chat/completions"))


def body_limit(max_reply_bytes: int) -> int:
    """Bytes of HTTP body read at most for a reply text of ``max_reply_bytes``."""
    return max_reply_bytes * ESCAPE_FACTOR + ENVELOPE_BYTES


def truncate_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes (on a character boundary), with the marker."""
    cut = text.encode("utf-8", errors="replace")[:limit].decode("utf-8", errors="ignore")
    return cut + TRUNCATION_MARKER.format(limit=limit)


def content_prefix(partial: bytes) -> str:
    """The beginning of ``choices[0].message.content`` from the first bytes of a chat completion
    body (cut anywhere); the raw text when no content field is visible."""
    text = partial.decode("utf-8", errors="ignore")
    match = _CONTENT_KEY.search(text)
    if match is None:
        return text
    rest = text[match.end():]
    escaped = _JSON_STRING_PREFIX.match(rest)
    try:
        decoded = json.loads('"' + (escaped.group(0) if escaped else "") + '"')
    except ValueError:
        return rest
    # a cut inside a surrogate pair leaves half of it: not encodable, so replaced
    return decoded.encode("utf-8", errors="replace").decode("utf-8")


async def read_capped(response: Any, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` (+ one network chunk) bytes of the body, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


def _error_message(raw: bytes) -> str:
    try:
        data = json.loads(raw)
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else (error or data)
        return str(message)[:300]
    except ValueError:
        return raw.decode("utf-8", errors="replace")[:300]


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_completion(raw: bytes) -> RawReply:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise MalformedReply(f"the reply is not JSON ({exc})") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
        raise MalformedReply("the reply has no choices")
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content = message.get("content")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    model = data.get("model")
    return RawReply(
        text=content if isinstance(content, str) else "",
        model=model if isinstance(model, str) and model else None,
        prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
        completion_tokens=_int_or_none(usage.get("completion_tokens")),
        finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verification (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's CA
    bundle), built once per process."""
    import httpx

    return httpx.create_ssl_context()


class OpenAICompatibleClient:
    """``await client.chat(messages, params, timeout=...)`` -> :class:`RawReply`; raises
    :class:`ApiHTTPError`, :class:`MalformedReply` or httpx's transport errors.

    Per event loop, ``ceil(concurrency / POOL_SIZE)`` ``httpx.AsyncClient`` pools of kept-alive
    connections, ``concurrency`` connections in all; each request goes to the pool with the fewest
    requests in flight, so no pool ever queues. WHY several small pools: httpcore scans every
    connection of a pool for every request it places (``is_idle``, ``has_expired``), so one pool
    of 256 connections cost 8.7 ms of CPU a request at 256 in flight, pools of 8 about 4 ms
    (1,000 judgments, 10% faults, on 2 busy cores; ``bench/judge_throughput.py``, section 4). :meth:`aclose` closes them at the end of a
    run, from that loop.
    """

    def __init__(self, *, api_base: str | None, model: str, api_key: str | None, concurrency: int,
                 max_reply_bytes: int, headers: dict[str, str] | None = None) -> None:
        self.url = completions_url(api_base or OPENAI_API_BASE)
        self.model = model
        self.max_reply_bytes = max_reply_bytes
        self.body_limit = body_limit(max_reply_bytes)
        self.concurrency = concurrency
        self._headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._pools: list[Any] = []
        self._in_flight: list[int] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def _open_pools(self) -> None:
        import httpx

        n = -(-self.concurrency // POOL_SIZE)
        size = -(-self.concurrency // n)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        # One TLS context for every pool: each builds its own otherwise, loading the CA bundle
        # (~0.1 s of CPU each). Timeouts are set per request; 60 s is only the fallback.
        tls = _tls_context()
        self._pools = [httpx.AsyncClient(limits=limits, headers=self._headers, timeout=60.0, verify=tls)
                       for _ in range(n)]
        self._in_flight = [0] * n
        self._loop = asyncio.get_running_loop()

    async def chat(self, messages: list[dict[str, str]], params: dict[str, Any], *, timeout: float) -> RawReply:
        body = json.dumps({"model": self.model, "messages": messages, **params}, ensure_ascii=False).encode("utf-8")
        if not self._pools or self._loop is not asyncio.get_running_loop():
            self._open_pools()
        in_flight = self._in_flight
        index = in_flight.index(min(in_flight)) if len(in_flight) > 1 else 0
        in_flight[index] += 1
        try:
            async with self._pools[index].stream("POST", self.url, content=body, timeout=timeout) as response:
                status = response.status_code
                if status >= 400 or status < 200:
                    raw, _ = await read_capped(response, ERROR_BODY_BYTES)
                    error = RateLimitError if status == 429 else ApiHTTPError
                    raise error(status, _error_message(raw), dict(response.headers))
                raw, overflow = await read_capped(response, self.body_limit)
        finally:
            in_flight[index] -= 1
        if overflow:
            prefix = content_prefix(raw)
            return RawReply(text=prefix, model=None, prompt_tokens=None, completion_tokens=None,
                            finish_reason=None, truncated=True)
        return parse_completion(raw)

    async def get_models(self, *, timeout: float) -> None:
        """``GET {api_base}/models``: the cheapest request that proves the endpoint is there and
        takes the key (it costs no tokens); raises :class:`ApiHTTPError` or a transport error."""
        parts = urlsplit(self.url)
        url = urlunsplit(parts._replace(path=parts.path.removesuffix("/chat/completions") + "/models"))
        if not self._pools or self._loop is not asyncio.get_running_loop():
            self._open_pools()
        async with self._pools[0].stream("GET", url, timeout=timeout) as response:
            raw, _ = await read_capped(response, ERROR_BODY_BYTES)  # a long model list is not needed
            if response.status_code >= 400 or response.status_code < 200:
                error = RateLimitError if response.status_code == 429 else ApiHTTPError
                raise error(response.status_code, _error_message(raw), dict(response.headers))

    async def aclose(self) -> None:
        pools, self._pools, self._loop = self._pools, [], None
        for pool in pools:
            await pool.aclose()
