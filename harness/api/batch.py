"""OpenAI's Batch API on the judge's own HTTP transport: upload, create, poll, download.

WHY: a batch is judged at half the price of chat completions (OpenAI's Batch API; litellm's price
map lists the ``*_batches`` prices) in exchange for waiting (up to its 24 h window). The requests go
through the session of :class:`~harness.api.openai_http.OpenAICompatibleClient` (same TLS, proxy,
no redirects, credentials) under the same ``--judge-api-base``: ``POST {base}/files`` (multipart,
``purpose=batch``), ``POST {base}/batches``, ``GET {base}/batches/{id}``,
``GET {base}/files/{id}/content``. Every body read is capped; an id a server sends is used in a
URL only when it is a plain id (:func:`checked_id`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from harness.api.openai_http import (
    ERROR_BODY_BYTES,
    OpenAICompatibleClient,
    _raise_for_status,
    body_limit,
    read_capped,
)
from harness.errors import HarnessError

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
# A batch or file object is a few hundred bytes; its ``errors`` list is capped by the server.
OBJECT_BYTES = 256 * 1024
# Per result line beyond the reply itself: custom_id, request id, status, the envelope.
LINE_OVERHEAD = 4096
# OpenAI's limits on one batch's input file.
MAX_REQUESTS = 50_000
MAX_INPUT_BYTES = 200 * 1024 * 1024
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


def checked_id(value: Any, what: str) -> str:
    """``value`` when it is a plain id (letters, digits, ``_.:-``), else a :class:`HarnessError`:
    a server's id goes into a URL path and into run.json, so ``../`` or a slash never does."""
    if isinstance(value, str) and _ID.fullmatch(value) and value not in (".", ".."):
        return value
    raise HarnessError(f"the batch server sent an invalid {what} ({str(value)[:60]!r}); nothing was recorded")


def api_url(completions: str, path: str) -> str:
    """``{api_base}{path}`` from the chat-completions URL (a query string the base carries kept)."""
    parts = urlsplit(completions)
    return urlunsplit(parts._replace(path=parts.path.removesuffix("/chat/completions") + path))


def results_cap(n_requests: int, max_reply_bytes: int) -> int:
    """Bytes a results (or errors) file may have for ``n_requests`` replies of ``max_reply_bytes``."""
    return max(1, n_requests) * (body_limit(max_reply_bytes) + LINE_OVERHEAD)


def request_lines(requests: list[tuple[str, dict[str, Any]]]) -> bytes:
    """The JSONL input file: one ``{"custom_id", "method", "url", "body"}`` per request."""
    lines = (
        json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)
        for key, body in requests
    )
    return ("\n".join(lines) + "\n").encode("utf-8")


class BatchHttp:
    """The Batch API calls, each raising :class:`~harness.api.openai_http.ApiHTTPError` or a
    transport error as chat requests do; objects come back as parsed JSON dicts."""

    def __init__(self, direct: OpenAICompatibleClient, *, timeout: float) -> None:
        self.direct = direct
        self.timeout = timeout

    async def _send(self, method: str, path: str, limit: int = OBJECT_BYTES, **kwargs: Any) -> bytes:
        import aiohttp

        session = self.direct._current_session()
        async with session.request(
            method,
            api_url(self.direct.url, path),
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            **self.direct._proxy,
            **kwargs,
        ) as response:
            if not 200 <= response.status < 300:
                _raise_for_status(response, await read_capped(response, ERROR_BODY_BYTES))
            raw, overflow = await read_capped(response, limit)
        if overflow:
            raise HarnessError(
                f"the batch server's answer to {method} {path} is over {limit} bytes; not read"
            )
        return raw

    async def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        raw = await self._send(method, path, **kwargs)
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise HarnessError(f"the batch server's answer to {method} {path} is not a JSON object")
        return data

    async def upload(self, content: bytes) -> str:
        """``POST /files`` (multipart: ``purpose=batch`` and the JSONL file): the file's id."""
        import aiohttp

        writer = aiohttp.MultipartWriter("form-data")
        writer.append("batch").set_content_disposition("form-data", name="purpose")
        part = writer.append(content, {"Content-Type": "application/jsonl"})
        part.set_content_disposition("form-data", name="file", filename="harness-judge-batch.jsonl")
        data = await self._object(
            "POST", "/files", data=writer, headers={"Content-Type": writer.content_type}
        )
        return checked_id(data.get("id"), "file id")

    async def create(self, input_file_id: str) -> dict[str, Any]:
        body = {"input_file_id": input_file_id, "endpoint": ENDPOINT, "completion_window": COMPLETION_WINDOW}
        data = await self._object("POST", "/batches", data=json.dumps(body).encode("utf-8"))
        checked_id(data.get("id"), "batch id")
        return data

    async def retrieve(self, batch_id: str) -> dict[str, Any]:
        return await self._object("GET", f"/batches/{checked_id(batch_id, 'batch id')}")

    async def content(self, file_id: str, limit: int) -> bytes:
        """``GET /files/{id}/content``, at most ``limit`` bytes (more is an error, not a cut)."""
        return await self._send("GET", f"/files/{checked_id(file_id, 'file id')}/content", limit=limit)

    async def ping(self) -> None:
        """``GET /batches?limit=1``: the Batch API is there and takes the key (no tokens spent)."""
        await self._send("GET", "/batches", limit=OBJECT_BYTES, params={"limit": "1"})
