"""Declarative registry files (``registry/``): YAML validated by pydantic, with errors that say
which file, which field and what was expected.

Layout of a registry directory (the project's own, one shipped by a plugin, or one named by
``HARNESS_REGISTRY_PATH``)::

    categories/*.yaml   eval categories with their judge prompt        -> CategorySpec
    sources/*.yaml      downloadable data: URL + sha256 per file        -> SourceDef
    models/*.yaml       model recipes (HF id, vocabulary, prompt)       -> read by model plugins
    judges/*.yaml       judge templates (versioned, hashed)             -> read by judge plugins
    tokenizers/*.yaml   tokenizer recipes (e.g. llama-ext)

Only categories become components directly; the other kinds are read by the plugins that use them
through :func:`load_yaml_model`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import UsageError
from harness.specs import CategorySpec

M = TypeVar("M", bound=BaseModel)


class RegistryFileError(UsageError):
    """A registry YAML file that does not match its schema."""


def format_validation_error(path: Path | str, exc: ValidationError, what: str = "registry file") -> str:
    lines = [f"{path}: invalid {what}"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        got = err.get("input")
        got_text = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  field '{loc}': {err['msg']}{got_text}")
    return "\n".join(lines)


def read_yaml(path: Path | str) -> Any:
    """Parse ``path`` as UTF-8 YAML; unreadable, non-UTF-8 or malformed files are usage errors
    naming the file and line, so a bad file is never a traceback."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryFileError(f"{path}: cannot read: {exc.strerror or exc}",
                                hint="Check the path and its permissions.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RegistryFileError(
            f"{path}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            hint="Save the file as UTF-8 (e.g. iconv -f GBK -t UTF-8).",
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f"{path}:{mark.line + 1}"
        elif isinstance(getattr(exc, "position", None), int):  # a ReaderError: a character YAML refuses
            where = f"{path}:{text.count(chr(10), 0, exc.position) + 1}"
        else:
            where = str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RegistryFileError(f"{where}: not valid YAML: {problem}",
                                hint="Fix the YAML syntax at that line.") from None


def load_yaml_model(path: Path | str, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``; errors name the file and the field."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RegistryFileError(f"{path}:1: expected a mapping at the top level, got {type(data).__name__}",
                                hint=f"Write the file as `key: value` lines (see {model.__name__}'s fields).")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RegistryFileError(format_validation_error(path, exc)) from None


class CategoryDef(BaseModel):
    """``registry/categories/<id>.yaml``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", description="canonical category id")
    display_name: str
    description: str = ""
    prompt: str = Field(min_length=1, description="the judge prompt for this category")
    gold_shown: bool = True
    group: str | None = None
    source_names: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)

    def to_spec(self) -> CategorySpec:
        return CategorySpec(
            name=self.id,
            aliases=tuple(self.aliases),
            description=self.description or f"{self.display_name} ({'gold shown' if self.gold_shown else 'no gold'})",
            display_name=self.display_name,
            prompt=self.prompt,
            gold_shown=self.gold_shown,
            group=self.group or self.id,
            source_names=tuple(self.source_names),
        )


class SourceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="file name inside the dataset's cache directory")
    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int | None = None
    compression: str | None = Field(default=None, description="'xz' or 'gz' if the URL serves a compressed file")


class SourceDef(BaseModel):
    """``registry/sources/<name>.yaml``: where a dataset's files come from, pinned by sha256."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    homepage: str | None = None
    commit: str | None = None
    license: str | None = None
    substitute: str | None = Field(
        default=None,
        description="set when these files stand in for data the paper used: what differs, in one line "
        "(marked wherever a figure measured on them is compared with the paper's)",
    )
    files: list[SourceFile] = Field(min_length=1)
    notes: str = ""

    @field_validator("files")
    @classmethod
    def _unique_names(cls, files: list[SourceFile]) -> list[SourceFile]:
        names = [f.name for f in files]
        if len(names) != len(set(names)):
            raise ValueError(f"file names must be unique, got {names}")
        return files


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_category_specs(registry_dir: Path | str) -> list[CategorySpec]:
    """All categories under ``registry_dir/categories``."""
    return [load_yaml_model(p, CategoryDef).to_spec() for p in _yaml_files(Path(registry_dir) / "categories")]


def load_defs(registry_dir: Path | str, subdir: str, model: type[M]) -> list[M]:
    """All ``registry_dir/subdir/*.yaml`` validated as ``model``."""
    return [load_yaml_model(p, model) for p in _yaml_files(Path(registry_dir) / subdir)]


@lru_cache(maxsize=1)
def builtin_registry_dir() -> Path:
    """The project's own ``registry/`` (installed as the ``harness_registry`` package)."""
    import harness_registry

    return Path(harness_registry.__file__).parent
