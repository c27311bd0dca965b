"""CLI commands ``harness new judge NAME`` and ``harness new dataset NAME``: a plugin package to start from.

The package (:mod:`harness.scaffold`) installs with ``pip install -e NAME`` (then ``harness list``
shows it) and its tests pass as written, against the ``judge_server`` fixture harness ships.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.cli.context import console
from harness.scaffold import write_package

new_app = typer.Typer(
    name="new",
    help="Start a plugin package (a judge or a dataset), ready to install and test.",
    no_args_is_help=True,
)

NameArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME",
        help="The component's name, also the package's and the folder's: lower-case letters, "
        "digits, - or _ (e.g. my-judge).",
    ),
]
DirOption = Annotated[
    Path | None, typer.Option("--dir", help="Write the package here (a new or empty folder; default ./NAME).")
]


@new_app.command("judge")
def new_judge(name: NameArg, folder: DirOption = None) -> None:
    """Write a judge plugin: an LLM judge on harness's PointwiseLLMJudge, its rubric category, tests."""
    _write("judge", name, folder)


@new_app.command("dataset")
def new_dataset(name: NameArg, folder: DirOption = None) -> None:
    """Write a dataset plugin: an eval dataset read from a JSONL file, its category, tests."""
    _write("dataset", name, folder)


def _write(kind: str, name: str, folder: Path | None) -> None:
    where, files = write_package(kind, name, folder)
    out = console()
    out.print(f"wrote the {kind} plugin {name} in {where}:", markup=False)
    for path in files:
        out.print(f"  {path.relative_to(where)}", markup=False)
    out.print(
        f"next: pip install -e {where} && harness list {kind} && python -m pytest {where}", markup=False
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(new_app, name="new")
