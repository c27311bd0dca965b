"""Reading registry YAML files (``registry/`` and its like): parsing with errors that name the file
and line, without the schemas. Kept free of pydantic so that listing components stays light;
:mod:`harness.registry_yaml` validates what is read here against its pydantic models.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.errors import UsageError


class RegistryFileError(UsageError):
    """A registry YAML file that does not match its schema."""


def read_yaml(path: Path | str) -> Any:
    """Parse ``path`` as UTF-8 YAML; unreadable, non-UTF-8 or malformed files are usage errors
    naming the file and line, so a bad file is never a traceback."""
    import yaml

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryFileError(
            f"{path}: cannot read: {exc.strerror or exc}", hint="Check the path and its permissions."
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RegistryFileError(
            f"{path}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            hint="Save the file as UTF-8 (e.g. iconv -f GBK -t UTF-8).",
        ) from None
    try:
        # libyaml's parser where PyYAML was built with it (the wheels are): ~10x faster than the
        # pure-Python one, and every process reads the registry at start-up
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = getattr(exc, "position", None)
        if mark is not None:
            where = f"{path}:{mark.line + 1}"
        elif isinstance(position, int):  # a ReaderError: a character YAML refuses
            where = f"{path}:{text.count(chr(10), 0, position) + 1}"
        else:
            where = str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RegistryFileError(
            f"{where}: not valid YAML: {problem}", hint="Fix the YAML syntax at that line."
        ) from None


def read_mapping(path: Path | str, schema: str) -> dict[str, Any]:
    """``path`` parsed, which must be a mapping (``schema`` names what it should hold, for the hint)."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RegistryFileError(
            f"{path}:1: expected a mapping at the top level, got {type(data).__name__}",
            hint=f"Write the file as `key: value` lines (see {schema}'s fields).",
        )
    return data


def yaml_files(directory: Path) -> list[Path]:
    """The ``*.yaml`` and ``*.yml`` files in ``directory``, sorted (none if it is not a directory)."""
    if not directory.is_dir():
        return []
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


@lru_cache(maxsize=1)
def builtin_registry_dir() -> Path:
    """The project's own ``registry/`` (installed as the ``harness_registry`` package)."""
    import harness_registry

    return Path(harness_registry.__file__).parent
