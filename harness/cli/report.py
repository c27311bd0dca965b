"""CLI commands: ``harness report`` and ``harness compare``.

``report`` scores run directories and writes ``scores.json``, ``scores.csv``, ``report.md`` and
``report.html`` into each, printing one Table 5 row per run. ``compare`` prints runs side by side
with paired deltas against the first run, or, with ``--judges``, the agreement between two sets
of judgments of the same answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from harness.cli.context import console, registry
from harness.errors import UsageError
from harness.report.compare_html import render_compare_html
from harness.report.escape import terminal_text
from harness.report.judge_trust import jury_lines, pairwise_lines, pointwise_lines
from harness.report.rundir import judgments_files, read_judgments, read_run_dir
from harness.runs.judge_drift import difference_lines, judge_difference
from harness.runs.layout import JUDGMENTS, REPORT_HTML
from harness.runs.pair_verdicts import check_target
from harness.runs.pairwise import compare_pairwise
from harness.scoring.cases import pick_cases
from harness.scoring.headline import headline_text
from harness.scoring.paired import compare_judgments
from harness.scoring.samples import fold_records
from harness.terminal import inert, json_text

if TYPE_CHECKING:
    from harness.scoring.comparison_records import Comparison
    from harness.scoring.records import Scores

JudgmentsOption = Annotated[
    str,
    typer.Option("--judgments", help="Judgments file inside each run directory (another judge's, say)."),
]
ResamplesOption = Annotated[int, typer.Option("--resamples", min=100, help="Bootstrap resamples.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Bootstrap seed.")]


def report(
    run_dirs: Annotated[
        list[Path] | None,
        typer.Argument(help="Run directories. [default: the latest run under runs/]", show_default=False),
    ] = None,
    judgments: JudgmentsOption = JUDGMENTS,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the scores as JSON (list, one per run).")
    ] = False,
    resamples: ResamplesOption = 2000,
    seed: SeedOption = 0,
) -> None:
    """Score runs, write their report files, and print them in Table 5 layout."""
    from harness.report.tables import paper_comparison, table5
    from harness.report.write import write_report

    if not run_dirs:
        run_dirs = [_latest_run()]
    rows = []
    for run_dir in run_dirs:
        scores = write_report(run_dir, judgments_file=judgments, n_resamples=resamples, seed=seed)
        rows.append((scores.run["name"], scores))
    if as_json:
        typer.echo(json_text([scores.to_dict() for _, scores in rows], indent=2))
        return

    out = console()
    _print_headlines(out, rows)
    out.print(table5(rows, width=out.width))
    for run_dir, (name, scores) in zip(run_dirs, rows, strict=True):
        name = terminal_text(name)  # run names and notes are data, not rich markup
        if scores.section("paper"):
            out.print(paper_comparison(scores.section("paper"), name=name))
        totals = scores.totals
        if totals.n_unscored or totals.n_failed:
            out.print(
                f"[yellow]{terminal_text(name)}[/]: {totals.n_unscored} unscored ({totals.unscored_rate:.1%}) and "
                f"{totals.n_failed} failed ({totals.failed_rate:.1%}) samples excluded from the means"
            )
        calibrated = calibration_line(scores)
        if calibrated:
            out.print(f"{terminal_text(name)}: {calibrated}", markup=False, soft_wrap=True)
        for note in scores.notes:
            out.print(f"[dim]{terminal_text(name)}: {terminal_text(note)}[/]")

        for note in pointwise_lines(scores.section("judge_bias")):
            out.print(f"{name}: {terminal_text(note)}", markup=False)
        out.print(
            f"wrote report.html, report.md, scores.json, scores.csv in {run_dir}",
            markup=False,
            soft_wrap=True,
        )
        out.print(f"report: {run_dir / REPORT_HTML}", markup=False)


def calibration_line(scores: Scores) -> str | None:
    """The judge's mean beside the people's estimated one, when ``harness calibrate`` stored labels."""
    overall = (scores.section("calibration") or {}).get("overall")
    if not overall or overall.get("ppi_mean") is None:
        return None
    low, high = overall["ppi_ci"]
    return (
        f"calibrated against {overall['n_labels']} human labels: people's mean {overall['ppi_mean']:.3f} "
        f"(95% CI {low:.3f}-{high:.3f}, prediction-powered) beside the judge's {overall['judge_mean']:.3f}"
    )


def _print_headlines(out: Any, rows: list[tuple[str, Scores]]) -> None:
    """Each run's headline (the figure it is quoted by, as its dataset aggregates it), first."""

    for name, scores in rows:
        text = headline_text(scores.headline)
        if text:
            out.print(terminal_text(f"{name}: {text}" if len(rows) > 1 else text))


