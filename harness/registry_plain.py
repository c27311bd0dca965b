"""The registry files that listing reads (categories, model recipes), checked without pydantic.

``harness list`` registers every category and every built-in model recipe, and importing pydantic
(with the models that declare these schemas) costs more than the rest of the command. So their
schemas are also declared here as plain rules, which accept only what is *plainly* valid: exact
types, every constraint met, no unknown field. Anything else -- a wrong field, a value the pydantic
model would coerce -- goes to that model, whose verdict and message (file and field) are final. The
rules never accept more than the models do (``tests/core/test_registry_plain.py`` holds them to the
models' fields, defaults and constraints), so validation is the same either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.registry_files import builtin_registry_dir, read_mapping, yaml_files
from harness.specs import CategorySpec, import_string

REQUIRED = object()
_TYPES = {"str": str, "bool": bool, "int": int}


@dataclass(frozen=True)
class Rule:
    """One field: its type (``str``, ``bool``, ``int`` or ``strs``, a list of strings), its default
    (:data:`REQUIRED` if none) and its constraints."""

    kind: str
    default: Any = REQUIRED
    optional: bool = False  # None is accepted
    pattern: str | None = None
    min_length: int = 0
    gt: int | None = None
    choices: tuple[str, ...] = ()

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if self.kind == "strs":
            return type(value) is list and all(type(item) is str for item in value)
        if type(value) is not _TYPES[self.kind]:  # exact: bool is not an int here, nor int a str
            return False
        if self.kind == "int":
            return self.gt is None or (isinstance(value, int) and value > self.gt)
        return self.kind != "str" or (isinstance(value, str) and self._accepts_text(value))

    def _accepts_text(self, value: str) -> bool:
        if len(value) < self.min_length or (self.choices and value not in self.choices):
            return False
        # pydantic matches with Rust's regex: agree with it only on ASCII, where the two do
        return self.pattern is None or (value.isascii() and re.fullmatch(self.pattern, value) is not None)

    def default_value(self) -> Any:
        return list(self.default) if isinstance(self.default, list) else self.default


# harness.registry_yaml.CategoryDef
CATEGORY_RULES = {
    "id": Rule("str", pattern=r"^[a-z0-9][a-z0-9_\-]*$"),
    "display_name": Rule("str"),
    "description": Rule("str", ""),
    "prompt": Rule("str", min_length=1),
    "gold_shown": Rule("bool", True),
    "group": Rule("str", None, optional=True),
    "source_names": Rule("strs", []),
    "aliases": Rule("strs", []),
}

# harness.models.hub.ModelRecipe
RECIPE_RULES = {
    "name": Rule("str", pattern=r"^[a-z0-9][a-z0-9_.\-]*$"),
    "aliases": Rule("strs", []),
    "description": Rule("str", ""),
    "hf_id": Rule("str", pattern=r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$"),
    "revision": Rule("str", None, optional=True),
    "vocab_size": Rule("int", None, optional=True, gt=0),
    "prompt_template": Rule("str", "belle-958c91b-train"),
    "license": Rule("str", None, optional=True),
    "encrypted": Rule("bool", False),
    "stage": Rule("str", choices=("base", "instruction-tuned")),
    "paper_row": Rule("str", None, optional=True),
    "notes": Rule("str", ""),
}


def plain_values(data: dict[Any, Any], rules: dict[str, Rule]) -> dict[str, Any] | None:
    """``data`` with defaults filled in if every rule plainly accepts it, else ``None``."""
    if any(key not in rules for key in data):
        return None
    values = {}
    for name, rule in rules.items():
        if name not in data:
            if rule.default is REQUIRED:
                return None
            values[name] = rule.default_value()
        elif rule.accepts(data[name]):
            values[name] = data[name]
        else:
            return None
    return values


def checked_values(path: Path, rules: dict[str, Rule], model: str) -> dict[str, Any]:
    """The fields of the file at ``path``, valid for the pydantic ``model`` (``"module:Class"``):
    by the rules when they plainly accept it, else by the model itself (which names what is wrong)."""
    data = read_mapping(path, model.rpartition(":")[2])
    values = plain_values(data, rules)
    if values is None:
        from harness.registry_yaml import validate_data

        values = validate_data(path, data, import_string(model)).model_dump()
    return values


def load_category_specs(registry_dir: Path | str) -> list[CategorySpec]:
    """All categories under ``registry_dir/categories``, validated as ``CategoryDef``."""
    return [
        CategorySpec.from_registry(checked_values(p, CATEGORY_RULES, "harness.registry_yaml:CategoryDef"))
        for p in yaml_files(Path(registry_dir) / "categories")
    ]


@lru_cache(maxsize=1)
def builtin_recipe_values() -> tuple[dict[str, Any], ...]:
    """The fields of the recipes in the project's ``registry/models/``, validated as ``ModelRecipe``."""
    return tuple(
        checked_values(p, RECIPE_RULES, "harness.models.hub:ModelRecipe")
        for p in yaml_files(builtin_registry_dir() / "models")
    )
