"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="HARNESS_DATA_DIR", help="Use local copies of the files in DIR (verified)."),
]
MirrorOption = Annotated[
    str | None,
    typer.Option("--mirror", envvar="HARNESS_MIRROR", help="Download from this base URL instead ({source} = name)."),
]
