"""One chat-completion request, done carefully: cache, budget, bounded retries, tokens and cost.

Both the LLM judge and the ``litellm`` generator send their requests through :class:`ChatClient`, so
they share the cache file, the retry policy, the cost accounting and the statistics the pipeline
stores in the run directory.

Two routes, one behaviour. OpenAI-compatible endpoints (OpenAI itself, and any model sent to an
``api_base``: vLLM, llama.cpp, the test server) go through the direct aiohttp client of
:mod:`harness.api.openai_http` (~0.7 ms of client CPU a judgment, everything included, instead
of litellm's ~5-8 ms); every other provider, and OpenAI's reasoning models (o1, o3, o4, gpt-5:
litellm rewrites their parameters), goes through ``litellm.acompletion``. Both are retried here with tenacity (honouring
``Retry-After``), bounded by one deadline per request, capped in reply size, priced with litellm's
price map, and scrubbed of every configured secret (:mod:`harness.api.secrets`) before anything
is kept. The API key is read from the environment when the client is built and kept in one private
attribute.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard

from harness.api.cache import ResponseCache, cache_key
from harness.api.cost import UNENFORCEABLE, Budget, token_cost
from harness.api.litellm_import import import_litellm
from harness.api.openai_http import (
    TRUNCATION_MARKER,
    ApiHTTPError,
    OpenAICompatibleClient,
    RawReply,
    usage_fields,
)
from harness.api.pacing import Pacer, estimated_tokens
from harness.api.retry import is_retryable, response_headers, status_of, wait_retry_after_or_backoff
from harness.api.secrets import PLACEHOLDER_KEY, PROVIDER_KEY_ENV, SecretScrubber, configured_secrets
from harness.api.settings import ApiSettings
from harness.errors import UsageError

# Providers whose requests go through the direct OpenAI-compatible client.
DIRECT_PROVIDERS = frozenset({"openai"})
# OpenAI reasoning models (o1, o3-mini, o4-mini, gpt-5, gpt-5.1-codex ...) take other parameters
# (``max_completion_tokens`` for ``max_tokens``; only temperature 1): litellm rewrites them, the
# direct client would not, so these names keep the litellm route whatever their endpoint.
REASONING_MODEL = re.compile(r"^(o[1-9]\d*|gpt-5)(?![a-z0-9])", re.IGNORECASE)
MAX_COST_REASON = "max cost reached"
# What a server says about itself (its model name, its ``system_fingerprint``) is kept and printed
# to this length: a name, never a payload.
MAX_SERVER_NAME_CHARS = 200


@dataclass(frozen=True)
class ChatResponse:
    """A reply. ``model`` is the model that actually answered, as the response reports it;
    ``fingerprint`` its ``system_fingerprint`` (the provider's backend configuration: when it moves,
    the model behind the name may judge differently), ``None`` where the provider sends none.
    ``truncated``: the reply was over ``max_reply_bytes`` and ``text`` is its beginning, marked."""

    text: str
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: float | None
    cached: bool
    attempts: int
    finish_reason: str | None = None
    truncated: bool = False
    fingerprint: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "model": self.model,
            "system_fingerprint": self.fingerprint,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": self.cost,
            "finish_reason": self.finish_reason,
            "truncated": self.truncated,
        }


class ApiFailure(Exception):
    """No reply: bounded retries or the deadline used up, a non-retryable error, the budget reached
    (``budget``), or the client stopped after too many failures in a row (``stopped``: the request
    was never sent)."""

    def __init__(self, reason: str, *, attempts: int, budget: bool = False, stopped: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.budget = budget
        self.stopped = stopped


class RequestTimeout(TimeoutError):
    """An attempt got no complete reply within its time (retried while the deadline allows)."""


@dataclass
class ApiStats:
    """Counters for one run of a component (stored by the pipeline in the run directory)."""

    requests: int = 0
    retries: int = 0
    cache_hits: int = 0
    completed: int = 0
    failures: int = 0
    budget_stops: int = 0
    not_sent: int = 0
    truncated_replies: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    unpriced_responses: int = 0
    unpriced_models: Counter[str] = field(default_factory=Counter)
    invalid_usage_responses: int = 0
    invalid_usage: str | None = None  # the first token count that was not a count, as an example
    answering_models: Counter[str] = field(default_factory=Counter)
    fingerprints: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "cache_hits": self.cache_hits,
                "completed": self.completed,
                "failures": self.failures,
                "budget_stops": self.budget_stops,
                "not_sent": self.not_sent,
                "truncated_replies": self.truncated_replies,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                # None when some response had no known price: a partial sum would understate spend.
                "cost": None
                if self.unpriced_responses or self.invalid_usage_responses
                else round(self.cost, 8),
                "cost_known_part": round(self.cost, 8),
                "unpriced_responses": self.unpriced_responses,
                "unpriced_models": dict(self.unpriced_models),
                "invalid_usage_responses": self.invalid_usage_responses,
                "invalid_usage": self.invalid_usage,
                "answering_models": dict(self.answering_models),
                "fingerprints": dict(self.fingerprints),
            }


def resolve_model(model: str, api_base: str | None) -> tuple[str, str, str]:
    """``(litellm model id, provider, model name the provider is sent)``. A name litellm cannot
    place is sent to ``api_base`` as an OpenAI-compatible model (``openai/<name>``), which is what a
    local server needs."""
    litellm = import_litellm()
    try:
        wire, provider, _, _ = litellm.get_llm_provider(model, api_base=api_base)
        return model, provider, wire
    except Exception as exc:
        if api_base:
            return f"openai/{model}", "openai", model
        raise UsageError(
            f"litellm does not know which provider serves {model!r}",
            hint="prefix the provider (e.g. openai/<model>, azure/<deployment>) or pass --judge-api-base",
        ) from exc


def uses_direct_client(provider: str, wire_model: str) -> bool:
    """Whether requests go through :class:`OpenAICompatibleClient` rather than litellm: an
    OpenAI-compatible provider and not a reasoning model, whose parameters litellm rewrites."""
    return provider in DIRECT_PROVIDERS and not REASONING_MODEL.match(wire_model.rsplit("/", 1)[-1])


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


def _openai_headers() -> dict[str, str]:
    """What the OpenAI SDK would add from the environment (organisation, project)."""
    headers = {}
    for env_name, header in (
        ("OPENAI_ORGANIZATION", "OpenAI-Organization"),
        ("OPENAI_PROJECT", "OpenAI-Project"),
    ):
        if os.environ.get(env_name):
            headers[header] = os.environ[env_name]
    return headers


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _is_spend(value: Any) -> TypeGuard[float]:
    """A cost that can be added up: a finite number >= 0 (litellm's own figure, a cached one)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


class ChatClient:
    """Send chat requests for one component; ``namespace`` separates its cache entries."""

    def __init__(self, settings: ApiSettings, *, namespace: str) -> None:
        self.settings = settings
        self.namespace = namespace
        self.model_id, self.provider, wire_model = resolve_model(settings.model, settings.api_base)
        self.__api_key = resolve_api_key(settings, self.provider)
        self.scrub = SecretScrubber(
            configured_secrets(
                api_key=self.__api_key, api_key_env=settings.api_key_env, api_base=settings.api_base
            )
        )
        # Everything that decides where a request goes, for the cache key.
        self.endpoint = (settings.api_base or "").rstrip("/") or f"{self.provider}:default"
        self.budget = Budget(settings.max_cost)
        self.budget.check_enforceable(self.model_id)
        self.cache = ResponseCache(settings.cache_path) if settings.use_cache else None
        self.stats = ApiStats()
        self.direct: OpenAICompatibleClient | None = None
        if uses_direct_client(self.provider, wire_model):
            self.direct = OpenAICompatibleClient(
                api_base=settings.api_base,
                model=wire_model,
                api_key=self.__api_key,
                concurrency=settings.concurrency,
                max_reply_bytes=settings.max_reply_bytes,
                headers=_openai_headers(),
            )
        # starts paced from the server's rate-limit headers (harness.api.pacing); off: concurrency only
        self.pacer = (
            Pacer(ceiling=settings.concurrency, max_wait=settings.retry_after_max)
            if settings.pacing == "auto"
            else None
        )
        self._failures_in_a_row = 0
        self.stopped_reason: str | None = None

    # ---------------------------------------------------------------------------------- helpers

    def key_for(self, messages: list[dict[str, str]], params: dict[str, Any], extra: dict[str, Any]) -> str:
        return cache_key(
            namespace=self.namespace,
            endpoint=self.endpoint,
            model=self.settings.model,
            messages=messages,
            params=params,
            **extra,
        )

    def lookup(self, key: str) -> ChatResponse | None:
        """The cached reply for ``key`` (counts as a cache hit), or ``None``."""
        if self.cache is None:
            return None
        payload = self.cache.get(key)
        if payload is None or not isinstance(payload.get("text"), str):
            return None  # an entry this version did not write is fetched again
        reply = self._scrubbed(
            RawReply(
                text=payload["text"],
                model=_text_or_none(payload.get("model")),
                fingerprint=_text_or_none(payload.get("system_fingerprint")),
                finish_reason=_text_or_none(payload.get("finish_reason")),
                **usage_fields(payload.get("prompt_tokens"), payload.get("completion_tokens")),
            )
        )
        with self.stats._lock:
            self.stats.cache_hits += 1
            self.stats.completed += 1
        cost = payload.get("cost")
        return ChatResponse(
            text=reply.text,
            model=reply.model,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            cost=cost if _is_spend(cost) and not reply.usage_problem else None,
            cached=True,
            attempts=0,
            finish_reason=reply.finish_reason,
            truncated=bool(payload.get("truncated")),
            fingerprint=reply.fingerprint,
        )

    def _scrubbed(self, reply: RawReply) -> RawReply:
        """The one door every reply comes in by (either route, or the cache): each string taken
        from it scrubbed of the secrets (:mod:`harness.api.secrets`: the key, URL credentials,
        their pieces and base64 forms) before anything keeps or prints it. A server can name
        itself anything, the key included."""
        return replace(
            reply,
            text=self.scrub(reply.text, truncated=reply.truncated),
            model=self._server_name(reply.model),
            fingerprint=self._server_name(reply.fingerprint),
            finish_reason=self.scrub(reply.finish_reason) if reply.finish_reason else None,
        )

    def _server_name(self, value: str | None) -> str | None:
        """A name the server gives itself (model, fingerprint): scrubbed, then capped."""
        return self.scrub(value)[:MAX_SERVER_NAME_CHARS] if value else None

    def is_cached(self, key: str) -> bool:
        return self.cache is not None and self.cache.get(key) is not None

    async def aclose(self) -> None:
        """Close this event loop's connections (call from the loop that sent the requests)."""
        if self.direct is not None:
            await self.direct.aclose()

    async def ping(self, *, timeout: float) -> None:
        """One cheap request, no cache, no retry: ``GET /models`` on an OpenAI-compatible endpoint
        (falling back to a 1-token completion where a server has no ``/models``), a 1-token
        completion through litellm otherwise. Raises what the request raised (see
        :mod:`harness.api.preflight`, which says what each means)."""
        messages = [{"role": "user", "content": "ping"}]
        try:
            async with asyncio.timeout(timeout):
                if self.direct is not None:
                    try:
                        await self.direct.get_models(timeout=timeout)
                    except ApiHTTPError as exc:
                        if exc.status_code not in (404, 405):
                            raise
                        await self.direct.chat(messages, {"max_tokens": 1}, timeout=timeout)
                else:
                    await self._litellm_attempt(messages, {"max_tokens": 1}, timeout)
        except TimeoutError:
            raise RequestTimeout(f"no reply within {timeout:g} s") from None

    # ---------------------------------------------------------------------------------- request

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        params: dict[str, Any],
        key_extra: dict[str, Any] | None = None,
    ) -> ChatResponse:
        """The reply to ``messages`` from the cache or the API; raises :class:`ApiFailure`."""
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, stop_before_delay

        # the key (a SHA-256 over the canonical request) is only needed to read and write the cache
        key = self.key_for(messages, params, key_extra or {}) if self.cache is not None else None
        hit = self.lookup(key) if key is not None else None
        if hit is not None:
            return hit
        if self.stopped_reason is not None:
            with self.stats._lock:
                self.stats.not_sent += 1
            raise ApiFailure(self.stopped_reason, attempts=0, stopped=True)
        settings = self.settings
        attempts = 0
        started = time.monotonic()
        retrying = AsyncRetrying(
            stop=stop_after_attempt(settings.max_retries + 1) | stop_before_delay(settings.deadline),
            wait=wait_retry_after_or_backoff(
                settings.backoff_initial, settings.backoff_max, settings.retry_after_max
            ),
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
                    budget_left = settings.deadline - (time.monotonic() - started)
                    reply, litellm_cost = await self._attempt(
                        messages, params, max(0.01, min(settings.timeout, budget_left))
                    )
        except ApiFailure:
            with self.stats._lock:
                self.stats.budget_stops += 1
            raise
        except Exception as exc:
            elapsed = time.monotonic() - started
            reason = self.scrub(f"{type(exc).__name__}: {exc}")[:500]
            reason = f"no reply after {attempts} attempt(s) in {elapsed:.1f} s: {reason}"
            self._failed(reason)
            raise ApiFailure(reason, attempts=attempts) from None
        return self._record(key, reply, litellm_cost, attempts)

    async def _attempt(
        self, messages: list[dict[str, str]], params: dict[str, Any], timeout: float
    ) -> tuple[RawReply, float | None]:
        """One request, bounded as a whole by ``timeout`` (a server that trickles bytes too), started
        when the pacer allows (the wait is not part of the timeout)."""
        if self.pacer is None:
            return await self._bounded_attempt(messages, params, timeout)
        async with self.pacer.slot(estimated_tokens(messages, params)) as done:
            try:
                result = await self._bounded_attempt(messages, params, timeout)
            except Exception as exc:
                done(status_of(exc), response_headers(exc))
                raise
            done(200, result[0].rate_headers)
        return result

    async def _bounded_attempt(
        self, messages: list[dict[str, str]], params: dict[str, Any], timeout: float
    ) -> tuple[RawReply, float | None]:
        try:
            async with asyncio.timeout(timeout):
                if self.direct is not None:
                    reply, litellm_cost = await self.direct.chat(messages, params, timeout=timeout), None
                else:
                    reply, litellm_cost = await self._litellm_attempt(messages, params, timeout)
        except TimeoutError:
            raise RequestTimeout(f"no complete reply within {timeout:g} s") from None
        return self._scrubbed(reply), litellm_cost

    async def _litellm_attempt(
        self, messages: list[dict[str, str]], params: dict[str, Any], timeout: float
    ) -> tuple[RawReply, float | None]:
        litellm = import_litellm()
        response = await litellm.acompletion(
            model=self.model_id,
            messages=messages,
            api_base=self.settings.api_base,
            api_key=self.__api_key,
            timeout=timeout,
            max_retries=0,
            custom_llm_provider=self.provider,  # resolved once in __init__
            **params,
        )
        if not getattr(response, "choices", None):  # a 200 with no answer in it: retry
            raise ValueError("the reply has no choices")
        choice = response.choices[0]
        usage = getattr(response, "usage", None)
        hidden = getattr(response, "_hidden_params", None)
        litellm_cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
        reply = RawReply(
            text=_text_or_none(getattr(choice.message, "content", None)) or "",
            model=_text_or_none(getattr(response, "model", None)),
            fingerprint=_text_or_none(getattr(response, "system_fingerprint", None)),
            finish_reason=_text_or_none(getattr(choice, "finish_reason", None)),
            **usage_fields(getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)),
        )
        return reply, float(litellm_cost) if _is_spend(litellm_cost) else None

    def _price(
        self,
        answering: str | None,
        prompt_tokens: int | None,
        completion_tokens: int | None,
        litellm_cost: float | None,
    ) -> float | None:
        """USD for one reply, priced as the model that *answered* (the reply's ``model``); the
        configured model only when the reply names none. A stand-in server answering as
        ``my-local-model`` behind a ``gpt-3.5-turbo`` configuration costs ``None`` (unknown),
        never gpt-3.5's price and never 0."""
        if prompt_tokens is None or completion_tokens is None:
            return None
        if answering:
            candidates = [answering]
            if "/" not in answering:
                candidates.append(f"{self.provider}/{answering}")  # e.g. azure's own model names
        else:
            candidates = [self.settings.model, self.model_id]
        own = token_cost(candidates, prompt_tokens, completion_tokens)
        # litellm's own figure (cached-token discounts) only for a model its price map knows
        return litellm_cost if litellm_cost is not None and own is not None else own

    def _unpriced_why(self, reply: RawReply) -> str:
        if reply.usage_problem:
            return f"the reply reported invalid token counts ({reply.usage_problem})"
        return (
            f"the reply came from {reply.model or self.settings.model!r}, which has no price in litellm's "
            "price map (or the reply had no token counts)"
        )

    def _failed(self, reason: str) -> None:
        with self.stats._lock:
            self.stats.failures += 1
            self._failures_in_a_row += 1
            limit = self.settings.max_consecutive_failures
            if self._failures_in_a_row >= limit and self.stopped_reason is None:
                self.stopped_reason = f"stopped after {limit} requests in a row got no reply (last: {reason})"

    def _record(
        self, key: str | None, reply: RawReply, litellm_cost: float | None, attempts: int
    ) -> ChatResponse:
        limit = self.settings.max_reply_bytes
        text = reply.text  # scrubbed at the door (_scrubbed)
        truncated = reply.truncated or (len(text) > limit // 4 and len(text.encode("utf-8")) > limit)
        if truncated:
            cut = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
            text = self.scrub(cut, truncated=True) + TRUNCATION_MARKER.format(limit=limit)
        prompt_tokens, completion_tokens = reply.prompt_tokens, reply.completion_tokens
        answering = reply.model
        cost = (
            None
            if reply.usage_problem
            else self._price(answering, prompt_tokens, completion_tokens, litellm_cost)
        )
        self.budget.add(cost)
        if cost is None and self.settings.max_cost is not None and self.stopped_reason is None:
            # a cap that cannot be measured is no cap: stop sending rather than spend blind
            self.stopped_reason = (
                f"{UNENFORCEABLE}: {self._unpriced_why(reply)}; drop --max-cost to run without a cap"
            )
        result = ChatResponse(
            text=text,
            model=answering,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=cost,
            cached=False,
            attempts=attempts,
            finish_reason=reply.finish_reason,
            truncated=truncated,
            fingerprint=reply.fingerprint,
        )
        with self.stats._lock:
            self._failures_in_a_row = 0
            self.stats.completed += 1
            self.stats.truncated_replies += truncated
            self.stats.prompt_tokens += prompt_tokens or 0
            self.stats.completion_tokens += completion_tokens or 0
            if reply.usage_problem:
                self.stats.invalid_usage_responses += 1
                self.stats.invalid_usage = self.stats.invalid_usage or reply.usage_problem
            elif cost is None:
                self.stats.unpriced_responses += 1
                self.stats.unpriced_models[answering or self.settings.model] += 1
            else:
                self.stats.cost += cost
            self.stats.answering_models[answering or "?"] += 1
            if reply.fingerprint:
                self.stats.fingerprints[reply.fingerprint] += 1
        if self.cache is not None and key is not None and not truncated:
            # a cut reply is not kept: with a larger max_reply_bytes the next run fetches it whole
            self.cache.put(key, self.namespace, result.to_payload())
        return result
