"""CLI commands: ``harness report`` and ``harness compare``.

``report`` scores run directories and writes ``scores.json``, ``scores.csv``, ``report.md`` and
``report.html`` into each, printing one Table 5 row per run. ``compare`` prints runs side by side
with paired deltas against the first run, or, with ``--judges``, the agreement between two sets
of judgments of the same answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

JudgmentsOption = Annotated[
    str,
    typer.Option("--judgments", help="Judgments file inside each run directory (another judge's, say)."),
]
ResamplesOption = Annotated[int, typer.Option("--resamples", min=100, help="Bootstrap resamples.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Bootstrap seed.")]


def report(
    run_dirs: Annotated[list[Path], typer.Argument(help="Run directories.", show_default=False)],
    judgments: JudgmentsOption = "judgments.jsonl",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON (list, one per run).")] = False,
    resamples: ResamplesOption = 2000,
    seed: SeedOption = 0,
) -> None:
    """Score runs, write their report files, and print them in Table 5 layout."""
    from harness.cli.app import console
    from harness.report.tables import paper_comparison, table5
    from harness.report.write import write_report

    rows = []
    for run_dir in run_dirs:
        scores = write_report(run_dir, judgments_file=judgments, n_resamples=resamples, seed=seed)
        rows.append((scores["run"]["name"], scores))
    if as_json:
        typer.echo(json.dumps([scores for _, scores in rows], ensure_ascii=False, indent=2))
        return
    out = console()
    out.print(table5(rows, width=out.width))
    for run_dir, (name, scores) in zip(run_dirs, rows, strict=True):
        if scores.get("paper"):
            out.print(paper_comparison(scores["paper"], name=name))
        totals = scores["totals"]
        if totals["n_unscored"] or totals["n_failed"]:
            out.print(
                f"[yellow]{name}[/]: {totals['n_unscored']} unscored ({totals['unscored_rate']:.1%}) and "
                f"{totals['n_failed']} failed ({totals['failed_rate']:.1%}) samples excluded from the means"
            )
        for note in scores.get("notes", []):
            out.print(f"[dim]{name}: {note}[/]")
        out.print(f"wrote report.html, report.md, scores.json, scores.csv in {run_dir}", markup=False)


def _judgment_sets(paths: list[Path]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Named judgment sets: from two files, or every judgments file / judge of one run directory."""
    from harness.errors import UsageError
    from harness.report.rundir import judgments_files, read_judgments

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += judgments_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or run directory")
    sets = [(str(f.name if len(paths) == 1 else f), read_judgments(f)) for f in files]
    if len(sets) == 1:
        # one file holding several judges: split it by the 'judge' field
        name, records = sets[0]
        judges = sorted({str(r.get("judge") or "") for r in records})
        if len(judges) > 1:
            sets = [(f"{name}:{j}", [r for r in records if str(r.get("judge") or "") == j]) for j in judges]
    if len(sets) < 2:
        raise UsageError(
            "--judges needs two sets of judgments: two judgments files, or a run directory with "
            "judgments.jsonl and judgments-<judge>.jsonl (harness judge RUN_DIR --judge NAME)"
        )
    return sets


def _sample_scores(records: list[dict[str, Any]]) -> dict[str, float]:
    from harness.scoring.samples import fold_judgments

    return {i: o.score for i, o in fold_judgments(records).items() if o.score is not None}


def _compare_judges(paths: list[Path], as_json: bool) -> None:
    from harness.cli.app import console
    from harness.errors import UsageError
    from harness.judging.agreement import agreement
    from harness.report.tables import agreement_table

    sets = _judgment_sets(paths)
    base_name, base = sets[0]
    base_scores = _sample_scores(base)
    results = []
    for name, records in sets[1:]:
        scores = _sample_scores(records)
        if len(set(base_scores) & set(scores)) < 2:
            raise UsageError(f"{base_name} and {name} have fewer than two samples scored by both")
        results.append((base_name, name, agreement(base_scores, scores)))
    if as_json:
        typer.echo(json.dumps([{"a": a, "b": b, **r} for a, b, r in results], ensure_ascii=False, indent=2, default=str))
        return
    console().print(agreement_table(results))


def compare(
    runs: Annotated[list[Path], typer.Argument(help="Run directories (the first is the baseline).", show_default=False)],
    judges: Annotated[
        bool, typer.Option("--judges", help="Judge agreement: RUN_DIR with two judgments files, or two judgments files.")
    ] = False,
    judgments: JudgmentsOption = "judgments.jsonl",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    resamples: ResamplesOption = 2000,
    seed: SeedOption = 0,
) -> None:
    """Print runs side by side (Table 5 layout) and paired deltas of each run against the first."""
    from harness.cli.app import console
    from harness.errors import UsageError
    from harness.report.rundir import read_run_dir
    from harness.report.tables import deltas, table5
    from harness.report.write import scores_for_run
    from harness.scoring.paired import compare_judgments

    if judges:
        _compare_judges(runs, as_json)
        return
    if len(runs) < 2:
        raise UsageError("compare needs at least two run directories (or --judges)")
    loaded = [read_run_dir(run, judgments_file=judgments) for run in runs]
    names = [run.name for run in loaded]
    if len(set(names)) != len(names):
        names = [str(run.path) for run in loaded]
    scores = [scores_for_run(run, n_resamples=resamples, seed=seed) for run in loaded]
    comparisons = [
        compare_judgments(loaded[0].judgments, other.judgments, n_resamples=resamples, seed=seed) for other in loaded[1:]
    ]
    if as_json:
        payload = {
            "runs": [{"name": n, "scores": s} for n, s in zip(names, scores, strict=True)],
            "comparisons": [{"a": names[0], "b": n, **c} for n, c in zip(names[1:], comparisons, strict=True)],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    out = console()
    out.print(table5(list(zip(names, scores, strict=True)), title="runs side by side (Table 5 layout)", width=out.width))
    for name, comparison in zip(names[1:], comparisons, strict=True):
        out.print(deltas(comparison, name_a=names[0], name_b=name))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("report")(report)
    app.command("compare")(compare)
