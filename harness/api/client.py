"""One chat-completion request, done carefully: cache, budget, bounded retries, tokens and cost.

Both the LLM judge and the ``litellm`` generator send their requests through :class:`ChatClient`, so
they share the cache file, the retry policy, the cost accounting and the statistics the pipeline
stores in the run directory.

The API key is read from the environment when the client is built and handed to litellm per call;
it is kept in one private attribute and scrubbed from any error text we keep, so it can reach no
cache row, judgment, stats file or log line.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.api.cache import ResponseCache, cache_key
from harness.api.cost import Budget, token_cost
from harness.api.litellm_import import import_litellm
from harness.api.retry import is_retryable, wait_retry_after_or_backoff
from harness.api.settings import ApiSettings
from harness.errors import UsageError

# The environment variable litellm itself reads for each provider, when --api-key-env is not given.
PROVIDER_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "text-completion-openai": "OPENAI_API_KEY",
    "azure": "AZURE_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "groq": "GROQ_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
}
# Local OpenAI-compatible servers (vLLM, llama.cpp, the test server) accept any key; the OpenAI SDK
# refuses to send a request without one, so a placeholder (not a secret) stands in.
PLACEHOLDER_KEY = "sk-no-key-required"
# Providers whose litellm ``completion()`` only builds the request and returns the coroutine of
# litellm's native async HTTP path (checked on litellm 1.106): safe to run in the event loop's
# thread (harness.api.inline_executor). Others keep litellm's thread hop.
INLINE_REQUEST_PROVIDERS = frozenset({"openai"})
# HTTP clients a forked child inherited from its parent: kept referenced, never used or closed.
_INHERITED_HTTP_CLIENTS: list[dict[str, Any]] = []
# Whether litellm has answered a request in this process (and so imported what its first request
# imports lazily); forked workers inherit it. See harness.api.processes.
_ANSWERED_IN_THIS_PROCESS = False


def request_sent_in_this_process() -> bool:
    """Whether litellm has already completed a request in this process (or in the parent it was
    forked from after that request)."""
    return _ANSWERED_IN_THIS_PROCESS


@dataclass(frozen=True)
class ChatResponse:
    """A reply. ``model`` is the model that actually answered, as the response reports it."""

    text: str
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: float | None
    cached: bool
    attempts: int
    finish_reason: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": self.cost,
            "finish_reason": self.finish_reason,
        }


class ApiFailure(Exception):
    """No reply after the bounded retries, a non-retryable error, or the budget reached."""

    def __init__(self, reason: str, *, attempts: int, budget: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.budget = budget

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling; worker processes send these.
        return (_rebuild_api_failure, (self.reason, self.attempts, self.budget))


def _rebuild_api_failure(reason: str, attempts: int, budget: bool) -> ApiFailure:
    return ApiFailure(reason, attempts=attempts, budget=budget)


MAX_COST_REASON = "max cost reached"


# The additive counters of ApiStats: what a worker process reports and the parent sums.
STAT_COUNTERS = (
    "requests",
    "retries",
    "cache_hits",
    "completed",
    "failures",
    "budget_stops",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "unpriced_responses",
)


@dataclass
class ApiStats:
    """Counters for one run of a component (stored by the pipeline in the run directory)."""

    requests: int = 0
    retries: int = 0
    cache_hits: int = 0
    completed: int = 0
    failures: int = 0
    budget_stops: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    unpriced_responses: int = 0
    answering_models: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        """The raw counters (picklable), for a worker process to report to its parent."""
        with self._lock:
            return {**{name: getattr(self, name) for name in STAT_COUNTERS},
                    "answering_models": dict(self.answering_models)}

    def add_growth(self, now: dict[str, Any], before: dict[str, Any] | None) -> None:
        """Add what a worker's counters grew by between two of its snapshots (``before`` None: from 0),
        so a parent's stats stay current while workers run, and a worker is never counted twice."""
        before = before or {}
        with self._lock:
            for name in STAT_COUNTERS:
                setattr(self, name, getattr(self, name) + now[name] - before.get(name, 0))
            self.answering_models.update(Counter(now["answering_models"]) - Counter(before.get("answering_models", {})))

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "cache_hits": self.cache_hits,
                "completed": self.completed,
                "failures": self.failures,
                "budget_stops": self.budget_stops,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                # None when some response had no known price: a partial sum would understate spend.
                "cost": None if self.unpriced_responses else round(self.cost, 8),
                "cost_known_part": round(self.cost, 8),
                "unpriced_responses": self.unpriced_responses,
                "answering_models": dict(self.answering_models),
            }