def _same_headline(names: list[str], loaded: list[Any]) -> str:
    """The headline aggregation every run shares; runs whose datasets define it differently cannot be
    compared by one headline delta (a usage error naming both)."""
    from harness.report.write import run_headline

    kinds = [run_headline(run) for run in loaded]
    for name, kind in zip(names[1:], kinds[1:], strict=True):
        if kind != kinds[0]:
            raise UsageError(
                f"{names[0]} has a {kinds[0]} headline but {name} a {kind} one (their datasets "
                "aggregate it differently); compare runs of one dataset"
            )
    return kinds[0]


def _latest_run() -> Path:
    """The newest run under the default ``--out`` of ``harness run``, said on stderr (so ``--json``
    output stays clean); a usage error when there is none."""
    from harness.runs.config import RunConfig
    from harness.runs.listing import latest_run

    folder = Path(RunConfig.model_fields["out"].default)
    latest = latest_run(folder)
    if latest is None:
        raise UsageError(
            f"no run directory given, and no runs under {folder.resolve()}",
            hint="Give one: harness report RUN_DIR (harness runs DIR lists the runs in a folder).",
        )
    when = f", updated {latest.updated_at[:16].replace('T', ' ')} UTC" if latest.updated_at else ""
    console(stderr=True).print(
        f"reporting the latest run under {terminal_text(folder)}/: "
        f"{terminal_text(latest.path)} ({terminal_text(latest.status)}{when})"
    )
    return latest.path


