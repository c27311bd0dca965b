"""Preflight for ``--judge-batch``: the Batch API is there and takes the key, with no chat completion.

WHY: the ordinary preflight may fall back to a 1-token chat completion; a batch run promises to
send none. ``GET {api_base}/batches?limit=1`` costs no tokens and proves both the address and the
key; its failures read as the ordinary preflight's (:func:`harness.api.preflight.problem`).
"""

from __future__ import annotations

from typing import Any

from harness.api.batch import BatchHttp
from harness.api.client import ChatClient
from harness.api.preflight import SKIP_HINT, _status, endpoint_label, problem
from harness.api.runner import run_sync
from harness.errors import UsageError


def check_batch_endpoint(client: ChatClient, *, timeout: float = 10.0, what: str = "judge") -> None:
    """One ``GET /batches?limit=1``; a :class:`UsageError` that says what to do if it fails."""
    direct = client.direct
    if direct is None:
        raise UsageError(
            f"{what}: --judge-batch needs an OpenAI-compatible endpoint; {client.settings.model!r} "
            f"goes through litellm's {client.provider!r} route, which has no batch route here",
            hint="give --judge-api-base of an OpenAI-compatible server, or drop --judge-batch",
        )

    async def ping() -> Any:
        try:
            await BatchHttp(direct, timeout=timeout).ping()
        finally:
            await client.aclose()

    try:
        run_sync(ping)
    except Exception as exc:  # every way a request can fail is classified, none escapes as a traceback
        if _status(exc) in (404, 405):
            raise UsageError(
                f"{what}: {endpoint_label(client)} has no Batch API (GET /batches answered {_status(exc)})",
                hint=f"drop --judge-batch for this server.\n{SKIP_HINT}",
            ) from None
        error = problem(client, exc, what=what, option="--judge-api-base")
        if error is not None:
            raise error from None
