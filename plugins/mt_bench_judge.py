"""``mt-bench-single``: FastChat's single-answer MT-Bench judge, through the harness's LLM judge.

What FastChat does (``fastchat/llm_judge/common.py`` ``run_judge_single`` and ``gen_judgment.py``
at the pinned commit), reproduced here:

* the prompt: ``single-v1`` for turn 1, ``single-v1-multi-turn`` for turn 2 (the whole conversation
  shown, the second answer judged); for ``math``, ``reasoning`` and ``coding`` (``NEED_REF_CATS``)
  ``single-math-v1`` / ``single-math-v1-multi-turn`` with GPT-4's reference answers. The user message
  is ``prompt_template.format(**kwargs)`` with exactly FastChat's keyword arguments, after a system
  message with the prompt's ``system_prompt`` (``conv.set_system_message``; OpenAI format);
* GPT-4 (``gpt-4``), temperature 0, ``max_tokens`` 2048;
* the rating: the first ``[[x]]`` (``\\[\\[(\\d+\\.?\\d*)\\]\\]``), else the first ``[x]``. FastChat
  reads it with ``ast.literal_eval``, which raises on ``07`` and on the digits ``\\d`` also matches
  (``５``, ``٧``); here it is read digit by digit (:func:`rating_value`, never evaluated): ``07``
  is 7, full-width and other scripts' digits are their values, and digits of mixed scripts
  (``٧5``) are refused with the reason. FastChat stores -1 when there is none and leaves it out
  of every mean; here that is an ``unscored`` judgment with the reason (and no repair turn:
  FastChat asks once). A rating outside 1..10 is ``unscored`` too (FastChat would keep it).

Everything else -- cache, retries, concurrency, cost, budget, resumption -- is the harness's
:class:`~harness.judging.llm_judge.LLMJudge`; the judge declares its scale (1..10, pointwise) on its
spec, so scoring and reports need nothing MT-Bench-specific.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from harness.judging.llm_judge import LLMJudge
from harness.judging.parse import ParsedScore
from harness.protocols import JudgeItem
from harness.scales import ScoreScale, check_score

from .mt_bench_data import CATEGORY_PREFIX, JUDGE_PROMPTS, NEED_REF_CATS, load_judge_prompts, source_directory

SCALE = (1.0, 10.0)
ONE_SCORE = re.compile(r"\[\[(\d+\.?\d*)\]\]")
ONE_SCORE_BACKUP = re.compile(r"\[(\d+\.?\d*)\]")
PROMPTS = ("single-v1", "single-math-v1", "single-v1-multi-turn", "single-math-v1-multi-turn")


def pick_prompts(prompts: dict[str, dict[str, Any]], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The judge prompts ``names`` from FastChat's judge_prompts.jsonl; exit 2 naming any missing."""
    missing = [p for p in names if p not in prompts]
    if missing:
        from harness.errors import DataError

        raise DataError(f"{JUDGE_PROMPTS}: missing the judge prompts {', '.join(missing)}")
    return {p: prompts[p] for p in names}