def _judgment_sets(paths: list[Path], notes: list[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Named judgment sets: from two files, or every judgments file / judge of one run directory
    (what reading them noted goes to ``notes``: a torn last line, differing verdicts)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += judgments_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or run directory")
    sets = [(str(f.name if len(paths) == 1 else f), read_judgments(f, notes)) for f in files]
    if len(sets) == 1:
        # one file holding several judges: split it by the 'judge' field
        name, records = sets[0]
        jurors = sorted({r["juror"] for r in records if isinstance(r.get("juror"), str)})
        judges = sorted({str(r.get("judge") or "") for r in records})
        if len(jurors) > 1:  # a jury run: one set per juror (the judge model)
            sets = [(f"{name}:{j}", [r for r in records if r.get("juror") == j]) for j in jurors]
        elif len(judges) > 1:
            sets = [(f"{name}:{j}", [r for r in records if str(r.get("judge") or "") == j]) for j in judges]
    if len(sets) < 2:
        raise UsageError(
            "--judges needs two sets of judgments: two judgments files, or a run directory with "
            "judgments.jsonl and judgments-<judge>.jsonl (harness judge RUN_DIR --judge NAME)"
        )
    return sets


def _sample_scores(records: list[dict[str, Any]]) -> tuple[dict[str, float], Any]:
    """Per-sample scores and the scale they are on (each judge's declared scale)."""

    folded = fold_records(records)
    return {i: o.score for i, o in folded.outcomes.items() if o.score is not None}, folded.scale


def _on_unit_scale(scores: dict[str, float], scale: Any) -> dict[str, float]:
    return {i: scale.to_unit(v) for i, v in scores.items()}


def _compare_judges(paths: list[Path], as_json: bool) -> None:
    from harness.judging.agreement import agreement
    from harness.report.tables import agreement_table

    notes: list[str] = []
    sets = _judgment_sets(paths, notes)
    base_name, base = sets[0]
    base_scores, base_scale = _sample_scores(base)
    results = []
    for name, records in sets[1:]:
        scores, scale = _sample_scores(records)
        if len(set(base_scores) & set(scores)) < 2:
            raise UsageError(f"{base_name} and {name} have fewer than two samples scored by both")
        if scale == base_scale:
            result = agreement(base_scores, scores)
        else:  # judges on different declared scales are compared on 0..1 (each mapped linearly)
            result = agreement(_on_unit_scale(base_scores, base_scale), _on_unit_scale(scores, scale))
        result["scale_a"], result["scale_b"] = base_scale.label, scale.label
        result["mapped_to_0_1"] = scale != base_scale
        results.append((base_name, name, result))

    for note in notes:  # on stderr with --json, which stays one JSON document
        console(stderr=as_json).print(terminal_text(note), markup=False)
    if as_json:
        typer.echo(json_text([{"a": a, "b": b, **r} for a, b, r in results], indent=2, default=str))
        return
    console().print(agreement_table(results))
    for a, b, result in results:
        if result["mapped_to_0_1"]:
            console().print(
                f"{a} ({result['scale_a']}) and {b} ({result['scale_b']}) are on different "
                "scales: both were mapped linearly onto 0..1 first.",
                markup=False,
            )


def compare(
    runs: Annotated[
        list[Path], typer.Argument(help="Run directories (the first is the baseline).", show_default=False)
    ],
    judges: Annotated[
        bool,
        typer.Option(
            "--judges", help="Judge agreement: RUN_DIR with two judgments files, or two judgments files."
        ),
    ] = False,
    judgments: JudgmentsOption = JUDGMENTS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    resamples: ResamplesOption = 2000,
    seed: SeedOption = 0,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write an HTML page with the questions the runs differ most on (Table 4)."
        ),
    ] = None,
    cases: Annotated[
        int, typer.Option("--cases", min=1, max=100, help="Questions per category in --html.")
    ] = 3,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="A pairwise judge: judge the two runs' answers against each other, both "
            "orders (a flipped verdict is a tie); prints the win rate with a 95% CI.",
        ),
    ] = None,
    judge_api_base: Annotated[
        str | None, typer.Option("--judge-api-base", help="OpenAI-compatible base URL for --judge.")
    ] = None,
    judge_model: Annotated[
        str | None,
        typer.Option(
            "--judge-model", help="Model for --judge; a,b,c: a jury (every model judges every pair)."
        ),
    ] = None,
    jury_aggregation: Annotated[
        str | None,
        typer.Option(
            help="With --judge and --judge-model a,b,c: majority (the only pairwise one).",
            show_default="majority",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Local data files a --judge reads (its prompts).")
    ] = None,
    verdicts: Annotated[
        Path | None,
        typer.Option(
            "--verdicts",
            help="With --judge: write every pair's outcome to this JSONL file "
            "(for harness calibrate FILE --labels LABELS).",
        ),
    ] = None,
) -> None:
    """Print runs side by side (Table 5 layout) and paired deltas of each run against the first."""
    from harness.report.tables import deltas, paper_comparison, table5
    from harness.report.write import scores_for_run

    if judge is not None:
        if judges or html is not None or len(runs) != 2:
            raise UsageError("compare --judge takes exactly two run directories (and no --judges or --html)")
        _compare_pairwise(
            runs,
            judge,
            as_json,
            resamples,
            seed,
            {"api_base": judge_api_base, "model": judge_model, "data_dir": data_dir},
            jury_aggregation,
            verdicts,
        )
        return
    if jury_aggregation is not None:
        raise UsageError("--jury-aggregation is for compare --judge with --judge-model a,b,c")
    if verdicts is not None:
        raise UsageError("--verdicts is for compare --judge (a pairwise judge)")
    if judges:
        if html is not None:
            raise UsageError("--html is for comparing runs, not with --judges")
        _compare_judges(runs, as_json)
        return
    if len(runs) < 2:
        raise UsageError("compare needs at least two run directories (or --judges)")
    loaded = [read_run_dir(run, judgments_file=judgments) for run in runs]
    names = [run.name for run in loaded]
    if len(set(names)) != len(names):
        names = [str(run.path) for run in loaded]
    headline = _same_headline(names, loaded)
    scores = [scores_for_run(run, n_resamples=resamples, seed=seed) for run in loaded]
    comparisons = [
        compare_judgments(
            loaded[0].judgments, other.judgments, n_resamples=resamples, seed=seed, headline=headline
        )
        for other in loaded[1:]
    ]
    comparisons = _with_judge_differences(comparisons, names, loaded)
    if html is not None:
        _write_compare_html(html, names, loaded, scores, comparisons, cases)
    if as_json:
        payload = {
            "runs": [{"name": n, "scores": s.to_dict()} for n, s in zip(names, scores, strict=True)],
            "comparisons": [
                {"a": names[0], "b": n, **c.to_dict()} for n, c in zip(names[1:], comparisons, strict=True)
            ],
        }
        typer.echo(json_text(payload, indent=2))
        return
    out = console()
    _print_headlines(out, list(zip(names, scores, strict=True)))
    out.print(
        table5(
            list(zip(names, scores, strict=True)), title="runs side by side (Table 5 layout)", width=out.width
        )
    )
    for name, comparison in zip(names[1:], comparisons, strict=True):
        out.print(deltas(comparison, name_a=names[0], name_b=name))
        _print_judge_difference(out, comparison)

    for name, run_scores in zip(names, scores, strict=True):  # how far each run's judge can be trusted
        for note in pointwise_lines(run_scores.section("judge_bias")):
            out.print(f"{terminal_text(name)}: {terminal_text(note)}", markup=False)
    for name, run_scores in zip(names, scores, strict=True):
        if run_scores.section("paper"):  # linked to a published row: the paper's figures, under the verdict
            out.print(paper_comparison(run_scores.section("paper"), name=name))
    _print_notes(out, names, scores)
    if html is not None:
        out.print(f"wrote {html}", markup=False, soft_wrap=True)


