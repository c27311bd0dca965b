"""CLI command: ``experiment`` (train and evaluate every config of a grid, e.g. configs/table2/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.cli.context import console
from harness.cluster import JobResources, result_from_disk, status_rows, submit_rows, wait_for
from harness.report.escape import terminal_text
from harness.terminal import json_text

CLUSTER = "Cluster jobs (submitit)"


def experiment(
    targets: Annotated[list[Path], typer.Argument(help="Experiment config files or directories of them.")],
    out: Annotated[Path, typer.Option(help="Where each experiment's model and eval run go.")] = Path(
        "experiments"
    ),
    only: Annotated[str | None, typer.Option(help="Only these experiment names, comma-separated.")] = None,
    data_dir: Annotated[
        str | None, typer.Option(help="Local data copies, for training and eval (overrides configs).")
    ] = None,
    judge: Annotated[str | None, typer.Option(help="Override every config's judge.")] = None,
    judge_model: Annotated[str | None, typer.Option(help="Override the judge's litellm model.")] = None,
    judge_api_base: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL for the judge.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Evaluate only the first N samples.", min=1)] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Cap every training run at N optimizer steps.", min=1)
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be trained and evaluated.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary (summary.json) instead of the table.")
    ] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress")] = False,
    executor: Annotated[
        str | None,
        typer.Option(
            help="Run each row as a job: slurm, or local (submitit's local executor).",
            show_default="in this process",
            rich_help_panel=CLUSTER,
        ),
    ] = None,
    status: Annotated[
        bool,
        typer.Option(
            "--status", help="Show each row's job and its state, and exit.", rich_help_panel=CLUSTER
        ),
    ] = False,
    gpus: Annotated[
        int | None,
        typer.Option(
            help="GPUs per node for each job.",
            show_default="the config's slurm.gpus, else 0",
            min=0,
            rich_help_panel=CLUSTER,
        ),
    ] = None,
    nodes: Annotated[
        int | None,
        typer.Option(
            help="Nodes for each job (1: multi-node training is an sbatch script, see the README).",
            show_default="the config's slurm.nodes, else 1",
            min=1,
            rich_help_panel=CLUSTER,
        ),
    ] = None,
    time_min: Annotated[
        int | None,
        typer.Option(
            help="Time limit of each job, minutes.",
            show_default="the config's slurm.time_min, else 1440",
            min=1,
            rich_help_panel=CLUSTER,
        ),
    ] = None,
    partition: Annotated[
        str | None,
        typer.Option(
            help="Slurm partition.",
            show_default="the config's slurm.partition, else the cluster's",
            rich_help_panel=CLUSTER,
        ),
    ] = None,
) -> None:
    """Train and evaluate each experiment config, skipping what is done; print a Table 2 summary.

    The paper's published figures (the row a config names, registry/paper/table5.yaml) are printed
    beside the measured ones per column, with each row's comparability verdict and what differs;
    also written to OUT/summary.json and OUT/summary.html.
    """
    from rich.table import Table

    from harness.experiments import (
        TRAIN_DONE,
        configured_verdict,
        find_experiments,
        run_experiment,
        summary_rows,
        write_summary,
    )
    from harness.report.tables import experiments_side_by_side

    specs = find_experiments(targets)
    if only:
        wanted = {n.strip() for n in only.split(",") if n.strip()}
        unknown = wanted - {s.name for s in specs}
        if unknown:
            raise typer.BadParameter(f"no experiment named {', '.join(sorted(unknown))}", param_hint="--only")
        specs = [s for s in specs if s.name in wanted]
    out_console = console()
    if status:
        _print_status(specs, out)
        return
    if dry_run:
        table = Table(title="experiments (dry run)")
        for col in ("name", "train", "eval", "state", "vs the paper"):
            table.add_column(col, overflow="fold")
        for s in specs:
            train = "-" if s.train is None else f"{s.train.get('model')} on {s.train.get('data')}"
            state = "trained" if (out / s.name / TRAIN_DONE).is_file() else "to train" if s.train else "-"
            table.add_row(
                s.name,
                train,
                f"{s.eval.get('judge', 'gpt35')} on {s.eval.get('dataset', 'belle-eval')}",
                state,
                configured_verdict(s),
            )
        out_console.print(table)
        return
    from harness.judging.settings import JudgeSettings

    overrides = {
        "judge": judge,
        **JudgeSettings(model=judge_model, api_base=judge_api_base).run_config_items(),
        "limit": limit,
        "data_dir": data_dir,
        "progress": False if no_progress else None,
    }
    train_overrides = {
        "max_steps": max_steps,
        "data_dir": data_dir,
        "progress": False if no_progress else None,
    }
    log_console = console(stderr=True) if as_json else out_console  # --json: stdout is the JSON alone
    log = lambda m: log_console.print(m, markup=False)  # noqa: E731
    if executor is None:
        results = [
            run_experiment(s, out_root=out, overrides=overrides, train_overrides=train_overrides, log=log)
            for s in specs
        ]
    else:
        resources = JobResources(gpus=gpus, nodes=nodes, time_min=time_min, partition=partition)
        submitted = submit_rows(
            specs,
            kind=executor,
            out_root=out,
            resources=resources,
            overrides=overrides,
            train_overrides=train_overrides,
            log=log,
        )
        wait_for(submitted, out, log)
        results = [result_from_disk(s, out) for s in specs]
    rows = summary_rows(results)
    path = write_summary(out, rows)
    if as_json:
        typer.echo(json_text(rows, indent=2))
    else:
        for table in experiments_side_by_side(rows, width=out_console.width):
            out_console.print(table)
        out_console.print(f"summary: {path} and {path.with_suffix('.html')}", markup=False)
    if any(r["eval"] != "complete" for r in rows):
        raise typer.Exit(1)


def _print_status(specs, out: Path) -> None:
    from rich.table import Table

    table = Table(title=f"experiment jobs in {terminal_text(str(out))}")
    for col in ("name", "job", "executor", "state"):
        table.add_column(col, overflow="fold")
    for row in status_rows(specs, out):
        table.add_row(*(terminal_text(row[k]) for k in ("name", "job", "executor", "state")))
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("experiment")(experiment)
