"""Test helpers for harness and its plugins: a real OpenAI-compatible chat-completions server.

``from harness.testing import ChatCompletionsServer, Replies``. ``python -m harness.testing`` serves
one from the command line; the pytest plugin :mod:`harness.testing.pytest_plugin` (loaded by pytest
wherever harness is installed) gives a plugin's tests the ``judge_server`` fixture. The names below
are imported on first use: pytest imports this package for every test run, and the server's
asyncio alone would cost it a tenth of a second.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HOMES = {
    "FAULT_KINDS": "chat_server",
    "ChatCompletionsServer": "chat_server",
    "NoReplyMatches": "replies",
    "Replies": "replies",
    "RepliesFileError": "replies",
    "Rule": "replies",
    "load_replies": "replies",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'harness.testing' has no attribute {name!r}")
    return getattr(import_module(f"harness.testing.{_HOMES[name]}"), name)