def resolve_model_id(model: str, api_base: str | None) -> tuple[str, str]:
    """``(litellm model id, provider)``. A name litellm cannot place is sent to ``api_base`` as an
    OpenAI-compatible model (``openai/<name>``), which is what a local server needs."""
    litellm = import_litellm()
    try:
        _, provider, _, _ = litellm.get_llm_provider(model, api_base=api_base)
        return model, provider
    except Exception as exc:
        if api_base:
            return f"openai/{model}", "openai"
        raise UsageError(
            f"litellm does not know which provider serves {model!r}",
            hint="prefix the provider (e.g. openai/<model>, azure/<deployment>) or pass --judge-api-base",
        ) from exc


def resolve_api_key(settings: ApiSettings, provider: str) -> str | None:
    """The key from the environment (never from a file or an option value)."""
    if settings.api_key_env:
        value = os.environ.get(settings.api_key_env)
        if not value:
            raise UsageError(f"environment variable {settings.api_key_env} (named by api_key_env) is not set")
        return value
    env_name = PROVIDER_KEY_ENV.get(provider)
    value = os.environ.get(env_name) if env_name else None
    if value:
        return value
    if settings.api_base:
        return PLACEHOLDER_KEY
    if env_name:
        raise UsageError(
            f"no API key: set {env_name} in the environment",
            hint="or point at an OpenAI-compatible server with --judge-api-base / OPENAI_BASE_URL",
        )
    return None  # litellm finds the provider's own credentials (e.g. cloud auth) itself


