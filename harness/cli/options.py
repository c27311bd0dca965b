"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="HARNESS_DATA_DIR", help="Use local copies of the files in DIR (verified)."),
]
MirrorOption = Annotated[
    str | None,
    typer.Option("--mirror", envvar="HARNESS_MIRROR", help="Download from this base URL instead ({source} = name)."),
]


def create_dataset(registry: Any, name: str, data_dir: Path | None, mirror: str | None) -> tuple[Any, Any]:
    """The registered dataset ``name`` (its spec and the built dataset) with the ``--data-dir`` and
    ``--mirror`` given, each a usage error for a dataset that does not take it."""
    from harness.errors import UsageError

    spec = registry.get("dataset", name)
    options = {}
    for key, value in (("data_dir", data_dir), ("mirror", mirror)):
        if value is None:
            continue
        if key not in spec.options:
            raise UsageError(f"dataset {spec.name!r} takes no --{key.replace('_', '-')}")
        options[key] = value
    return spec, registry.create("dataset", name, **options)
