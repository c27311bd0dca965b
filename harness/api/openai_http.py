"""A direct OpenAI-compatible chat-completions client on aiohttp: the judge's hot path.

WHY: for OpenAI itself, vLLM, llama.cpp and every other OpenAI-compatible server a judgment is
one JSON POST to ``{api_base}/chat/completions``. Through litellm that POST costs the client
~5-8 ms of CPU (request building, the OpenAI SDK, logging and bookkeeping), which capped one event
loop near 120 requests/s and needed forked worker processes to hide it. Here it is about 1 ms,
everything included: one pooled ``aiohttp.ClientSession`` per event loop, the body built with
:func:`json.dumps`, the reply read by hand. litellm still names the provider
(:func:`harness.api.client.resolve_model`), serves every other provider, and prices every call.

The reply is read with a cap (:func:`read_capped`): a server that sends 50 MB costs at most
``body_limit`` bytes of memory, and the reply is kept truncated with a marker
(:class:`RawReply.truncated`), never buffered whole first. Errors keep what retrying needs: the
HTTP status and the response headers (``Retry-After``), read by :mod:`harness.api.retry`.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import re
import ssl
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from harness.api.cost import token_count

# The JSON envelope around the reply text (id, usage, model...) is well under this.
ENVELOPE_BYTES = 16 * 1024
# A JSON string may escape each character of the text as \uXXXX: 6 bytes for at most 3 of UTF-8.
ESCAPE_FACTOR = 2
# Enough of an error body to quote its message; the rest is not read.
ERROR_BODY_BYTES = 8 * 1024
OPENAI_API_BASE = "https://api.openai.com/v1"
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
    usage_problem: str | None = None  # token counts that are not counts (see harness.api.cost.token_count)
    rate_headers: dict[str, str] | None = None  # the x-ratelimit-* headers, for harness.api.pacing
    fingerprint: str | None = (
        None  # the provider's ``system_fingerprint`` (its backend configuration), if sent
    )


def rate_headers(headers: Any) -> dict[str, str]:
    """The ``x-ratelimit-*`` headers of a reply (at most 16, values cut to 64 characters)."""
    found = {
        str(k).lower(): str(v)[:64] for k, v in headers.items() if str(k).lower().startswith("x-ratelimit-")
    }
    return dict(list(found.items())[:16])


def completions_url(api_base: str) -> str:
    """``{api_base}/chat/completions``, the path added before a query string the base may carry
    (``https://gw.example/v1?api-version=...``)."""
    parts = urlsplit(api_base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/chat/completions"))


def split_credentials(url: str) -> tuple[str, str | None]:
    """``url`` without its ``user:password@`` part, and that part as an ``Authorization: Basic``
    value (``None`` when there is none). WHY: httpx, and so the OpenAI SDK and litellm's OpenAI
    route, send a URL's credentials as Basic auth in place of the bearer key (a gateway behind
    basic auth); aiohttp would refuse the URL beside an Authorization header instead."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])), f"Basic {token}"


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
    rest = text[match.end() :]
    escaped = _JSON_STRING_PREFIX.match(rest)
    try:
        decoded = json.loads('"' + (escaped.group(0) if escaped else "") + '"')
    except ValueError:
        return rest
    # a cut inside a surrogate pair leaves half of it: not encodable, so replaced
    return decoded.encode("utf-8", errors="replace").decode("utf-8")


async def read_capped(response: Any, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` (+ one network chunk) bytes of an aiohttp response's body, and whether
    there was more; the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
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


def parse_completion(raw: bytes) -> RawReply:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise MalformedReply(f"the reply is not JSON ({exc})") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict):
        raise MalformedReply("the reply has no choices")
    choice = choices[0]
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
    content = message.get("content")
    usage = data.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    model = data.get("model")
    fingerprint = data.get("system_fingerprint")
    return RawReply(
        text=content if isinstance(content, str) else "",
        model=model if isinstance(model, str) and model else None,
        fingerprint=fingerprint if isinstance(fingerprint, str) and fingerprint else None,
        finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
        **usage_fields(usage.get("prompt_tokens"), usage.get("completion_tokens")),
    )


def usage_fields(prompt: Any, completion: Any) -> dict[str, Any]:
    """A reply's token counts as :class:`RawReply` fields; counts that are not counts are
    dropped and said (``usage_problem``), so the reply's cost is unknown, never negative."""
    prompt_tokens, prompt_problem = token_count("prompt_tokens", prompt)
    completion_tokens, completion_problem = token_count("completion_tokens", completion)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "usage_problem": prompt_problem or completion_problem,
    }


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The certificate verification httpx and the OpenAI SDK use (``SSL_CERT_FILE``,
    ``SSL_CERT_DIR``, else certifi's CA bundle), built once per process and only for an https
    endpoint (loading the bundle costs ~0.1 s of CPU)."""
    import httpx

    return httpx.create_ssl_context()


def env_proxy(url: str) -> dict[str, Any]:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``,
    minus ``NO_PROXY``), as aiohttp's ``proxy``/``proxy_auth`` request arguments; ``{}`` for none."""
    from aiohttp.helpers import get_env_proxy_for_url
    from yarl import URL

    try:
        proxy, proxy_auth = get_env_proxy_for_url(URL(url))
    except LookupError:
        return {}
    return {"proxy": proxy, "proxy_auth": proxy_auth}


class OpenAICompatibleClient:
    """``await client.chat(messages, params, timeout=...)`` -> :class:`RawReply`; raises
    :class:`ApiHTTPError`, :class:`MalformedReply`, ``TimeoutError`` or aiohttp's
    :class:`aiohttp.ClientError` (a dropped connection, a refused connect, a cut body).

    One ``aiohttp.ClientSession`` per event loop, with up to ``concurrency`` kept-alive
    connections, opened by the first request and closed by :meth:`aclose` from that loop at the
    end of a run. WHY aiohttp and not httpx: the same 1,000 judgments at concurrency 16 cost
    ~1.3 ms of client CPU and 106 ms a request through a bare ``httpx.AsyncClient`` (its pool
    scans every connection for each request it places) and ~0.4 ms and 104 ms through aiohttp
    against a server answering in 100 ms (``bench/judge_throughput.py``); the added latency is
    what keeps one event loop from the ideal wall time. Like httpx's default client it takes
    its proxy from the environment (:func:`env_proxy`) and follows no redirect: a 3xx is an error
    that names where the server points.
    """

    def __init__(
        self,
        *,
        api_base: str | None,
        model: str,
        api_key: str | None,
        concurrency: int,
        max_reply_bytes: int,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url, basic_auth = split_credentials(completions_url(api_base or OPENAI_API_BASE))
        self.model = model
        self.max_reply_bytes = max_reply_bytes
        self.body_limit = body_limit(max_reply_bytes)
        self.concurrency = concurrency
        self._headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        if basic_auth:  # credentials in the URL win, as with httpx and the OpenAI SDK
            self._headers["Authorization"] = basic_auth
        elif api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._session: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxy: dict[str, Any] = {}

    def _open_session(self) -> Any:
        import aiohttp

        secure = urlsplit(self.url).scheme == "https"
        connector = aiohttp.TCPConnector(
            limit=max(1, self.concurrency), ssl=_tls_context() if secure else True
        )
        # Timeouts are set per request; this is only the fallback. trust_env stays off: it would
        # look the proxy and ~/.netrc up again in a thread for every request (two thread hops, a
        # few ms of latency each under load), and a netrc entry would clash with the
        # Authorization header; the proxy is looked up once here instead.
        self._session = aiohttp.ClientSession(
            connector=connector, headers=self._headers, timeout=aiohttp.ClientTimeout(total=60.0)
        )
        self._proxy = env_proxy(self.url)
        self._loop = asyncio.get_running_loop()
        return self._session

    def _current_session(self) -> Any:
        if self._session is None or self._loop is not asyncio.get_running_loop():
            return self._open_session()
        return self._session

    async def chat(
        self, messages: list[dict[str, str]], params: dict[str, Any], *, timeout: float
    ) -> RawReply:
        import aiohttp

        body = json.dumps({"model": self.model, "messages": messages, **params}, ensure_ascii=False).encode(
            "utf-8"
        )
        session = self._current_session()
        async with session.post(
            self.url,
            data=body,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=False,
            **self._proxy,
        ) as response:
            if not 200 <= response.status < 300:
                _raise_for_status(response, await read_capped(response, ERROR_BODY_BYTES))
            raw, overflow = await read_capped(response, self.body_limit)
            limits = rate_headers(response.headers)
        if overflow:
            prefix = content_prefix(raw)
            return RawReply(
                text=prefix,
                model=None,
                prompt_tokens=None,
                completion_tokens=None,
                finish_reason=None,
                truncated=True,
                rate_headers=limits,
            )
        return replace(parse_completion(raw), rate_headers=limits)

    async def get_models(self, *, timeout: float) -> None:
        """``GET {api_base}/models``: the cheapest request that proves the endpoint is there and
        takes the key (it costs no tokens); raises :class:`ApiHTTPError` or a transport error."""
        import aiohttp

        parts = urlsplit(self.url)
        url = urlunsplit(parts._replace(path=parts.path.removesuffix("/chat/completions") + "/models"))
        session = self._current_session()
        async with session.get(
            url, timeout=aiohttp.ClientTimeout(total=timeout), allow_redirects=False, **self._proxy
        ) as response:
            raw = await read_capped(response, ERROR_BODY_BYTES)  # a long model list is not needed
            _raise_for_status(response, raw)

    async def aclose(self) -> None:
        session, self._session, self._loop = self._session, None, None
        if session is not None:
            await session.close()


def _raise_for_status(response: Any, raw: tuple[bytes, bool]) -> None:
    """:class:`ApiHTTPError` (or :class:`RateLimitError`) for a status outside 2xx, quoting the
    body's message; a redirect names its target."""
    status = response.status
    if 200 <= status < 300:
        return
    message = _error_message(raw[0])
    if 300 <= status < 400:
        target = response.headers.get("Location", "?")
        message = f"redirected to {target}; give the final address as the API base ({message})"
    error = RateLimitError if status == 429 else ApiHTTPError
    raise error(status, message, dict(response.headers))
