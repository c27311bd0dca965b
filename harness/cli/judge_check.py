"""CLI command: ``harness judge-check RUN``, today's judge against the verdicts on disk.

A quick way to learn whether the model behind the judge's name (``gpt-3.5-turbo``) still judges
like the one that judged the run: a seeded sample is judged again (never from the cache) and the
agreement printed, with whether the answering model or ``system_fingerprint`` moved
(:mod:`harness.runs.judge_check`). Nothing in the run directory is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from harness.cli.context import console, registry
from harness.errors import UsageError
from harness.terminal import inert, json_text

MEASURES = (
    ("spearman", "Spearman"),
    ("pearson", "Pearson"),
    ("kappa_quadratic", "kappa (quadratic)"),
    ("exact", "exact agreement"),
    ("within_1", "within 1 point"),
)


def judge_check(
    run_dir: Annotated[Path, typer.Argument(help="A finished run directory.", exists=True, file_okay=False)],
    n: Annotated[
        int, typer.Option("--n", min=1, max=100000, help="Judgments to ask again (a seeded sample).")
    ] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Sample and bootstrap seed.")] = 0,
    judgments: Annotated[
        str, typer.Option("--judgments", help="Judgments file inside the run.")
    ] = "judgments.jsonl",
    judge_api_base: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL.", show_default="the run's")
    ] = None,
    judge_model: Annotated[str | None, typer.Option(help="Model to ask.", show_default="the run's")] = None,
    resamples: Annotated[int, typer.Option("--resamples", min=100, help="Bootstrap resamples.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Ask the judge again for a seeded sample of a run's items; print the agreement and any drift."""
    from harness.runs.judge_check import judge_check as check

    out = console(stderr=as_json)
    overrides = {
        k: v
        for k, v in {"judge_api_base": judge_api_base, "judge_model": judge_model}.items()
        if v is not None
    }
    result = check(
        run_dir,
        n=n,
        seed=seed,
        judgments_file=_plain_name(judgments),
        overrides=overrides,
        registry=registry(),
        resamples=resamples,
        log=lambda m: out.print(inert(m), markup=False),
    )
    if as_json:
        typer.echo(json_text(result, indent=2))
        return
    _print(console(), result)


def _plain_name(name: str) -> str:
    """A judgments file is named inside the run: a path elsewhere is refused (exit 2)."""
    if Path(name).name != name or not name.endswith(".jsonl"):
        raise UsageError(f"--judgments names a .jsonl file inside the run directory, not {name!r}")
    return name


def _cell(entry: dict[str, Any]) -> tuple[str, str]:
    if entry["value"] is None:
        return "–", "–"
    ci = "–" if entry["ci_low"] is None else f"{entry['ci_low']:.3f}–{entry['ci_high']:.3f}"
    return f"{entry['value']:.3f}", ci


def _print(out: Any, result: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(
        title=f"judge-check: {result['rescored']} of {result['sampled']} items scored again",
        title_justify="left",
    )
    for column in ("measure", "value", "95% CI", "n"):
        table.add_column(column)
    for key, label in MEASURES:
        entry = result["measures"][key]
        label = f"within {result['unit']:g} (1 point)" if key == "within_1" and result["unit"] != 1 else label
        table.add_row(label, *_cell(entry), str(entry["n"]))
    out.print(table)
    missed = result["not_rescored"]
    if any(missed.values()):
        out.print(
            f"not scored now: {missed['unscored']} unscored, {missed['failed']} failed, "
            f"{missed['missing']} without a reply",
            markup=False,
        )
    for key, label in (("answering_models", "answering model"), ("fingerprints", "system_fingerprint")):
        drift = result["drift"][key]
        then, now = (
            ", ".join(sorted(drift["then"])) or "none recorded",
            ", ".join(sorted(drift["now"])) or "none",
        )
        verdict = "MOVED" if drift["moved"] else "same"
        out.print(inert(f"{label}: {verdict} (then: {then}; now: {now})"), markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("judge-check")(judge_check)
