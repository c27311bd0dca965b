"""What a prompt template is: how a list of chat messages becomes the text (and tokens) a model sees.

A conversation is a list of messages ``{"role": "system" | "user" | "assistant", "content": str}``
-- the form ``tokenizer.apply_chat_template`` and chat APIs take -- so one representation serves a
single question, a multi-turn sample and a training conversation alike.

A template is one of two kinds:

* ``text``: segments with ``{content}`` for each role, plus whether a BOS token starts the sequence
  and an EOS token ends every answer. This is how the BELLE paper's models were trained; the
  segments are tokenized one by one (see :mod:`harness.prompts.encode`), exactly as in training.
* ``jinja``: a Hugging Face chat template (the tokenizer's own ``chat_template``, a named registry
  template or a ``.jinja`` file), rendered by ``tokenizer.apply_chat_template``; the template
  itself writes any BOS/EOS (``{{ bos_token }}``, ``{{ eos_token }}``).

Named templates live in ``registry/templates/<name>.yaml``, each citing its source. The sha256 of a
template's definition is recorded in every run, so a run is never resumed under another prompt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.errors import UsageError
from harness.registry_dirs import all_registry_dirs
from harness.registry_yaml import builtin_registry_dir, load_defs

Message = dict[str, str]
ROLES = ("system", "user", "assistant")
# The template of the code that trained the BELLE paper's models (see its registry entry).
DEFAULT_TEMPLATE = "belle-958c91b-train"
TOKENIZER_TEMPLATE = "tokenizer-chat-template"
MAX_TEMPLATE_BYTES = 256_000


class TemplateDef(BaseModel):
    """``registry/templates/<name>.yaml``: a named prompt template and where it comes from."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    description: str = ""
    source: str = Field(min_length=1, description="where the format is defined (repository, commit, file)")
    kind: Literal["text", "jinja"] = "text"
    user: str | None = Field(default=None, description="text: a user turn, with {content}")
    assistant: str = Field(default="{content}", description="text: an assistant turn, with {content}")
    system: str | None = Field(
        default=None, description="text: a system message, with {content}; none: unsupported"
    )
    bos: bool = Field(default=True, description="text: a BOS token starts the sequence")
    eos_after_assistant: bool = Field(default=True, description="text: an EOS token ends every answer")
    jinja: str | None = Field(default=None, description="jinja: the chat template source")
    stop: list[str] = Field(
        default_factory=list, description="an answer ends at the first of these strings (FastChat's stop_str)"
    )
    notes: str = ""

    @model_validator(mode="after")
    def _complete(self) -> TemplateDef:
        if self.kind == "text":
            if not self.user or "{content}" not in self.user:
                raise ValueError("a text template needs `user` with {content}")
            if "{content}" not in self.assistant:
                raise ValueError("`assistant` needs {content}")
            if self.system is not None and "{content}" not in self.system:
                raise ValueError("`system` needs {content}")
            if self.jinja is not None:
                raise ValueError("`jinja` belongs to kind: jinja")
        elif not self.jinja:
            raise ValueError("a jinja template needs `jinja` (the chat template source)")
        if any(not text for text in self.stop):
            raise ValueError("a stop string must not be empty")
        return self