class ChatClient:
    """Send chat requests for one component; ``namespace`` separates its cache entries."""

    def __init__(self, settings: ApiSettings, *, namespace: str) -> None:
        self.settings = settings
        self.namespace = namespace
        self.model_id, self.provider = resolve_model_id(settings.model, settings.api_base)
        self.__api_key = resolve_api_key(settings, self.provider)
        self.budget = Budget(settings.max_cost)
        self.budget.check_enforceable(self.model_id)
        self.cache = ResponseCache(settings.cache_path) if settings.use_cache else None
        self.stats = ApiStats()

    @property
    def builds_requests_inline(self) -> bool:
        """litellm's request building may run in the event loop's thread (no I/O in it)."""
        return self.provider in INLINE_REQUEST_PROVIDERS

    def after_fork(self) -> None:
        """Make a forked copy of this client safe and separate: call first thing in the child.

        The child counts its own statistics (its parent sums them), opens its own SQLite connection,
        and builds its own HTTP clients: litellm keys its client cache on ``id(event loop)``, and a
        parent loop's client (sockets shared with the parent, bound to a loop that does not exist
        here) must not be picked up because a new loop happens to reuse that id. The inherited
        clients are parked, never closed: closing them could disturb the parent's connections.
        The budget needs nothing: :meth:`Budget.share_across_processes` was called before forking.
        """
        self.stats = ApiStats()
        if self.cache is not None:
            self.cache.after_fork()
        litellm = import_litellm()
        clients = getattr(litellm, "in_memory_llm_clients_cache", None)
        if clients is not None and hasattr(clients, "cache_dict"):
            _INHERITED_HTTP_CLIENTS.append(dict(clients.cache_dict))
            clients.flush_cache()

    # ---------------------------------------------------------------------------------- helpers

    def key_for(self, messages: list[dict[str, str]], params: dict[str, Any], extra: dict[str, Any]) -> str:
        return cache_key(
            namespace=self.namespace, model=self.settings.model, messages=messages, params=params, **extra
        )

    def lookup(self, key: str) -> ChatResponse | None:
        """The cached reply for ``key`` (counts as a cache hit), or ``None``."""
        if self.cache is None:
            return None
        payload = self.cache.get(key)
        if payload is None:
            return None
        with self.stats._lock:
            self.stats.cache_hits += 1
            self.stats.completed += 1
        return ChatResponse(
            text=payload["text"],
            model=payload.get("model"),
            prompt_tokens=payload.get("prompt_tokens"),
            completion_tokens=payload.get("completion_tokens"),
            cost=payload.get("cost"),
            cached=True,
            attempts=0,
            finish_reason=payload.get("finish_reason"),
        )

    def is_cached(self, key: str) -> bool:
        return self.cache is not None and self.cache.get(key) is not None

    def scrub(self, text: str) -> str:
        """Remove the API key from text we are about to keep (error messages echo requests)."""
        key = self.__api_key
        if key and key != PLACEHOLDER_KEY and key in text:
            text = text.replace(key, "***")
        return text

    # ---------------------------------------------------------------------------------- request

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        params: dict[str, Any],
        key_extra: dict[str, Any] | None = None,
    ) -> ChatResponse:
        """The reply to ``messages`` from the cache or the API; raises :class:`ApiFailure`."""
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

        # the key (a SHA-256 over the canonical request) is only needed to read and write the cache
        key = self.key_for(messages, params, key_extra or {}) if self.cache is not None else None
        hit = self.lookup(key) if key is not None else None
        if hit is not None:
            return hit
        litellm = import_litellm()
        settings = self.settings
        attempts = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(settings.max_retries + 1),
            wait=wait_retry_after_or_backoff(settings.backoff_initial, settings.backoff_max, settings.retry_after_max),
            retry=retry_if_exception(is_retryable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    if self.budget.exhausted:
                        raise ApiFailure(MAX_COST_REASON, attempts=attempts, budget=True)
                    attempts += 1
                    with self.stats._lock:
                        self.stats.requests += 1
                        self.stats.retries += attempts > 1
                    response = await litellm.acompletion(
                        model=self.model_id,
                        messages=messages,
                        api_base=settings.api_base,
                        api_key=self.__api_key,
                        timeout=settings.timeout,
                        max_retries=0,
                        # resolved once in __init__; saves litellm ~1 ms of provider lookup per call
                        custom_llm_provider=self.provider,
                        **params,
                    )
                    if not getattr(response, "choices", None):  # a 200 with no answer in it: retry
                        raise ValueError("the reply has no choices")
        except ApiFailure:
            with self.stats._lock:
                self.stats.budget_stops += 1
            raise
        except Exception as exc:
            with self.stats._lock:
                self.stats.failures += 1
            reason = self.scrub(f"{type(exc).__name__}: {exc}")[:500]
            raise ApiFailure(f"no reply after {attempts} attempt(s): {reason}", attempts=attempts) from None
        return self._record(key, response, attempts)

    def _record(self, key: str | None, response: Any, attempts: int) -> ChatResponse:
        global _ANSWERED_IN_THIS_PROCESS
        _ANSWERED_IN_THIS_PROCESS = True
        choice = response.choices[0]
        text = choice.message.content or ""
        usage = getattr(response, "usage", None)
        prompt_tokens = getattr(usage, "prompt_tokens", None) if usage else None
        completion_tokens = getattr(usage, "completion_tokens", None) if usage else None
        answering = getattr(response, "model", None) or None
        cost = None
        if prompt_tokens is not None and completion_tokens is not None:
            # litellm has priced the response already (from the same offline price map); pricing
            # it again costs ~0.1 ms a request. Its figure is None for a model it cannot price.
            hidden = getattr(response, "_hidden_params", None)
            litellm_cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
            if isinstance(litellm_cost, (int, float)) and not isinstance(litellm_cost, bool):
                cost = float(litellm_cost)
            else:
                cost = token_cost([answering or "", self.settings.model, self.model_id], prompt_tokens,
                                  completion_tokens)
        self.budget.add(cost)
        result = ChatResponse(
            text=text,
            model=answering,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=cost,
            cached=False,
            attempts=attempts,
            finish_reason=getattr(choice, "finish_reason", None),
        )
        with self.stats._lock:
            self.stats.completed += 1
            self.stats.prompt_tokens += prompt_tokens or 0
            self.stats.completion_tokens += completion_tokens or 0
            if cost is None:
                self.stats.unpriced_responses += 1
            else:
                self.stats.cost += cost
            self.stats.answering_models[answering or "?"] += 1
        if self.cache is not None and key is not None:
            self.cache.put(key, self.namespace, result.to_payload())
        return result