def prompts_hash(prompts: dict[str, dict[str, Any]], max_tokens: int) -> str:
    """What shapes the judge's replies (prompt texts, max_tokens): part of the cache key."""
    shaping = {"prompts": prompts, "max_tokens": max_tokens}
    return hashlib.sha256(json.dumps(shaping, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def rating_value(written: str) -> tuple[float | None, str]:
    """The number ``\\d+\\.?\\d*`` matched, as ``(value, "")``, or ``(None, reason)`` when its
    digits are of different scripts (``٧5``: 75, or 7 and a typo?). Each digit is read by its
    Unicode value: a leading zero is no octal, ``５`` and ``٧`` are 5 and 7."""
    zeros = {ord(c) - unicodedata.decimal(c) for c in written if c != "."}
    if len(zeros) > 1:
        shown = written if len(written) <= 12 else written[:12] + "..."
        return None, f"the rating {ascii(shown)} mixes digits of different scripts"
    return float("".join(c if c == "." else str(unicodedata.decimal(c)) for c in written)), ""


def fastchat_rating(reply: str, scale: ScoreScale) -> ParsedScore:
    """FastChat's rating extraction (first ``[[x]]``, else first ``[x]``), checked against ``scale``."""
    for rule, pattern in (("[[rating]]", ONE_SCORE), ("[rating]", ONE_SCORE_BACKUP)):
        match = pattern.search(reply or "")
        if match:
            value, refused = rating_value(match.group(1))
            if value is None:
                return ParsedScore(None, rule, reason=refused)
            score, reason = check_score(value, scale)
            return ParsedScore(score, rule, reason=reason or "", value=value)
    return ParsedScore(None, None, reason="no [[rating]] in the reply")


class MTBenchSingleTemplate:
    """FastChat's four single-answer prompts, rendered for one turn of one MT-Bench question."""

    model = "gpt-4"
    temperature = 0.0
    max_tokens = 2048
    scale = SCALE
    repair = ""  # FastChat does not ask again

    def __init__(self, prompts: dict[str, dict[str, Any]], name: str = "mt-bench-single-v1") -> None:
        self.prompts = pick_prompts(prompts, PROMPTS)
        self.name = name

    @cached_property
    def hash(self) -> str:
        return prompts_hash(self.prompts, self.max_tokens)

    @staticmethod
    def conversation(item: JudgeItem) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], int]:
        """(question turns, answers, references, judged turn), for single- and multi-turn samples."""
        turns = item.sample.turns or (item.sample.question,)
        answers = item.answers or (item.answer,)
        refs = item.sample.references or ((item.sample.reference,) if item.sample.reference else ())
        return turns, answers, refs, item.turn or 1

    def prompt_name(self, item: JudgeItem) -> str:
        category = item.sample.meta.get("mt_bench_category") or item.sample.category.removeprefix(CATEGORY_PREFIX)
        math = category in NEED_REF_CATS
        multi = (item.turn or 1) > 1
        return ("single-math-v1" if math else "single-v1") + ("-multi-turn" if multi else "")

    def render(self, item: JudgeItem) -> tuple[str, str]:
        """(system prompt, user prompt), as ``run_judge_single`` builds them."""
        turns, answers, refs, turn = self.conversation(item)
        if turn > 2:
            from harness.errors import DataError

            raise DataError(f"{item.sample.id}: MT-Bench's prompts judge turn 1 or 2, not {turn}")
        prompt = self.prompts[self.prompt_name(item)]
        kwargs: dict[str, str] = {}
        if "math" in prompt["name"]:
            if len(refs) < turn:
                from harness.errors import DataError

                raise DataError(f"{item.sample.id}: {prompt['name']} needs a reference answer for turn {turn}")
            kwargs["ref_answer_1"] = refs[0]
            if turn == 2:
                kwargs["ref_answer_2"] = refs[1]
        if turn == 2:
            user = prompt["prompt_template"].format(question_1=turns[0], question_2=turns[1], answer_1=answers[0],
                                                    answer_2=answers[1], **kwargs)
        else:
            user = prompt["prompt_template"].format(question=turns[0], answer=answers[0], **kwargs)
        return prompt["system_prompt"], user

    def messages(self, item: JudgeItem) -> list[dict[str, str]]:
        system, user = self.render(item)
        return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]

    def repair_messages(self, item: JudgeItem, first_reply: str) -> list[dict[str, str]]:  # pragma: no cover
        raise NotImplementedError("MT-Bench's judge has no repair turn")


class MTBenchSingleJudge(LLMJudge):
    """``mt-bench-single``: options as for ``gpt35`` plus ``data_dir``/``mirror`` (where the pinned
    MT-Bench files are; by default ``$HARNESS_DATA_DIR`` or the download cache)."""

    def __init__(self, *, name: str = "mt-bench-single", data_dir: Path | str | None = None,
                 mirror: str | None = None, **options: Any) -> None:
        prompts = load_judge_prompts(source_directory(data_dir, mirror) / JUDGE_PROMPTS)
        super().__init__(name=name, template=MTBenchSingleTemplate(prompts), **options)

    def parse(self, reply: str) -> ParsedScore:
        return fastchat_rating(reply, self.scale)

    def _judgment(self, item: JudgeItem, *args: Any, **meta: Any) -> Any:
        judgment = super()._judgment(item, *args, **meta)
        judgment.meta["prompt_name"] = self.template.prompt_name(item)
        return judgment


PAIR_PROMPTS = ("pair-v2", "pair-math-v1", "pair-v2-multi-turn", "pair-math-v1-multi-turn")


