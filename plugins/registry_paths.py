"""Built-in plugin: contributes the project's own ``registry/`` directory (categories, sources...)."""

from __future__ import annotations

from pathlib import Path

from harness.hookspecs import hookimpl
from harness.registry_files import builtin_registry_dir


@hookimpl
def harness_registry_paths() -> list[Path]:
    return [builtin_registry_dir()]
