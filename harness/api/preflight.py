"""Is a chat API there, and does it take our key? One cheap request before a long run depends on it.

Why: a judge's endpoint is otherwise first used after every answer has been generated, which can
be an hour in; a missing key, a typo in ``--judge-api-base`` or a server that is down would only
show then. :func:`check_endpoint` sends one request (``GET /models`` on OpenAI-compatible
endpoints, which costs no tokens; a 1-token completion for other providers, see
:meth:`ChatClient.ping`) and turns what went wrong into a :class:`UsageError` that says what to do.

What counts as "there": any answer that shows the server understood an authenticated request --
2xx, and also 400/422 (a model that rejects ``max_tokens=1``) and 429 (rate limits are retried
during the run). A refused key (401/403), a wrong address (404), a server error (5xx), no
connection or no answer within ``timeout`` stop the run.
"""

from __future__ import annotations

from typing import Any

from harness.api.client import ChatClient
from harness.api.openai_http import OPENAI_API_BASE
from harness.api.runner import run_sync
from harness.api.secrets import PROVIDER_KEY_ENV, redact_url
from harness.errors import UsageError

# Statuses that prove the endpoint is there and took the request's credentials.
ANSWERED = frozenset({400, 422, 429})
# litellm's exception classes for "no answer at all" (they carry a made-up status 500)
NO_ANSWER = frozenset(
    {
        "APIConnectionError",
        "Timeout",
        "RequestTimeout",
        "ConnectError",
        "ConnectTimeout",
        "ReadTimeout",
        "RemoteProtocolError",
    }
)
SKIP_HINT = "To start anyway (the judgments will fail and can be retried later), add --no-preflight."


def endpoint_label(client: ChatClient) -> str:
    """Where the client's requests go, for a message: the URL (password removed) or the provider."""
    if client.settings.api_base:
        return redact_url(client.settings.api_base) or client.settings.api_base
    return OPENAI_API_BASE if client.direct is not None else f"{client.provider} (litellm's default endpoint)"


def _status(exc: BaseException) -> int | None:
    value = getattr(exc, "status_code", None)
    return value if isinstance(value, int) else None


def _reason(client: ChatClient, exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return client.scrub(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:300]


def problem(client: ChatClient, exc: BaseException, *, what: str, option: str) -> UsageError | None:
    """The usage error ``exc`` (raised by :meth:`ChatClient.ping`) means, or ``None`` if the
    endpoint answered well enough."""
    where = endpoint_label(client)
    status = _status(exc)
    name = type(exc).__name__
    reason = _reason(client, exc)
    key_env = client.settings.api_key_env or PROVIDER_KEY_ENV.get(client.provider)
    if name in NO_ANSWER or status is None:
        if name == "MalformedReply":
            return None  # a 200 whose body we could not read: the server is there
        return UsageError(
            f"{what}: cannot reach {where} ({reason})",
            hint=f"Check that the server is running and the address is right ({option} or OPENAI_BASE_URL); "
            f"model {client.settings.model!r}.\n{SKIP_HINT}",
        )
    if status in ANSWERED or 200 <= status < 300:
        return None
    if status in (401, 403):
        env = f"Set a valid key in {key_env}" if key_env else "Check the provider's credentials"
        return UsageError(
            f"{what}: {where} refused the API key ({reason})",
            hint=f"{env} (keys are read from the environment only).\n{SKIP_HINT}",
        )
    if status == 404:
        return UsageError(
            f"{what}: {where} has no chat API for model {client.settings.model!r} ({reason})",
            hint=f"Check {option} (an OpenAI-compatible base URL usually ends in /v1) and --judge-model.\n{SKIP_HINT}",
        )
    return UsageError(
        f"{what}: {where} answered with an error ({reason})",
        hint=f"Try again when the server is healthy.\n{SKIP_HINT}",
    )


def check_endpoint(
    client: ChatClient, *, timeout: float = 10.0, what: str = "judge", option: str = "--judge-api-base"
) -> None:
    """Send :meth:`ChatClient.ping` once; raise the :class:`UsageError` of :func:`problem`."""

    async def ping() -> Any:
        try:
            await client.ping(timeout=timeout)
        finally:
            await client.aclose()

    try:
        run_sync(ping)
    except Exception as exc:  # every way a request can fail is classified, none escapes as a traceback
        error = problem(client, exc, what=what, option=option)
        if error is not None:
            raise error from None
