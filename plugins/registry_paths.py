"""Built-in plugin: contributes the project's own ``registry/`` directory (categories, sources...)."""

from __future__ import annotations

from pathlib import Path

from harness.hookspecs import hookimpl


@hookimpl
def harness_registry_paths() -> list[Path]:
    from harness.registry_files import builtin_registry_dir

    return [builtin_registry_dir()]
