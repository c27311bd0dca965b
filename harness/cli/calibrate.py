"""CLI command: ``harness calibrate RUN --labels FILE``: how far the run's judge agrees with people,
and the people's mean over the whole run estimated from a few labels plus every judge score."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from harness.terminal import json_text


def calibrate(
    run_dir: Annotated[Path, typer.Argument(help="The run directory whose judge is calibrated.")],
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Human labels: JSONL with id and score (on the judge's scale), or a CSV "
                     "with an id,score header. Stored in the run directory (calibration.json); without it, "
                     "the labels stored before are used."),
    ] = None,
    judgments: Annotated[str, typer.Option("--judgments", help="Judgments file inside the run directory.")] = "judgments.jsonl",
    as_json: Annotated[bool, typer.Option("--json", help='Print one object: {"overall": {...}, "categories": {...}}.')] = False,
    resamples: Annotated[int, typer.Option("--resamples", min=100, help="Bootstrap resamples (agreement intervals).")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
) -> None:
    """Calibrate a run's judge against human labels: agreement, and a prediction-powered mean."""
    from harness.report.calibration import calibrate_run

    result = calibrate_run(run_dir, labels_path=labels, judgments_file=judgments, n_resamples=resamples, seed=seed)
    if as_json:
        typer.echo(json_text(result, indent=2, allow_nan=False))
        return
    _print(result)


def _print(result: dict[str, Any]) -> None:
    from harness.cli.context import console
    from harness.report.calibration_tables import agreement_table, means_table
    from harness.report.escape import terminal_text

    out = console()
    out.print(means_table(result))
    out.print(agreement_table(result))
    for note in result.get("notes", []):
        out.print(f"[dim]{terminal_text(note)}[/]")
    unscored = result["overall"]["n_labels_unscored"]
    if unscored:
        out.print(f"[yellow]{unscored} labelled sample(s) have no judge score and are left out[/]")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("calibrate")(calibrate)
