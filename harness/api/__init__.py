"""Shared machinery for components that call chat-completion APIs through litellm.

The LLM judge and the ``litellm`` generator both use it, so they behave alike: bounded concurrency
(asyncio), retries with backoff that honour ``Retry-After``, a persistent SQLite cache, token and
cost accounting from litellm's offline price map, a spending limit that stops cleanly, forked
worker processes when one event loop's CPU cannot keep up (``harness.api.processes``), and
litellm's request building kept in the event loop's thread (``harness.api.inline_executor``).
Nothing here imports litellm at module level.
"""

from harness.api.cache import ResponseCache, cache_key
from harness.api.client import MAX_COST_REASON, ApiFailure, ApiStats, ChatClient, ChatResponse
from harness.api.cost import Budget, token_cost
from harness.api.processes import choose_processes, plan_processes, run_jobs_in_processes
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
    "choose_processes",
    "default_cache_path",
    "plan_processes",
    "run_jobs",
    "run_jobs_in_processes",
    "run_sync",
    "token_cost",
]
