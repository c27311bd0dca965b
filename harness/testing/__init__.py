"""Test helpers for harness and its plugins: a real OpenAI-compatible chat-completions server.

``from harness.testing import ChatCompletionsServer`` (importing this needs aiohttp, which litellm
brings; nothing heavy is imported until a server starts).
"""

from harness.testing.chat_server import FAULT_KINDS, ChatCompletionsServer

__all__ = ["ChatCompletionsServer", "FAULT_KINDS"]
