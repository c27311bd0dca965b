"""CLI command: ``harness calibrate RUN --labels FILE``: how far the run's judge agrees with people,
and the people's mean over the whole run estimated from a few labels plus every judge score."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from harness.cli.context import console
from harness.errors import UsageError
from harness.report.escape import terminal_text
from harness.runs.pair_verdicts import HINT, read_header
from harness.terminal import json_text


def calibrate(
    run_dir: Annotated[
        Path,
        typer.Argument(
            help="The run directory whose judge is calibrated, or a verdicts file "
            "of harness compare --judge <pairwise> --verdicts FILE."
        ),
    ],
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="Human labels: JSONL with id and score (on the judge's scale), or a CSV "
            "with an id,score header; for a verdicts file, id and verdict (a, b or tie). Stored in the "
            "run directory (calibration.json); without it, the labels stored before are used.",
        ),
    ] = None,
    judgments: Annotated[
        str, typer.Option("--judgments", help="Judgments file inside the run directory.")
    ] = "judgments.jsonl",
    as_json: Annotated[
        bool, typer.Option("--json", help='Print one object: {"overall": {...}, "categories": {...}}.')
    ] = False,
    resamples: Annotated[
        int, typer.Option("--resamples", min=100, help="Bootstrap resamples (agreement intervals).")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
) -> None:
    """Calibrate a run's judge against human labels: agreement, and a prediction-powered mean."""
    if run_dir.is_file():
        result = _calibrate_verdicts(run_dir, labels, resamples, seed)
    else:
        from harness.report.calibration import calibrate_run

        result = calibrate_run(
            run_dir, labels_path=labels, judgments_file=judgments, n_resamples=resamples, seed=seed
        )
    if as_json:
        typer.echo(json_text(result, indent=2, allow_nan=False))
        return
    _print(result)


def _calibrate_verdicts(path: Path, labels: Path | None, resamples: int, seed: int) -> dict[str, Any]:
    """A pairwise judge's verdicts file (told by its header) against people's verdicts."""
    from harness.report.pair_calibration import calibrate_verdicts

    if read_header(path) is None:
        raise UsageError(
            f"{path} is neither a run directory nor a verdicts file of harness compare", hint=HINT
        )
    if labels is None:
        raise UsageError(f"{path}: a verdicts file needs --labels (people's verdicts: id, verdict a/b/tie)")
    return calibrate_verdicts(path, labels_path=labels, n_resamples=resamples, seed=seed)


def _print(result: dict[str, Any]) -> None:
    from harness.report.calibration_tables import agreement_table, means_table, pair_agreement_table

    out = console()
    pairwise = "verdicts_file" in result
    out.print(means_table(result))
    out.print(pair_agreement_table(result) if pairwise else agreement_table(result))
    for note in result.get("notes", []):
        out.print(f"[dim]{terminal_text(note)}[/]")
    unscored = result["overall"].get("n_labels_undecided" if pairwise else "n_labels_unscored")
    if unscored:
        what = "pair(s) have no judge outcome" if pairwise else "sample(s) have no judge score"
        out.print(f"[yellow]{unscored} labelled {what} and are left out[/]")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("calibrate")(calibrate)
