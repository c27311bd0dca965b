"""Command-line options that several commands share, declared once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from harness.component_settings import ComponentSettings

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", envvar="HARNESS_DATA_DIR", help="Use local copies of the files in DIR (verified)."
    ),
]
MirrorOption = Annotated[
    str | None,
    typer.Option(
        "--mirror", envvar="HARNESS_MIRROR", help="Download from this base URL instead ({source} = name)."
    ),
]


def create_dataset(registry: Any, name: str, data_dir: Path | None, mirror: str | None) -> tuple[Any, Any]:
    """The registered dataset ``name`` (its spec and the built dataset) with the ``--data-dir`` and
    ``--mirror`` it takes, decided as ``harness run`` decides; given on the command line (not from
    ``HARNESS_DATA_DIR`` / ``HARNESS_MIRROR``) to a dataset that does not take it, a usage error."""

    given = {"data_dir": (data_dir, "HARNESS_DATA_DIR"), "mirror": (mirror, "HARNESS_MIRROR")}
    explicit = frozenset(key for key, (value, env) in given.items() if _from_command_line(value, env))
    settings = ComponentSettings(data_dir=data_dir, mirror=mirror, explicit=explicit)
    return registry.get("dataset", name), registry.create("dataset", name, settings)


def _from_command_line(value: object, envvar: str) -> bool:
    """Whether an option's value was typed, not taken from ``envvar`` (typer merges the two)."""
    return value is not None and str(value) != os.environ.get(envvar)