def _with_judge_differences(
    comparisons: list[Comparison], names: list[str], loaded: list[Any]
) -> list[Comparison]:
    """The comparisons, each with ``judge_differs`` when different judge backends answered its runs."""
    from dataclasses import replace

    base = (names[0], loaded[0].judgments)
    return [
        replace(comparison, judge_differs=judge_difference(base, (name, run.judgments)) or None)
        for comparison, name, run in zip(comparisons, names[1:], loaded[1:], strict=True)
    ]


def _print_judge_difference(out: Any, comparison: Comparison) -> None:

    for line in difference_lines(dict(comparison.judge_differs or {})):
        out.print(terminal_text(line), markup=False)


def _print_notes(out: Any, names: list[str], scores: list[Scores]) -> None:
    """Each run's notes (judgments left out and why, a torn line, differing verdicts), as ``report``
    prints them: a figure shown as "–" must say why."""
    for name, run_scores in zip(names, scores, strict=True):
        for note in run_scores.notes:
            out.print(f"{terminal_text(name)}: {terminal_text(note)}", markup=False)


def _compare_pairwise(
    runs: list[Path],
    judge: str,
    as_json: bool,
    resamples: int,
    seed: int,
    options: dict[str, Any],
    aggregation: str | None = None,
    verdicts: Path | None = None,
) -> None:
    """``compare --judge``: the win rate of the second run over the first (harness.runs.pairwise)."""
    if verdicts is not None:  # refused before any judging, not after
        check_target(verdicts, runs)
    out = console()
    result = compare_pairwise(
        runs[0],
        runs[1],
        judge,
        options={k: v for k, v in options.items() if v is not None},
        log=lambda m: typer.echo(inert(m), err=True) if as_json else out.print(m, markup=False),
        n_resamples=resamples,
        seed=seed,
        aggregation=aggregation,
        verdicts_path=verdicts,
    )
    if as_json:
        typer.echo(json_text(result, indent=2, default=str))
        return

    def line(label: str, r: dict[str, Any]) -> str:
        rate = (
            "–"
            if r["win_rate_b"] is None
            else f"{r['win_rate_b']:.3f} ({r['ci_low']:.3f}–{r['ci_high']:.3f})"
        )
        return (
            f"{label}: b wins {r['wins_b']}, a wins {r['wins_a']}, ties {r['ties']} "
            f"({r['inconsistent']} flipped with the order), undecided {r['undecided']}; "
            f"win rate of b {rate}"
        )

    out.print(
        f"a = {runs[0]}\nb = {runs[1]}\njudge {judge}, {result['n_pairs']} pairs judged in both orders",
        markup=False,
    )
    out.print(line("overall", result), markup=False)
    for category, row in result.get("categories", {}).items():
        out.print(line(category, row), markup=False)
    out.print(
        "win rate = (wins + ties / 2) / decided pairs; 95% percentile bootstrap interval over pairs.",
        markup=False,
    )

    for note in jury_lines(result.get("jury")):
        out.print(inert(note), markup=False)

    for note in pairwise_lines(result):
        out.print(inert(note), markup=False)
    if verdicts is not None:
        out.print(
            inert(f"wrote {verdicts} (harness calibrate {verdicts} --labels FILE)"),
            markup=False,
            soft_wrap=True,
        )


def _write_compare_html(path: Path, names, loaded, scores, comparisons, per_category: int) -> None:
    """The ``--html`` page: scores, deltas and the Table 4-style cases of each run against the first."""

    base = loaded[0]
    picked = [
        pick_cases(
            base.judgments,
            other.judgments,
            generations_a=base.generations,
            generations_b=other.generations,
            per_category=per_category,
        )
        for other in loaded[1:]
    ]
    notes = [f"{name}: {note}" for name, run in zip(names, loaded, strict=True) for note in run.notes]
    display = {c: spec.display_name for c, spec in registry().categories().items()}
    page = render_compare_html(
        names,
        [run.describe() for run in loaded],
        scores,
        comparisons,
        picked,
        display_names=display,
        notes=notes,
    )
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--html {path}: cannot write: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("report")(report)
    app.command("compare")(compare)
