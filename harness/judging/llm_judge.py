"""The LLM judge (registered as ``gpt35``): BELLE's protocol through any litellm chat model.

Each item becomes BELLE's single user message (see ``registry/judges/belle-v1.yaml``), sent at the
configured temperature (0 by default) through :class:`harness.api.ChatClient` (cache, retries
honouring ``Retry-After``, cost, budget), at ``concurrency`` requests in flight. The score is read
with :func:`harness.judging.parse.parse_score` against the judge's scale (the template's ``scale``,
0..1 for BELLE); when no valid score can be read (none found, out of range, not a number) the
judge is asked once more with a short repair turn, and if that fails too the judgment is
``unscored`` with the reason, never a silent 0 and never a clipped value. No reply at all (after
bounded retries within one deadline, or once ``max_cost`` is reached) is ``failed``, which the
pipeline retries on the next run. A reply over ``max_reply_bytes`` is kept truncated with a marker
and is ``unscored`` ("reply too large"). After ``max_consecutive_failures`` requests in a row got
no reply, the judge sends nothing more, delivers what finished and raises a
:class:`~harness.errors.HarnessError` saying so; the items never sent get no record, so running
the same command again judges them.

Every judgment's ``meta`` records what a careful reader needs to trust or discount it: the model
that actually answered (gpt-3.5-turbo is an alias the provider re-points and is being retired), the
template name and hash, the parse rule, tokens, cost, whether it came from the cache, and attempts;
and, where the provider sends one, its ``system_fingerprint`` (the same name can be served by a
changed backend: :mod:`harness.runs.judge_drift` reads both to say when the judge moved).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from harness.api import ApiFailure, ApiProgress, ApiSettings, ChatClient, ChatResponse, run_jobs
from harness.api.cost import UNENFORCEABLE, token_cost
from harness.api.litellm_import import import_litellm
from harness.api.preflight import check_endpoint
from harness.component_bases import JudgeComponent
from harness.errors import HarnessError, UsageError
from harness.judging.batch_preflight import check_batch_endpoint
from harness.judging.parse import ParsedScore, parse_score
from harness.judging.settings import JudgeSettings
from harness.judging.template import DEFAULT_TEMPLATE, load_template
from harness.protocols import JudgeItem, Judgment
from harness.scales import ScoreScale

# A BELLE-style reply ("得分: 0.8\n理由: ...") is typically 50-200 tokens; used only for the estimate.
ESTIMATED_COMPLETION_TOKENS = 150


def _sum_or_none(values: list[Any]) -> Any:
    return None if any(v is None for v in values) else sum(values)


class PromptShape(Protocol):
    """The members a prompt and the judge that writes it share: what it is called, the model and
    sampling it asks for, its scale and repair turn, and the messages for one item."""

    @property
    def name(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def temperature(self) -> float: ...
    @property
    def max_tokens(self) -> int | None: ...
    @property
    def scale(self) -> Any: ...
    @property
    def repair(self) -> str: ...
    def messages(self, item: Any) -> list[dict[str, str]]: ...


class PromptFormat(PromptShape, Protocol):
    """What :class:`LLMJudge` sends and records: a :class:`~harness.judging.template.JudgeTemplate`,
    or a plugin's own prompt format with the same members (:class:`~harness.judging.pointwise.AuthoredTemplate`)."""

    @property
    def hash(self) -> str: ...
    def repair_messages(self, item: Any, first_reply: str) -> list[dict[str, str]]: ...


