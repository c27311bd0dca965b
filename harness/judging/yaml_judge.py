"""A judge from a YAML file (:mod:`harness.judge_files`): a :class:`PointwiseLLMJudge` whose
messages are the file's Jinja templates and whose reader is the one the file names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.judge_files import JudgeFile, load_judge_file
from harness.judging.parse import ParsedScore
from harness.judging.pointwise import PointwiseLLMJudge
from harness.judging.readers import ScoreReader, bracket_rating, dict_key, label_number
from harness.prompts.judge_jinja import render
from harness.protocols import JudgeItem

READERS: dict[str, Callable[..., ScoreReader]] = {
    "label_number": label_number,
    "bracket_rating": bracket_rating,
    "dict_key": dict_key,
}


def template_context(item: JudgeItem, data: Any) -> dict[str, Any]:
    """What a YAML judge's templates can use (README "A judge in YAML only")."""
    conversation = item.conversation()
    turns = [
        {"question": q["content"], "answer": a["content"]}
        for q, a in zip(conversation[::2], conversation[1::2], strict=False)
    ]
    return {
        "question": item.question,
        "answer": item.answer,
        "reference": item.reference,
        "category": item.category,
        "category_prompt": item.category_prompt,
        "gold_shown": item.gold_shown,
        "meta": dict(item.meta),
        "turn": item.turn,
        "turns": turns,
        "data": data,
    }


class YamlJudge(PointwiseLLMJudge):
    """Built by the registry for every YAML judge, with ``path`` from its spec."""

    def __init__(self, *, path: str | Path, name: str | None = None, **options: Any) -> None:
        self.definition: JudgeFile = load_judge_file(path)
        d = self.definition
        self.model, self.temperature, self.max_tokens, self.scale = (
            d.model,
            d.temperature,
            d.max_tokens,
            d.scale,
        )
        self.repair, self.template_name = d.repair, f"{d.name} ({Path(d.path).name})"
        self.reader_fn = READERS[d.reader[0]](*d.reader[1])
        super().__init__(name=name or d.name, **options)

    def fingerprint(self) -> Any:
        return {"yaml_judge": self.definition.hash}

    def messages(self, item: JudgeItem) -> list[dict[str, str]]:
        context = template_context(item, self.definition.data)
        where = f"{self.definition.path} ({item.sample.id})"
        return [
            {"role": role, "content": render(source, context, where=where)}
            for role, source in self.definition.messages_for(item.category)
        ]

    def read(self, reply: str, item: JudgeItem) -> ParsedScore:
        return self.reader_fn(reply, self.scale)
