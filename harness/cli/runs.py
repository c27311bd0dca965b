"""CLI command ``harness runs [DIR]``: the run directories under DIR and how each ended.

One line per run (name, status, model, judge, samples, last update), newest first, then the error
of every run that failed and a note for every stale one. Fits 80 columns (long names fold).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.cli.context import console
from harness.errors import UsageError
from harness.report.escape import terminal_text
from harness.terminal import json_text


def runs(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="[DIR]", help="A folder of run directories (--out of harness run), or one run."
        ),
    ] = Path("runs"),
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, one object per run.")] = False,
) -> None:
    """List runs with their status: complete, incomplete, failed, interrupted, waiting (on a judge batch), running or stale."""
    from harness.runs.listing import list_runs

    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"{folder} {what}", hint="Give the --out folder of `harness run` (default: runs).")
    try:
        found = list_runs(folder)
    except OSError as exc:
        raise UsageError(f"cannot read {folder}: {exc.strerror or exc}") from None
    if as_json:
        typer.echo(json_text([run.to_dict() for run in found], indent=2))
        return
    out = console()
    if not found:
        out.print(f"no runs in {folder} (a run is a folder with run.json)", markup=False)
        return
    from rich.table import Table

    table = Table(title=f"runs in {terminal_text(folder)}", box=None, padding=(0, 1, 0, 0), pad_edge=False)
    table.add_column("name", overflow="fold", ratio=2)
    table.add_column("status", no_wrap=True)
    table.add_column("model", overflow="fold", ratio=1)
    table.add_column("judge", overflow="fold", ratio=1)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("updated (UTC)", no_wrap=True)
    style = {
        "complete": "green",
        "failed": "red",
        "interrupted": "yellow",
        "incomplete": "yellow",
        "stale": "yellow",
        "waiting": "cyan",
    }
    for run in found:
        status = terminal_text(run.status)
        table.add_row(
            terminal_text(run.name),
            f"[{style[run.status]}]{status}[/]" if run.status in style else status,
            terminal_text(run.model or "-"),
            terminal_text(run.judge or "-"),
            "-" if run.n_samples is None else str(run.n_samples),
            (run.updated_at or "-")[:16].replace("T", " "),
        )
    out.print(table)
    for run in found:
        if run.error:
            out.print(f"{run.name}: {run.status}: {run.error}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("runs")(runs)