@dataclass(frozen=True)
class PromptTemplate:
    """A resolved template: its definition plus where it was found (``origin``)."""

    name: str
    kind: str
    source: str = ""
    origin: str = "registry"  # registry, file, tokenizer, model-dir, inline
    user: str | None = None
    assistant: str = "{content}"
    system: str | None = None
    bos: bool = True
    eos_after_assistant: bool = True
    jinja: str | None = None
    stop: tuple[
        str, ...
    ] = ()  # an answer ends at the first of these (not part of the sha256: not the prompt)

    @classmethod
    def from_def(
        cls, definition: TemplateDef, *, origin: str = "registry", name: str | None = None
    ) -> PromptTemplate:
        return cls(
            name=name or definition.name,
            kind=definition.kind,
            source=definition.source,
            origin=origin,
            user=definition.user,
            assistant=definition.assistant,
            system=definition.system,
            bos=definition.bos,
            eos_after_assistant=definition.eos_after_assistant,
            jinja=definition.jinja,
            stop=tuple(definition.stop),
        )

    def definition(self) -> dict[str, Any]:
        """What decides the prompt (hashed); not the name or where it was found."""
        if self.kind == "jinja":
            return {"kind": "jinja", "jinja": self.jinja}
        return {
            "kind": "text",
            "user": self.user,
            "assistant": self.assistant,
            "system": self.system,
            "bos": self.bos,
            "eos_after_assistant": self.eos_after_assistant,
        }

    @property
    def sha256(self) -> str:
        """A Jinja template's: the sha256 of its source text, so ``sha256sum my.jinja`` matches what
        run.json records; a text template's: of its definition as canonical JSON."""
        if self.kind == "jinja":
            blob = self.jinja or ""
        else:
            blob = json.dumps(self.definition(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PromptTemplate:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        stop = known.get("stop", ())
        if not isinstance(stop, (list, tuple)) or not all(isinstance(t, str) and t for t in stop):
            raise TypeError("stop must be a list of non-empty strings")
        return cls(**{**known, "stop": tuple(stop)})


@lru_cache(maxsize=1)
def builtin_templates() -> dict[str, TemplateDef]:
    """The named templates of every registry directory (built-in first, then plugins')."""
    found: dict[str, TemplateDef] = {}
    for definition in load_defs(builtin_registry_dir(), "templates", TemplateDef):
        found[definition.name] = definition
    return found


def _all_templates() -> dict[str, TemplateDef]:
    found = dict(builtin_templates())
    try:
        for directory in all_registry_dirs():
            for definition in load_defs(directory, "templates", TemplateDef):
                found.setdefault(definition.name, definition)
    except UsageError:
        raise
    except Exception:  # pragma: no cover - no plugin manager (e.g. inside a bare worker)
        pass
    return found


def named_template(name: str) -> PromptTemplate:
    """The registry template ``name``; an unknown name is a UsageError listing the known ones."""
    templates = _all_templates()
    if name not in templates:
        known = ", ".join(sorted(templates)) or "(none)"
        raise UsageError(
            f"no prompt template named {name!r}",
            hint=f"Named templates: {known}, {TOKENIZER_TEMPLATE}; or give a path to a .jinja file.",
        )
    return PromptTemplate.from_def(templates[name])


def jinja_file_template(path: Path | str) -> PromptTemplate:
    """A chat template read from a Jinja file (checked: exists, small, UTF-8, valid Jinja)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UsageError(
            f"--prompt-template {path}: no such file", hint="Give a named template or a .jinja file."
        )
    size = path.stat().st_size
    if size > MAX_TEMPLATE_BYTES:
        raise UsageError(
            f"{path}: {size} bytes is too large for a chat template (limit {MAX_TEMPLATE_BYTES})"
        )
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (byte {exc.start})", hint="Save the template as UTF-8."
        ) from None
    check_jinja(source, where=str(path))
    return PromptTemplate(
        name=f"file:{path.resolve()}", kind="jinja", source=str(path.resolve()), origin="file", jinja=source
    )


def check_jinja(source: str, *, where: str) -> None:
    """A UsageError with the line when ``source`` is not valid Jinja, or renders nothing."""
    import jinja2

    if not source.strip():
        raise UsageError(f"{where}: the chat template is empty")
    try:
        jinja2.Environment().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise UsageError(f"{where}: line {exc.lineno}: not a valid Jinja template ({exc.message})") from None


def looks_like_path(value: str) -> bool:
    return value.endswith((".jinja", ".j2", ".jinja2")) or "/" in value or "\\" in value


def resolve_requested(value: str) -> PromptTemplate:
    """``--prompt-template VALUE``: a registry name or a path to a Jinja file."""
    if looks_like_path(value) or Path(value).expanduser().is_file():
        return jinja_file_template(value)
    return named_template(value)


def inline_text_template(text: str, *, source: str) -> PromptTemplate:
    """A legacy one-string template with ``{question}`` (as model recipes once had)."""
    if "{question}" not in text:
        raise UsageError(
            f"{source}: a prompt template string needs {{question}} (or name a registry template)"
        )
    return PromptTemplate(
        name="inline",
        kind="text",
        source=source,
        origin="inline",
        user=text.replace("{question}", "{content}"),
        bos=True,
    )


def tokenizer_template(tokenizer: Any, *, where: str) -> PromptTemplate | None:
    """The tokenizer's own ``chat_template`` as a template, or ``None`` when it has none."""
    source = getattr(tokenizer, "chat_template", None)
    if isinstance(source, dict):  # several named templates: the default one is for chat
        source = source.get("default")
    if not isinstance(source, str) or not source.strip():
        return None
    return PromptTemplate(
        name=TOKENIZER_TEMPLATE, kind="jinja", source=where, origin="tokenizer", jinja=source
    )
