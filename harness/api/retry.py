"""Which API errors are worth retrying, and how long to wait: ``Retry-After`` first, else backoff.

The direct OpenAI-compatible client (:mod:`harness.api.openai_http`) raises
:class:`~harness.api.openai_http.ApiHTTPError` with the status and the response headers, a
:class:`~harness.api.openai_http.MalformedReply` (a ``ValueError``) for a body that is not a chat
completion, aiohttp's connection and payload errors (a refused connect, a dropped connection, a
cut body), and ``TimeoutError`` when an attempt passes its deadline. An invalid URL and a refused
TLS certificate are not retried: asking again cannot change them.
For the providers litellm serves:
Verified against litellm 1.106 on the real HTTP path (see tests/judging/test_llm_judge.py): a 429
surfaces as ``litellm.RateLimitError`` whose ``litellm_response_headers`` keep the server's
``retry-after`` / ``retry-after-ms`` (``exc.response.headers`` is emptied by litellm, so reading only
that would silently ignore the server). A 5xx, a malformed body and a dropped connection surface as
``litellm.InternalServerError`` / ``APIConnectionError``; a timeout as ``litellm.Timeout``. On
litellm's own HTTP handler (providers such as ``hosted_vllm/``, which skip the OpenAI SDK) a
malformed 200 body surfaces instead as ``litellm.APIError`` carrying status 200. litellm's
own ``num_retries`` (``acompletion_with_retries``) waits ``wait_exponential(multiplier=1, max=10)`` on
rate limits and not at all on other errors, ignoring the header, so retries are done here with
tenacity (and the OpenAI SDK's internal retries are switched off with ``max_retries=0``, so every
attempt is counted).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

from tenacity import RetryCallState
from tenacity.wait import wait_base, wait_exponential, wait_random

from harness.api.litellm_import import import_litellm
from harness.api.openai_http import ApiHTTPError, MalformedReply

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}


def _headers_of(exc: BaseException) -> list[Any]:
    """Every header mapping attached to the exception or its causes (litellm moves them around)."""
    found = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for attr in ("litellm_response_headers", "headers"):
            value = getattr(current, attr, None)
            if value:
                found.append(value)
        response = getattr(current, "response", None)
        if response is not None and getattr(response, "headers", None):
            found.append(response.headers)
        current = current.__cause__ or current.__context__
    return found


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's requested wait: ``retry-after-ms``, then ``retry-after`` (seconds or HTTP date)."""
    for headers in _headers_of(exc):
        try:
            lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
        except (TypeError, ValueError):
            continue
        if "retry-after-ms" in lowered:
            try:
                return max(0.0, float(lowered["retry-after-ms"]) / 1000.0)
            except ValueError:
                pass
        if "retry-after" in lowered:
            value = lowered["retry-after"].strip()
            try:
                return max(0.0, float(value))
            except ValueError:
                parsed = email.utils.parsedate_to_datetime(value) if value else None
                if parsed is not None:
                    return max(0.0, parsed.timestamp() - time.time())
    return None


def response_headers(exc: BaseException) -> dict[str, str] | None:
    """The first header mapping the exception carries (lower-cased names), for the pacer."""
    for headers in _headers_of(exc):
        try:
            return {str(k).lower(): str(v) for k, v in dict(headers).items()}
        except (TypeError, ValueError):
            continue
    return None


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def is_retryable(exc: BaseException) -> bool:
    """Transient: rate limits, server errors, timeouts, dropped connections, malformed bodies."""
    import aiohttp

    if isinstance(exc, ApiHTTPError):
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.ClientConnectorCertificateError)):
        return False
    if isinstance(
        exc, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError, MalformedReply)
    ):
        return True

    litellm = import_litellm()
    transient = (
        litellm.RateLimitError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.APIConnectionError,
        litellm.Timeout,
    )
    if isinstance(exc, transient):
        return True
    if isinstance(exc, (litellm.AuthenticationError, litellm.PermissionDeniedError, litellm.NotFoundError)):
        return False
    if isinstance(exc, litellm.BadRequestError):
        return False
    status = status_of(exc)
    if isinstance(exc, litellm.APIError) and status is not None and status < 400:
        # a success status with a body that is not a chat completion (truncated, not JSON): litellm's
        # own HTTP handler reports it this way, with the server's status
        return True
    if status is not None:
        return status in RETRYABLE_STATUS or status >= 500
    # Transport-level failures that escaped litellm's mapping (aiohttp/httpx/OS errors, bad JSON).
    return isinstance(exc, (ConnectionError, TimeoutError, OSError, ValueError))


class wait_retry_after_or_backoff(wait_base):
    """Wait what the server asked for (capped), else exponential backoff with jitter."""

    def __init__(self, initial: float, maximum: float, retry_after_max: float) -> None:
        # initial * 2**(attempt-1), capped, plus up to `initial` of random jitter (spreads retries out)
        self.backoff = wait_exponential(multiplier=initial, max=maximum) + wait_random(0, initial)
        self.retry_after_max = retry_after_max

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if exc is not None:
            asked = retry_after_seconds(exc)
            if asked is not None:
                return min(asked, self.retry_after_max)
        return self.backoff(retry_state)
