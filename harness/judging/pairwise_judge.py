"""The base for pairwise LLM judges: the author writes what to ask about two answers and how to read
the verdict; the harness shows every pair in both orders, counts a flipped verdict as a tie and
reports the win rate with a bootstrap interval (:mod:`harness.judging.pairwise`).

Client, cache, retries, concurrency, cost and ``--max-cost``, progress, stats and preflight are
those of :class:`~harness.judging.llm_judge.LLMJudge` (its options, too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from harness.api import ApiFailure, ApiProgress, run_jobs
from harness.errors import UsageError
from harness.judging.llm_judge import LLMJudge
from harness.judging.pointwise import AuthoredTemplate, fingerprint_of, judge_options, kebab
from harness.judging.readers import ParsedVerdict, letter_verdict
from harness.protocols import PAIR_VERDICTS, PairItem, PairVerdict


def as_verdict(value: Any) -> ParsedVerdict:
    """What a pairwise ``read`` returned (``"A"``/``"B"``/``"tie"``, a reading, or an unscored one)."""
    if isinstance(value, str) and value in PAIR_VERDICTS:
        return ParsedVerdict(value, "read")
    if isinstance(value, ParsedVerdict) and (value.verdict is None or value.verdict in PAIR_VERDICTS):
        return value
    reason = getattr(value, "reason", "") or f"read() returned {str(value)[:40]!r}, not A, B or tie"
    return ParsedVerdict(None, None, reason)


class PairwiseLLMJudge(LLMJudge):
    """Subclass it; write :meth:`messages` for a :class:`~harness.protocols.PairItem` (answers
    ``item.answers_a``/``item.answers_b``, shown as A and B) and :meth:`read` (or set ``reader``).
    Register with ``JudgeSpec(..., judge_kind="pairwise")``; use it with ``harness compare --judge``."""

    name: str = ""
    model: str = "gpt-4o-mini"
    temperature: float = 0.0
    max_tokens: int | None = None
    scale: Any = None
    repair: str = ""
    version: ClassVar[str] = "1"
    template_name: str = ""
    reader: ClassVar[Callable[[str], ParsedVerdict] | None] = None  # default: letter_verdict()

    def __init__(self, *, name: str | None = None, **options: Any) -> None:
        own = name or type(self).name or kebab(type(self).__name__)
        options.pop("repeats", None)  # each pair is asked once per order
        super().__init__(name=own, template=AuthoredTemplate(self), **judge_options(own, options))

    def messages(self, item: PairItem) -> list[dict[str, str]]:
        """The conversation sent to the judge model for ``item``."""
        raise NotImplementedError(f"{type(self).__name__} must define messages(self, item)")

    def read(self, reply: str, item: PairItem) -> ParsedVerdict | str:
        """``"A"``, ``"B"`` or ``"tie"`` (or a reading from :func:`letter_verdict`)."""
        return (type(self).reader or letter_verdict())(reply)

    def verdict_meta(self, item: PairItem) -> dict[str, Any]:
        """Extra keys for every verdict's ``meta``."""
        return {}

    def fingerprint(self) -> Any:
        """What shapes the replies, hashed into the cache key (override to add your data files)."""
        return fingerprint_of(self)

    def judge(self, items: Sequence[Any], *, on_result: Callable[[Any], None]) -> None:
        raise UsageError(
            f"judge {self.name!r} is pairwise", hint="use it with `harness compare A B --judge NAME`"
        )

    def judge_pairs(self, items: Sequence[PairItem], *, on_result: Callable[[PairVerdict], None]) -> None:
        """Judge every pair item; ``on_result`` gets each verdict as it completes."""
        items = list(items)
        counts = {"decided": 0, "undecided": 0}

        def deliver(item: PairItem, verdict: PairVerdict) -> None:
            counts["decided" if verdict.verdict else "undecided"] += 1
            on_result(verdict)

        progress = ApiProgress(
            f"judging pairs ({self.name})",
            enabled=self.settings.progress,
            failures=lambda: counts["undecided"],
            spend=lambda: self.client.stats.to_dict()["cost"],
        )
        try:
            run_jobs(
                items,
                self._verdict,
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
                **self.client.stats.to_dict(),
            }

    async def _verdict(self, item: PairItem) -> PairVerdict:
        meta = {
            "template": self.template.name,
            "template_hash": self.template_hash,
            "turn": item.turn,
            **self.verdict_meta(item),
        }
        try:
            reply = await self.client.complete(
                self.template.messages(item),
                params=self.params,
                key_extra={"template_hash": self.template_hash},
            )
        except ApiFailure as exc:
            return PairVerdict.for_item(item, None, judge=self.name, reason=exc.reason, meta=meta)
        try:
            reading = as_verdict(self.read(reply.text, item))
        except Exception as exc:  # a plugin's reader on a reply nobody foresaw: no verdict, never a crash
            reading = ParsedVerdict(None, None, f"the reply could not be read ({type(exc).__name__})")
        meta.update(
            judge_model=self.settings.model,
            answering_model=reply.model,
            cache_hit=reply.cached,
            cost=reply.cost,
            rule=reading.rule,
        )
        return PairVerdict.for_item(
            item, reading.verdict, judge=self.name, raw=reply.text, reason=reading.reason, meta=meta
        )
