"""YAML judges: an LLM judge written as a registry file, no Python (README "A judge in YAML only").

A file in a registry directory's ``judges/`` with a ``messages`` key is a judge (one with
``with_gold`` is a BELLE-style template for ``gpt35``, :mod:`harness.judging.template`)::

    name: rubric-zh                  # the judge's name (harness run --judge rubric-zh)
    description: a line for harness list
    scale: [1, 10]
    model: gpt-4o-mini               # default judge model; temperature: 0; max_tokens: null
    reader: {dict_key: 综合得分}      # or bracket_rating, label_number, {label_number: [得分]}
    data: {dimensions: {open_qa: [事实正确性, 满足用户需求], default: [满足用户需求]}}
    messages:
      - {role: system, content: 你是一个严格的评审。}
      - role: user
        content: "问题：{{ question }} ... {{ data.dimensions.get(category, data.dimensions.default) | join('、') }}"
    variants: {generation: {messages: [...]}}   # optional: other messages for some categories

Each ``content`` is a Jinja template rendered in a sandbox with ``question``, ``answer``,
``reference``, ``category``, ``category_prompt``, ``gold_shown``, ``meta`` (the sample's),
``turn``, ``turns`` (``[{question, answer}]`` so far) and ``data``. Checked here without pydantic
(listing stays light); every problem is a usage error naming the file and line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.prompts.judge_jinja import check_template
from harness.registry_files import RegistryFileError, read_yaml, yaml_files
from harness.specs import JudgeSpec

READERS = ("label_number", "bracket_rating", "dict_key")
FIELDS = (
    "name",
    "description",
    "scale",
    "model",
    "temperature",
    "max_tokens",
    "reader",
    "data",
    "messages",
    "variants",
    "repair",
    "source",
)
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class JudgeFile:
    """A checked YAML judge: its fields, with ``messages``/``variants`` as lists of role/content."""

    path: str
    name: str
    description: str
    scale: tuple[float, float]
    model: str
    temperature: float
    max_tokens: int | None
    reader: tuple[str, tuple[str, ...]]  # (reader, its arguments)
    data: Any
    messages: tuple[tuple[str, str], ...]
    variants: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    repair: str

    @property
    def hash(self) -> str:
        """What shapes the replies: the prompts, the data they look up, the reader, max_tokens."""
        shaping = {
            "messages": self.messages,
            "variants": self.variants,
            "data": self.data,
            "reader": self.reader,
            "max_tokens": self.max_tokens,
            "repair": self.repair,
            "scale": self.scale,
        }
        return hashlib.sha256(json.dumps(shaping, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def messages_for(self, category: str) -> tuple[tuple[str, str], ...]:
        return dict(self.variants).get(category, self.messages)


def _lines(path: Path) -> dict[str, int]:
    """The line of each top-level key (1-based), for messages that point at it."""
    import yaml

    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except Exception:  # read_yaml has already said what is wrong with the file
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): value.start_mark.line + 1 for key, value in node.value}


class _Checker:
    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data, self.lines = path, data, _lines(path)

    def fail(self, key: str, problem: str) -> RegistryFileError:
        return RegistryFileError(
            f"{self.path}:{self.lines.get(key, 1)}: {key}: {problem}",
            hint="See README 'A judge in YAML only' for the fields.",
        )

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(key, f"expected text, got {type(value).__name__}")
        return value

    def scale(self) -> tuple[float, float]:
        value = self.data.get("scale", [1, 10])
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and value[0] < value[1]
        )
        if not ok:
            raise self.fail("scale", f"expected [low, high] with low < high, got {value!r}")
        return float(value[0]), float(value[1])

    def reader(self) -> tuple[str, tuple[str, ...]]:
        value = self.data.get("reader", "label_number")
        name, args = (
            (value, [])
            if isinstance(value, str)
            else (next(iter(value.items())) if isinstance(value, dict) and len(value) == 1 else (None, None))
        )
        args = [args] if isinstance(args, str) else args
        if (
            name not in READERS
            or not isinstance(args, list)
            or not all(isinstance(a, str) and a for a in args)
            or (name == "dict_key" and len(args) != 1)
            or (name == "bracket_rating" and args)
        ):
            raise self.fail(
                "reader",
                f"expected one of {', '.join(READERS)} (dict_key with its key, "
                f"label_number with labels), got {value!r}",
            )
        return name, tuple(args)

    def messages(self, key: str, value: Any) -> tuple[tuple[str, str], ...]:
        ok = (
            isinstance(value, list)
            and value
            and all(
                isinstance(m, dict)
                and set(m) == {"role", "content"}
                and m["role"] in ROLES
                and isinstance(m["content"], str)
                for m in value
            )
        )
        if not ok:
            raise self.fail(key, "expected a list of {role: system|user|assistant, content: text}")
        for message in value:
            problem = check_template(message["content"])
            if problem:
                raise self.fail(key, problem)
        return tuple((m["role"], m["content"]) for m in value)

    def variants(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        value = self.data.get("variants", {})
        if not isinstance(value, dict) or not all(
            isinstance(v, dict) and set(v) == {"messages"} for v in value.values()
        ):
            raise self.fail("variants", "expected {category: {messages: [...]}}")
        return tuple((str(c), self.messages("variants", v["messages"])) for c, v in sorted(value.items()))


def _number(checker: _Checker, key: str, default: Any, kinds: tuple[type[int | float], ...]) -> Any:
    value = checker.data.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kinds) or value < 0):
        raise checker.fail(key, f"expected a number of at least 0, got {value!r}")
    return value


def load_judge_file(path: Path | str) -> JudgeFile:
    """The YAML judge at ``path``, checked; a :class:`RegistryFileError` naming file and line if not."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RegistryFileError(f"{path}:1: expected a mapping at the top level", hint="See README.")
    check = _Checker(path, data)
    unknown = sorted(str(k) for k in data if k not in FIELDS)
    if unknown:
        raise check.fail(unknown[0], f"unknown field (known: {', '.join(FIELDS)})")
    name = check.text("name", path.stem)
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum() or not name.isascii():
        raise check.fail("name", f"expected letters, digits, '-', '_' or '.', got {name!r}")
    try:
        json.dumps(data.get("data"), allow_nan=False)
    except (TypeError, ValueError):
        raise check.fail("data", "expected plain YAML values (text, numbers, lists, mappings)") from None
    return JudgeFile(
        path=str(path),
        name=name,
        description=check.text("description", ""),
        scale=check.scale(),
        model=check.text("model", "gpt-4o-mini"),
        temperature=float(_number(check, "temperature", 0.0, (int, float))),
        max_tokens=_number(check, "max_tokens", None, (int,)),
        reader=check.reader(),
        data=data.get("data"),
        messages=check.messages("messages", data.get("messages")),
        variants=check.variants(),
        repair=check.text("repair", ""),
    )


def is_judge_file(path: Path) -> bool:
    """A judge (``messages``), not a BELLE-style template (``with_gold``): decided on the raw text."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith("messages:") for line in head.splitlines())


def judge_files(registry_dir: Path | str) -> list[JudgeFile]:
    """Every YAML judge under ``registry_dir/judges``, checked."""
    return [load_judge_file(p) for p in yaml_files(Path(registry_dir) / "judges") if is_judge_file(p)]


def judge_specs(registry_dir: Path | str) -> list[Any]:
    """A :class:`~harness.specs.JudgeSpec` per YAML judge (built lazily, as any plugin judge)."""
    return [
        JudgeSpec(
            name=f.name,
            factory="harness.judging.yaml_judge:YamlJudge",
            options={"path": f.path},
            description=f.description or f"YAML judge ({Path(f.path).name})",
            scale=f.scale,
            judge_kind="pointwise",
        )
        for f in judge_files(registry_dir)
    ]
