"""Test helpers for harness and its plugins: a real OpenAI-compatible chat-completions server.

``from harness.testing import ChatCompletionsServer, Replies`` (importing this needs aiohttp only
when a server starts). ``python -m harness.testing`` serves one from the command line; the pytest
plugin :mod:`harness.testing.pytest_plugin` (loaded automatically once harness is installed) gives
a plugin's tests the ``judge_server`` fixture.
"""

from harness.testing.chat_server import FAULT_KINDS, ChatCompletionsServer
from harness.testing.replies import NoReplyMatches, Replies, RepliesFileError, Rule, load_replies

__all__ = ["FAULT_KINDS", "ChatCompletionsServer", "NoReplyMatches", "Replies", "RepliesFileError", "Rule",
           "load_replies"]
