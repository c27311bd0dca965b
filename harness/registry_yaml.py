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

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.registry_files import (  # noqa: F401 (re-exported: where readers have always found them)
    RegistryFileError,
    builtin_registry_dir,
    read_mapping,
    read_yaml,
    yaml_files,
)
from harness.specs import CategorySpec

M = TypeVar("M", bound=BaseModel)


def format_validation_error(path: Path | str, exc: ValidationError, what: str = "registry file") -> str:
    lines = [f"{path}: invalid {what}"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        got = err.get("input")
        got_text = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  field '{loc}': {err['msg']}{got_text}")
    return "\n".join(lines)


def validate_data(path: Path | str, data: dict[str, Any], model: type[M]) -> M:
    """``data`` (read from ``path``) validated as ``model``; errors name the file and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RegistryFileError(format_validation_error(path, exc)) from None


def load_yaml_model(path: Path | str, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``; errors name the file and the field."""
    return validate_data(path, read_mapping(path, model.__name__), model)


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
        return CategorySpec.from_registry(self.model_dump())


class SourceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="file name inside the dataset's cache directory")
    url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int | None = None
    compression: str | None = Field(
        default=None, description="'xz' or 'gz' if the URL serves a compressed file"
    )


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


def load_category_specs(registry_dir: Path | str) -> list[CategorySpec]:
    """All categories under ``registry_dir/categories``."""
    return [load_yaml_model(p, CategoryDef).to_spec() for p in yaml_files(Path(registry_dir) / "categories")]


def load_defs(registry_dir: Path | str, subdir: str, model: type[M]) -> list[M]:
    """All ``registry_dir/subdir/*.yaml`` validated as ``model``."""
    return [load_yaml_model(p, model) for p in yaml_files(Path(registry_dir) / subdir)]
