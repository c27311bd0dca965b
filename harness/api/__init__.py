"""Shared machinery for components that call chat-completion APIs.

The LLM judge and the ``litellm`` generator both use it, so they behave alike: bounded concurrency
on one event loop, a direct aiohttp client for OpenAI-compatible endpoints and litellm for every
other provider, retries with backoff that honour ``Retry-After``, one deadline per request, a
reply-size cap, a stop after too many failures in a row, a persistent SQLite cache, token and cost
accounting from litellm's offline price map, a spending limit that stops cleanly, and every
configured secret scrubbed from what is kept. Nothing here imports litellm at module level.
"""

from harness.api.cache import ResponseCache, cache_key
from harness.api.client import MAX_COST_REASON, ApiFailure, ApiStats, ChatClient, ChatResponse
from harness.api.cost import Budget, token_cost
from harness.api.progress import ApiProgress
from harness.api.runner import run_jobs, run_sync
from harness.api.settings import ApiSettings, default_cache_path

__all__ = [
    "MAX_COST_REASON",
    "ApiFailure",
    "ApiProgress",
    "ApiSettings",
    "ApiStats",
    "Budget",
    "ChatClient",
    "ChatResponse",
    "ResponseCache",
    "cache_key",
    "default_cache_path",
    "run_jobs",
    "run_sync",
    "token_cost",
]
