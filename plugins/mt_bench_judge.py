"""``mt-bench-single`` and ``mt-bench-pair``: FastChat's MT-Bench judges, on the public judge kit.

What FastChat does (``fastchat/llm_judge/common.py`` ``run_judge_single``/``run_judge_pair`` and
``gen_judgment.py`` at the pinned commit), reproduced byte for byte: the prompt is
``prompt_template.format(**kwargs)`` with exactly FastChat's keyword arguments, after a system message
with the prompt's ``system_prompt``; ``single-v1``/``pair-v2`` for turn 1, their ``-multi-turn``
forms for turn 2 (the whole conversation shown); for ``math``, ``reasoning`` and ``coding``
(``NEED_REF_CATS``) the ``-math-v1`` prompts with GPT-4's reference answers. GPT-4, temperature 0,
``max_tokens`` 2048, no repair turn (FastChat asks once).

The rating is FastChat's first ``[[x]]``, else first ``[x]``, read by
:func:`harness.judging.bracket_rating` (digit by digit, never evaluated: ``07`` is 7, digits of
mixed scripts are refused); none, or one outside 1..10, is ``unscored`` with the reason (FastChat
stores -1, or keeps it). The pairwise verdict is ``[[A]]``, ``[[B]]`` or ``[[C]]`` (a tie); both
orders, flip = tie and the win rate come from the harness.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import DataError
from harness.judging import PairwiseLLMJudge, PointwiseLLMJudge, bracket_rating, letter_verdict, system, user

from .mt_bench_data import CATEGORY_PREFIX, JUDGE_PROMPTS, NEED_REF_CATS, load_judge_prompts, source_directory

SCALE = (1.0, 10.0)
PROMPTS = ("single-v1", "single-math-v1", "single-v1-multi-turn", "single-math-v1-multi-turn")
PAIR_PROMPTS = ("pair-v2", "pair-math-v1", "pair-v2-multi-turn", "pair-math-v1-multi-turn")
fastchat_rating = bracket_rating()


def fastchat_winner(reply: str) -> str | None:
    """FastChat's ``[[A]]`` output format: ``[[A]]``, else ``[[B]]``, else ``[[C]]`` (a tie)."""
    return letter_verdict()(reply).verdict


def pick_prompts(prompts: dict[str, dict[str, Any]], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The judge prompts ``names`` from FastChat's judge_prompts.jsonl; exit 2 naming any missing."""
    missing = [p for p in names if p not in prompts]
    if missing:
        raise DataError(f"{JUDGE_PROMPTS}: missing the judge prompts {', '.join(missing)}")
    return {p: prompts[p] for p in names}


class FastChatPrompts:
    """FastChat's prompts for one turn of one MT-Bench question (shared by both judges)."""

    model, temperature, version = "gpt-4", 0.0, "fastchat"
    max_tokens: int | None = 2048
    names: tuple[str, ...] = ()

    def __init__(
        self, *, data_dir: Path | str | None = None, mirror: str | None = None, **options: Any
    ) -> None:
        self.prompts = pick_prompts(
            load_judge_prompts(source_directory(data_dir, mirror) / JUDGE_PROMPTS), self.names
        )
        super().__init__(**options)

    def fingerprint(self) -> Any:
        return {"prompts": self.prompts, "max_tokens": self.max_tokens}

    def prompt_name(self, item: Any) -> str:
        category = item.sample.meta.get("mt_bench_category") or item.sample.category.removeprefix(
            CATEGORY_PREFIX
        )
        kind = "math-v1" if category in NEED_REF_CATS else self.names[0].split("-", 1)[1]
        return f"{self.names[0].split('-')[0]}-{kind}" + ("-multi-turn" if (item.turn or 1) > 1 else "")

    def render(self, item: Any, answers: dict[str, Sequence[str]]) -> list[dict[str, str]]:
        """``prompt_template.format`` with FastChat's keywords; ``answers`` maps a keyword stem
        (``answer``, ``answer_a``...) to the answers of turns 1..turn."""
        turns: Sequence[str] = item.sample.turns or (item.sample.question,)
        refs = item.sample.references or ((item.sample.reference,) if item.sample.reference else ())
        turn, prompt = item.turn or 1, self.prompts[self.prompt_name(item)]
        if turn > 2:
            raise DataError(f"{item.sample.id}: MT-Bench's prompts judge turn 1 or 2, not {turn}")
        kwargs: dict[str, str] = {}
        if "math" in prompt["name"]:
            if len(refs) < turn:
                raise DataError(
                    f"{item.sample.id}: {prompt['name']} needs a reference answer for turn {turn}"
                )
            kwargs.update({f"ref_answer_{k}": refs[k - 1] for k in range(1, turn + 1)})
        if turn == 2:
            kwargs.update(question_1=turns[0], question_2=turns[1])
            kwargs.update({f"{stem}_{k}": texts[k - 1] for stem, texts in answers.items() for k in (1, 2)})
        else:
            kwargs.update(question=turns[0], **{stem: texts[0] for stem, texts in answers.items()})
        text = prompt["prompt_template"].format(**kwargs)
        return ([system(prompt["system_prompt"])] if prompt["system_prompt"] else []) + [user(text)]


class MTBenchSingleJudge(FastChatPrompts, PointwiseLLMJudge):
    """``mt-bench-single``: options as for ``gpt35`` plus ``data_dir``/``mirror`` (where the pinned
    MT-Bench files are; by default ``$HARNESS_DATA_DIR`` or the download cache)."""

    name, scale, reader, names = "mt-bench-single", SCALE, fastchat_rating, PROMPTS
    template_name = "mt-bench-single-v1"

    def messages(self, item: Any) -> list[dict[str, str]]:
        return self.render(item, {"answer": item.answers or (item.answer,)})

    def judgment_meta(self, item: Any) -> dict[str, Any]:
        return {"prompt_name": self.prompt_name(item)}


class MTBenchPairJudge(FastChatPrompts, PairwiseLLMJudge):
    """``mt-bench-pair``: FastChat's pairwise GPT-4 judge; every pair in both orders, flip = tie."""

    name, reader, names, template_name = "mt-bench-pair", letter_verdict(), PAIR_PROMPTS, "mt-bench-pair-v2"

    def messages(self, item: Any) -> list[dict[str, str]]:
        return self.render(item, {"answer_a": item.answers_a, "answer_b": item.answers_b})

    def verdict_meta(self, item: Any) -> dict[str, Any]:
        return {"prompt_name": self.prompt_name(item)}
