"""CLI commands ``harness data stats`` and ``harness data clean`` (registered on the ``data`` group).

``stats`` prints the paper's Figure 1 and Figure 3 figures for a dataset (see
:mod:`harness.data.stats`); ``clean`` runs the section-3 cleaning pipeline over instruction-data
files (see :mod:`harness.data.clean`). Both take a registered dataset name or a file path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from harness.cli.options import DataDirOption, MirrorOption, create_dataset


def _load_records(name: str, data_dir: Path | None, mirror: str | None) -> tuple[str, list[Any]]:
    """Records of a registered dataset, or of a training-data file when ``name`` is a path."""
    from harness.cli.context import registry

    reg = registry()
    path = Path(name).expanduser()
    if ("/" in name or path.suffix) and (path.is_file() or path.with_name(path.name + ".xz").is_file()):
        from harness.training.data.sources import TrainingSource

        return path.name, TrainingSource(name=path.name, path=path).load()
    spec, dataset = create_dataset(reg, name, data_dir, mirror)
    return spec.name, dataset.load()


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def stats(
    name: Annotated[str, typer.Argument(help="Dataset name (see 'harness list dataset') or a data file.")],
    by: Annotated[str, typer.Option("--by", help="Group eval samples by 'column' (paper) or 'category'.")] = "column",
    tokenizer: Annotated[
        Path | None,
        typer.Option("--tokenizer", help="Also count tokens: a sentencepiece .model or a tokenizer directory."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
    html: Annotated[Path | None, typer.Option("--html", help="Write bar charts (Figures 1 and 3) to FILE.")] = None,
    data_dir: DataDirOption = None,
    mirror: MirrorOption = None,
) -> None:
    """Samples per category and average instruction / gold-response length (paper Figures 1, 3)."""
    from harness.cli.context import console, registry
    from harness.data.stats import dataset_stats, token_counter
    from harness.errors import UsageError

    if by not in ("column", "category"):
        raise UsageError(f"--by must be 'column' or 'category', not {by!r}")
    count_tokens = None
    if tokenizer is not None:
        if not tokenizer.exists():
            raise UsageError(f"--tokenizer {tokenizer}: no such file or directory")
        count_tokens = token_counter(str(tokenizer))
    dataset, records = _load_records(name, data_dir, mirror)
    result = dataset_stats(records, categories=registry().categories(), dataset=dataset, by=by,
                           count_tokens=count_tokens, tokenizer=tokenizer.name if tokenizer else None)
    if html is not None:
        from harness.report.stats_html import render_stats_html

        try:
            html.write_text(render_stats_html(result), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--html {html}: cannot write: {exc.strerror or exc}") from None
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    tokens = tokenizer is not None
    paper = result["paper"] is not None
    from rich import box

    table = Table(title=f"{dataset}: {result['samples']} samples; lengths in chars" + (", tokens" if tokens else ""),
                  box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(result["by"], no_wrap=True, overflow="ellipsis", min_width=8)
    table.add_column("n", justify="right")
    table.add_column("%", justify="right")
    if paper:
        table.add_column("paper %", justify="right")
    table.add_column("instr", justify="right")
    if tokens:
        table.add_column("instr tok", justify="right")
    table.add_column("w/ gold", justify="right")
    table.add_column("gold", justify="right")
    if tokens:
        table.add_column("gold tok", justify="right")
    for g in result["groups"]:
        row = [g["label"], str(g["samples"]), f"{100 * g['share']:.1f}"]
        if paper:
            row.append("–" if g["paper_percent"] is None else str(g["paper_percent"]))
        row.append(_fmt(g["instruction_chars"]))
        if tokens:
            row.append(_fmt(g["instruction_tokens"]))
        row += [str(g["with_gold"]), _fmt(g["gold_chars"])]
        if tokens:
            row.append(_fmt(g["gold_tokens"]))
        table.add_row(*row)
    out = console()
    out.print(table)
    for note in result["notes"]:
        out.print(f"[dim]{note}[/]")
    if paper:
        out.print(f"[dim]paper %: {result['paper']['source']}[/]")
    if html is not None:
        out.print(f"wrote {html}", markup=False)