class MTBenchPairTemplate:
    """FastChat's pairwise prompts (``run_judge_pair``), rendered for one turn and one order."""

    def __init__(self, prompts: dict[str, dict[str, Any]], name: str = "mt-bench-pair-v2") -> None:
        self.prompts = pick_prompts(prompts, PAIR_PROMPTS)
        self.name = name

    @cached_property
    def hash(self) -> str:
        return prompts_hash(self.prompts, 2048)

    def prompt_name(self, item: Any) -> str:
        category = item.sample.meta.get("mt_bench_category") or item.sample.category.removeprefix(CATEGORY_PREFIX)
        return ("pair-math-v1" if category in NEED_REF_CATS else "pair-v2") + (
            "-multi-turn" if (item.turn or 1) > 1 else "")

    def messages(self, item: Any) -> list[dict[str, str]]:
        turns = item.sample.turns or (item.sample.question,)
        refs = item.sample.references or ((item.sample.reference,) if item.sample.reference else ())
        turn = item.turn or 1
        prompt = self.prompts[self.prompt_name(item)]
        kwargs: dict[str, str] = {}
        if "math" in prompt["name"]:
            if len(refs) < turn:
                from harness.errors import DataError

                raise DataError(f"{item.sample.id}: {prompt['name']} needs a reference answer for turn {turn}")
            kwargs["ref_answer_1"] = refs[0]
            if turn == 2:
                kwargs["ref_answer_2"] = refs[1]
        a, b = item.answers_a, item.answers_b
        if turn == 2:
            user = prompt["prompt_template"].format(question_1=turns[0], question_2=turns[1], answer_a_1=a[0],
                                                    answer_b_1=b[0], answer_a_2=a[1], answer_b_2=b[1], **kwargs)
        else:
            user = prompt["prompt_template"].format(question=turns[0], answer_a=a[0], answer_b=b[0], **kwargs)
        return [{"role": "system", "content": prompt["system_prompt"]}, {"role": "user", "content": user}]


def fastchat_winner(reply: str) -> str | None:
    """FastChat's ``[[A]]`` output format: ``[[A]]``, else ``[[B]]``, else ``[[C]]`` (a tie)."""
    for mark, verdict in (("[[A]]", "A"), ("[[B]]", "B"), ("[[C]]", "tie")):
        if mark in (reply or ""):
            return verdict
    return None


class MTBenchPairJudge:
    """``mt-bench-pair``: FastChat's pairwise GPT-4 judge (temperature 0, max_tokens 2048); the
    harness runs every pair in both orders and counts a flipped verdict as a tie."""

    def __init__(self, *, name: str = "mt-bench-pair", data_dir: Path | str | None = None, mirror: str | None = None,
                 model: str | None = None, api_base: str | None = None, api_key_env: str | None = None,
                 concurrency: int | None = None, use_cache: bool | None = None, cache_path: str | Path | None = None,
                 max_cost: float | None = None, timeout: float | None = None, max_retries: int | None = None,
                 progress: bool | None = None, **_: Any) -> None:
        from harness.api import ApiSettings, ChatClient

        self.name = name
        self.template = MTBenchPairTemplate(load_judge_prompts(source_directory(data_dir, mirror) / JUDGE_PROMPTS))
        self.settings = ApiSettings.from_options(
            model=model or "gpt-4", api_base=api_base, api_key_env=api_key_env, concurrency=concurrency,
            use_cache=use_cache, cache_path=cache_path, max_cost=max_cost, timeout=timeout, max_retries=max_retries,
            progress=progress)
        self.client = ChatClient(self.settings, namespace=f"judge:{self.template.hash}")
        self.params = {"temperature": 0.0, "max_tokens": 2048}
        self.stats: dict[str, Any] = {}

    def judge_pairs(self, items: Any, *, on_result: Any) -> None:
        from harness.api import ApiFailure, ApiProgress, run_jobs
        from harness.protocols import PairVerdict

        async def one(item: Any) -> PairVerdict:
            meta = {"prompt_name": self.template.prompt_name(item), "template_hash": self.template.hash,
                    "turn": item.turn}
            try:
                reply = await self.client.complete(self.template.messages(item), params=self.params,
                                                   key_extra={"template_hash": self.template.hash})
            except ApiFailure as exc:
                return PairVerdict(id=item.sample.id, order=item.order, verdict=None, judge=self.name,
                                   reason=exc.reason, meta=meta)
            verdict = fastchat_winner(reply.text)
            return PairVerdict(id=item.sample.id, order=item.order, verdict=verdict, raw=reply.text, judge=self.name,
                               reason="" if verdict else "no [[A]], [[B]] or [[C]] in the reply",
                               meta={**meta, "cache_hit": reply.cached, "cost": reply.cost,
                                     "answering_model": reply.model})

        progress = ApiProgress(f"judging pairs ({self.name})", enabled=self.settings.progress,
                               failures=lambda: 0, spend=lambda: self.client.stats.to_dict()["cost"])
        run_jobs(list(items), one, lambda item, verdict: on_result(verdict), concurrency=self.settings.concurrency,
                 progress=progress, finalize=self.client.aclose)
        self.stats = {"judge": self.name, "items": len(items), **self.client.stats.to_dict()}