class LLMJudge(JudgeComponent):
    """Judge answers with a chat model. Options as in the ``harness run`` CLI; ``None`` = default.

    ``harness run`` passes its :class:`JudgeSettings` as ``settings``; where a setting is set there it
    wins over the keyword of the same name (the spec's own options, e.g. a registry judge's model).
    """

    def __init__(
        self,
        *,
        name: str = "gpt35",
        template: str | PromptFormat = DEFAULT_TEMPLATE,
        model: str | None = None,
        api_base: str | None = None,
        api_key_env: str | None = None,
        concurrency: int | None = None,
        use_cache: bool | None = None,
        cache_path: str | Path | None = None,
        max_cost: float | None = None,
        repeats: int | None = None,
        temperature: float | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        progress: bool | None = None,
        scale: Any = None,
        deadline: float | None = None,
        max_reply_bytes: int | None = None,
        max_consecutive_failures: int | None = None,
        settings: JudgeSettings | None = None,
    ) -> None:
        given = JudgeSettings(
            model=model,
            api_base=api_base,
            concurrency=concurrency,
            use_cache=use_cache,
            max_cost=max_cost,
            repeats=repeats,
            temperature=temperature,
            timeout=timeout,
            max_retries=max_retries,
            progress=progress,
            deadline=deadline,
            max_reply_bytes=max_reply_bytes,
            max_consecutive_failures=max_consecutive_failures,
        )
        self.judge_settings = replace(given, **settings.options()) if settings is not None else given
        js = self.judge_settings
        self.name = name
        # a registry name or .yaml path; or a template object with the same members (a plugin's own
        # prompt format: name, hash, model, temperature, max_tokens, scale, repair, messages, repair_messages)
        self.template: PromptFormat = load_template(template) if isinstance(template, str) else template
        self.template_hash = self.template.hash
        # The scale scores are read on: ``scale`` (low, high) if given, else the template's, else 0..1.
        # The pipeline takes it from here (it wins over the spec's declaration) and checks it again.
        try:
            self.scale = ScoreScale.from_value(scale if scale is not None else self.template.scale)
        except ValueError as exc:
            raise UsageError(f"judge {name!r}: {exc}") from None
        api_options = {
            k: v
            for k, v in js.options().items()
            if k not in ("repeats", "temperature", "batch", "batch_wait")
        }
        self.settings = ApiSettings.from_options(
            **{**api_options, "model": js.model or self.template.model},
            api_key_env=api_key_env,
            cache_path=cache_path,
        )
        self.temperature = self.template.temperature if js.temperature is None else float(js.temperature)
        self.repeats = 1 if js.repeats is None else int(js.repeats)
        self.client = ChatClient(self.settings, namespace=f"judge:{self.template_hash}")
        self.stats: dict[str, Any] = {}

    def preflight(self, *, timeout: float = 10.0) -> None:
        """Before a run generates anything: one cheap request proves the endpoint is there and
        takes the key (:func:`harness.api.preflight.check_endpoint`), else a UsageError now."""
        if self.judge_settings.batch:  # the Batch API, not a chat completion (harness.judging.batch_judge)
            return check_batch_endpoint(
                self.client, timeout=min(timeout, self.settings.timeout), what=f"judge {self.name!r}"
            )
        check_endpoint(self.client, timeout=min(timeout, self.settings.timeout), what=f"judge {self.name!r}")

    # ------------------------------------------------------------------------------ describing

    @property
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": self.temperature}
        if self.template.max_tokens:
            params["max_tokens"] = self.template.max_tokens
        return params

    @property
    def config(self) -> dict[str, Any]:
        """What the run directory records about this judge (no secrets)."""
        return {
            "judge": self.name,
            "template": self.template.name,
            "template_hash": self.template_hash,
            "temperature": self.temperature,
            "repeats": self.repeats,
            "scale": self.scale.to_dict(),
            **self.settings.public_dict(),
        }

    def judge_model(self) -> str:
        """The model asked (its cost is estimated at this model's price)."""
        return self.settings.model

    def _key_extra(self, item: JudgeItem) -> dict[str, Any]:
        # The repeat index is part of the key: K repeats must be K replies, not one cached K times.
        return {"template_hash": self.template_hash, "repeat": item.repeat}

    def estimate_cost(self, items: Sequence[JudgeItem]) -> float | None:
        """USD for the items not already cached: exact prompt tokens, estimated completion tokens
        (``ESTIMATED_COMPLETION_TOKENS`` each). ``None`` when the model's price is unknown."""
        litellm = import_litellm()
        prompt_tokens = n_uncached = 0
        for item in items:
            messages = self.template.messages(item)
            if self.client.is_cached(self.client.key_for(messages, self.params, self._key_extra(item))):
                continue
            n_uncached += 1
            try:
                prompt_tokens += litellm.token_counter(model=self.client.model_id, messages=messages)
            except Exception:  # e.g. a tokenizer litellm would download, offline: no estimate, no failure
                return None
        if n_uncached == 0:
            return 0.0
        return token_cost(
            [self.settings.model, self.client.model_id],
            prompt_tokens,
            n_uncached * ESTIMATED_COMPLETION_TOKENS,
        )

    # --------------------------------------------------------------------------------- judging

    def parse(self, reply: str) -> ParsedScore:
        """The score in a reply, on this judge's scale (BELLE's rules; a subclass may read its own)."""
        return parse_score(reply, self.scale)

    def _parse_for(self, reply: str, item: JudgeItem) -> ParsedScore:
        """The reading of ``reply`` for ``item`` (a judge that reads per item overrides this)."""
        return self.parse(reply)

    def _read(self, reply: str, item: JudgeItem) -> ParsedScore:
        """:meth:`_parse_for`, and a reply it cannot read ``unscored`` with the reason, never an
        exception: the reply is cached, so a parser that raised on it would end every rerun at
        the same judgment (the run could never be resumed)."""
        try:
            return self._parse_for(reply, item)
        except Exception as exc:  # a plugin's parser, or ours, on a reply nobody foresaw
            return ParsedScore(
                None, None, reason=f"the reply could not be read ({type(exc).__name__}: {exc})"[:300]
            )

    def _is_cached(self, item: JudgeItem) -> bool:
        return self.client.is_cached(
            self.client.key_for(self.template.messages(item), self.params, self._key_extra(item))
        )

    def judge(self, items: Sequence[JudgeItem], *, on_result: Callable[[Judgment], None]) -> None:
        """Judge every item; ``on_result`` gets each judgment as it completes (serially, in this
        process). Raises :class:`HarnessError` after delivering everything that finished if the
        client stopped after too many failed requests in a row."""
        items = list(items)
        counts = {"scored": 0, "unscored": 0, "failed": 0, "repairs": 0, "not_sent": 0}
        started = time.perf_counter()
        progress = ApiProgress(
            f"judging ({self.name})",
            enabled=self.settings.progress,
            failures=lambda: counts["failed"],
            spend=lambda: self.client.stats.to_dict()["cost"],
        )

        def deliver(item: JudgeItem, judgment: Judgment | None) -> None:
            if judgment is None:  # never sent: the client had stopped
                counts["not_sent"] += 1
                return
            counts[judgment.status] += 1
            counts["repairs"] += bool(judgment.meta.get("repaired"))
            on_result(judgment)

        try:
            run_jobs(
                items,
                self._judge_one,
                deliver,
                concurrency=self.settings.concurrency,
                progress=progress,
                finalize=self.client.aclose,
            )
        finally:
            self.stats = {
                "judge": self.name,
                "template_hash": self.template_hash,
                "items": len(items),
                **counts,
                "wall_seconds": round(time.perf_counter() - started, 3),
                **self.client.stats.to_dict(),
            }
        if self.client.stopped_reason is not None:
            finished = counts["scored"] + counts["unscored"]
            if self.client.stopped_reason.startswith(UNENFORCEABLE):  # the user's choice to make: exit 2
                raise UsageError(
                    f"judging stopped: {self.client.stopped_reason}; {finished} judgments finished "
                    "and are kept",
                    hint="run the same command again without --max-cost to finish",
                )
            raise HarnessError(
                f"judging {self.client.stopped_reason}; {finished} judgments finished and are kept, "
                f"{counts['failed']} failed, {counts['not_sent']} not sent",
                hint="check the judge server, then run the same command again to resume",
            )

    async def _judge_one(self, item: JudgeItem) -> Judgment | None:
        replies: list[ChatResponse] = []
        try:
            first = await self.client.complete(
                self.template.messages(item), params=self.params, key_extra=self._key_extra(item)
            )
            replies.append(first)
            if first.truncated:  # a cut reply is no verdict; a repair turn would resend it
                reason = f"reply too large (over {self.settings.max_reply_bytes} bytes; stored truncated)"
                return self._judgment(
                    item, None, "unscored", reason, replies, parse_rule=None, repaired=False, truncated=True
                )
            parsed = self._read(first.text, item)
            # no score, out of range or not a number: ask once more (unless the template has no repair turn)
            repaired = not parsed.ok and bool(self.template.repair)
            if repaired:
                second = await self.client.complete(
                    self.template.repair_messages(item, first.text),
                    params=self.params,
                    key_extra=self._key_extra(item),
                )
                replies.append(second)
                if second.truncated:
                    reason = f"reply too large (over {self.settings.max_reply_bytes} bytes; stored truncated)"
                    return self._judgment(
                        item,
                        None,
                        "unscored",
                        reason,
                        replies,
                        parse_rule=None,
                        repaired=True,
                        repair_reply=second.text,
                        truncated=True,
                    )
                parsed = self._read(second.text, item)
        except ApiFailure as exc:
            if exc.stopped and not replies:
                return None
            return self._judgment(item, None, "failed", exc.reason, replies, attempts_extra=exc.attempts)
        meta: dict[str, Any] = {"parse_rule": parsed.rule, "repaired": repaired}
        if repaired:
            meta["repair_reply"] = replies[-1].text
        if parsed.value is not None and not parsed.ok:
            # the number read, as text when it is NaN or infinite (the record stays valid JSON)
            meta["value"] = parsed.value if math.isfinite(parsed.value) else repr(parsed.value)
        if parsed.ok:
            return self._judgment(item, parsed.score, "scored", "", replies, **meta)
        reason = parsed.reason + (" (also after one repair request)" if repaired else "")
        return self._judgment(item, None, "unscored", reason, replies, **meta)

    def _judgment(
        self,
        item: JudgeItem,
        score: float | None,
        status: str,
        reason: str,
        replies: list[ChatResponse],
        *,
        attempts_extra: int = 0,
        **meta: Any,
    ) -> Judgment:
        base = {
            "judge_model": self.settings.model,
            "answering_model": replies[0].model if replies else None,
            "template": self.template.name,
            "template_hash": self.template_hash,
            "temperature": self.temperature,
            "prompt_tokens": _sum_or_none([r.prompt_tokens for r in replies]) if replies else 0,
            "completion_tokens": _sum_or_none([r.completion_tokens for r in replies]) if replies else 0,
            "cost": _sum_or_none([r.cost for r in replies]) if replies else 0.0,
            "cache_hit": bool(replies) and all(r.cached for r in replies),
            "attempts": sum(r.attempts for r in replies) + attempts_extra,
        }
        if replies and replies[0].fingerprint:  # only where the provider sends one: drift is read from it
            base["system_fingerprint"] = replies[0].fingerprint
        return Judgment(
            id=item.sample.id,
            category=item.sample.category,
            score=score,
            status=status,
            raw=replies[0].text if replies else "",
            judge=self.name,
            reason=reason,
            repeat=item.repeat,
            meta={**base, **meta},
        )
