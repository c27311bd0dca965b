"""Judge templates: versioned YAML in ``registry/judges/``, rendered into chat messages, hashed.

The prompt is data, not code, so it can be read, diffed and versioned; its SHA-256 (over the fields
that shape a request) is recorded in every judgment, so two judgments are only compared when they
were produced by the same words.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from harness.errors import UsageError
from harness.judge_files import is_judge_file
from harness.protocols import JudgeItem
from harness.registry_dirs import all_registry_dirs
from harness.registry_yaml import builtin_registry_dir, load_yaml_model

DEFAULT_TEMPLATE = "belle-v1"


class JudgeTemplate(BaseModel):
    """A judge prompt. ``with_gold``/``without_gold`` are ``str.format`` templates with the fields
    ``prompt`` (the category's prompt), ``question``, ``reference`` and ``answer``. ``scale`` is the
    score range the prompt asks for (``[1, 10]``); left out, the judge's default, 0..1 (BELLE's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    source: str = ""
    with_gold: str
    without_gold: str
    repair: str
    model: str = "gpt-3.5-turbo"
    temperature: float = 0.0
    max_tokens: int | None = None
    scale: tuple[float, float] | None = None

    @property
    def hash(self) -> str:
        shaping = {
            "with_gold": self.with_gold,
            "without_gold": self.without_gold,
            "repair": self.repair,
            "max_tokens": self.max_tokens,
        }
        return hashlib.sha256(json.dumps(shaping, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def render(self, item: JudgeItem) -> str:
        """The single user message BELLE sends for this item."""
        # BELLE decides by category alone (an empty gold answer is still shown as empty).
        form = self.with_gold if item.gold_shown else self.without_gold
        return form.format(
            prompt=item.category_prompt,
            question=item.sample.question,
            reference=item.sample.reference,
            answer=item.answer,
        )

    def messages(self, item: JudgeItem) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.render(item)}]

    def repair_messages(self, item: JudgeItem, first_reply: str) -> list[dict[str, str]]:
        """The conversation re-asked once when the first reply had no readable score."""
        return [
            *self.messages(item),
            {"role": "assistant", "content": first_reply},
            {"role": "user", "content": self.repair},
        ]


def _template_dirs() -> list[Path]:
    try:
        dirs = all_registry_dirs()
    except Exception:  # no plugin manager (minimal test setups): the project's own registry
        dirs = []
    builtin = builtin_registry_dir()
    return dirs if builtin in dirs else [builtin, *dirs]


@lru_cache(maxsize=32)
def load_template(name_or_path: str = DEFAULT_TEMPLATE) -> JudgeTemplate:
    """A template by name (``registry/judges/<name>.yaml`` in any registry dir) or by file path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return load_yaml_model(candidate, JudgeTemplate)
    known: list[str] = []
    for directory in _template_dirs():
        for path in sorted((directory / "judges").glob("*.y*ml")):
            if is_judge_file(path):  # a YAML judge (harness.judge_files), not a template
                continue
            known.append(path.stem)
            if path.stem == name_or_path:
                return load_yaml_model(path, JudgeTemplate)
    raise UsageError(
        f"unknown judge template {name_or_path!r}",
        hint=f"known templates: {', '.join(sorted(set(known))) or '(none)'}; or pass a .yaml path",
    )
