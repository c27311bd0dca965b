"""The ``litellm`` generator: answers from a chat API, concurrently, with the judge's machinery.

Requests go through :class:`harness.api.ChatClient` (cache, retries honouring ``Retry-After``,
tokens, cost, ``max_cost``) at ``concurrency`` in flight, and each :class:`Generation` is handed to
``on_result`` as soon as it arrives, so an interrupted run keeps what it got. A sample with no
answer (after bounded retries, or once the budget is spent) gets no record, so the next run retries
it; :meth:`LiteLLMGenerator.generate` then raises a :class:`HarnessError` saying how many are
missing, after every answer that did arrive was delivered.

Decoding follows the paper where it says something: temperature 0.001 (``greedy`` sends 0).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.api.client import ApiFailure, ChatClient, ChatResponse
from harness.api.progress import ApiProgress
from harness.api.runner import run_jobs
from harness.api.settings import ApiSettings
from harness.component_bases import GeneratorComponent
from harness.errors import HarnessError, UsageError
from harness.generation.turns import sample_messages, sample_prompt
from harness.protocols import EvalSample, Generation, Model

PAPER_TEMPERATURE = 0.001


class LiteLLMGenerator(GeneratorComponent):
    """Generate with an API model (``litellm:<id>``). Options mirror the judge's and ``hf``'s."""

    per_sample_temperature = True  # a sample's own temperature wins (harness.generation.decoding)
    per_sample_max_new_tokens = True  # and its own length (harness.generation.lengths)

    def __init__(
        self,
        *,
        model: str | None = None,
        api_base: str | None = None,
        api_key_env: str | None = None,
        concurrency: int | None = None,
        use_cache: bool | None = None,
        cache_path: str | Path | None = None,
        max_cost: float | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        progress: bool | None = None,
        temperature: float | None = None,
        greedy: bool = False,
        top_p: float | None = None,
        max_new_tokens: int | None = None,
        seed: int | None = None,
    ) -> None:
        self.name = "litellm"
        self.model_override = model
        self._options = {
            "api_base": api_base,
            "api_key_env": api_key_env,
            "concurrency": concurrency,
            "use_cache": use_cache,
            "cache_path": cache_path,
            "max_cost": max_cost,
            "timeout": timeout,
            "max_retries": max_retries,
            "progress": progress,
        }
        self.temperature = (
            0.0 if greedy else (PAPER_TEMPERATURE if temperature is None else float(temperature))
        )
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.seed = seed
        self.stats: dict[str, Any] = {}
        self.client: ChatClient | None = None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": self.temperature}
        if self.top_p is not None:
            params["top_p"] = self.top_p
        if self.max_new_tokens is not None:
            params["max_tokens"] = int(self.max_new_tokens)
        if self.seed is not None:
            params["seed"] = int(self.seed)
        return params

    @staticmethod
    def sample_params(params: dict[str, Any], sample: EvalSample) -> dict[str, Any]:
        """The request's parameters with the sample's own temperature and length, where it has them."""
        own = {"temperature": sample.temperature, "max_tokens": sample.max_new_tokens}
        return {**params, **{key: value for key, value in own.items() if value is not None}}

    def _model_id(self, model: Model) -> str:
        if self.model_override:
            return self.model_override
        model_id = getattr(model, "model_id", None)
        if not model_id:
            raise UsageError(
                f"generator 'litellm' drives API models (litellm:<id>), not {getattr(model, 'name', model)!r}"
            )
        return model_id

    def generate(
        self,
        model: Model,
        samples: Sequence[EvalSample],
        *,
        on_result: Callable[[Generation], None],
    ) -> None:
        settings = ApiSettings.from_options(model=self._model_id(model), **self._options)
        client = self.client = ChatClient(settings, namespace="generate")
        params = self.params()
        failures: list[str] = []
        started = time.perf_counter()

        def messages(sample: EvalSample) -> list[dict[str, str]]:
            # a real message list (system, earlier turns), else the prompt text as the user's message
            own = sample_messages(model, sample)
            return own if own is not None else [{"role": "user", "content": sample_prompt(model, sample)}]

        async def one(sample: EvalSample) -> Generation | ApiFailure:
            sent = messages(sample)
            # the recorded prompt: the question alone, or the whole message list when there are several
            prompt = sent[0]["content"] if len(sent) == 1 else json.dumps(sent, ensure_ascii=False)
            own = sample.temperature
            try:
                reply = await client.complete(sent, params=self.sample_params(params, sample))
            except ApiFailure as exc:
                return exc
            generation = self._generation(sample, prompt, reply, settings.model)
            if own is not None:
                generation.meta["temperature"] = own
            return generation

        def deliver(sample: EvalSample, result: Generation | ApiFailure) -> None:
            if isinstance(result, ApiFailure):
                failures.append(f"{sample.id}: {result.reason}")
            else:
                on_result(result)

        progress = ApiProgress(
            f"generating ({settings.model})",
            enabled=settings.progress,
            failures=lambda: len(failures),
            spend=lambda: client.stats.to_dict()["cost"],
        )
        samples = list(samples)
        try:
            run_jobs(
                samples,
                one,
                deliver,
                concurrency=settings.concurrency,
                progress=progress,
                finalize=client.aclose,
            )
        finally:
            self.stats = {
                "generator": self.name,
                "model": settings.model,
                "samples": len(samples),
                "missing": len(failures),
                "wall_seconds": round(time.perf_counter() - started, 3),
                **client.stats.to_dict(),
            }
        if failures:
            stopped = f"; generation {client.stopped_reason}" if client.stopped_reason else ""
            raise HarnessError(
                f"{len(failures)} of {len(samples)} samples got no answer from {settings.model} "
                f"(first: {failures[0]}){stopped}",
                hint="the answers that arrived are saved; run the same command again to retry the rest",
            )

    @staticmethod
    def _generation(sample: EvalSample, prompt: str, reply: ChatResponse, requested: str) -> Generation:
        return Generation(
            id=sample.id,
            answer=reply.text,
            prompt=prompt,
            model=reply.model or requested,
            n_prompt_tokens=reply.prompt_tokens,
            n_new_tokens=reply.completion_tokens,
            finish_reason=reply.finish_reason,
            meta={
                "requested_model": requested,
                "cost": reply.cost,
                "cache_hit": reply.cached,
                "attempts": reply.attempts,
                "truncated": reply.truncated,
            },
        )
