"""CLI commands ``harness data stats`` and ``harness data clean`` (registered on the ``data`` group).

``stats`` prints the paper's Figure 1 and Figure 3 figures for a dataset (see
:mod:`harness.data.stats`); ``clean`` runs the section-3 cleaning pipeline over instruction-data
files (see :mod:`harness.data.clean`). Both take a registered dataset name or a file path.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from harness.cli.context import console, registry
from harness.cli.options import DataDirOption, MirrorOption, create_dataset
from harness.data.clean.items import check_unique_ids, input_file, items_from_dataset, read_file_items
from harness.data.clean.pipeline import CleanOptions, check_output, write_outputs
from harness.data.clean.pipeline import clean as run_clean
from harness.data.stats import dataset_stats, token_counter
from harness.errors import UsageError
from harness.report.stats_html import render_stats_html
from harness.terminal import json_text

if TYPE_CHECKING:
    from rich.console import JustifyMethod


def _load_records(name: str, data_dir: Path | None, mirror: str | None) -> tuple[str, list[Any]]:
    """Records of a registered dataset, or of a training-data file when ``name`` is a path."""
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
    by: Annotated[
        str, typer.Option("--by", help="Group eval samples by 'column' (paper) or 'category'.")
    ] = "column",
    tokenizer: Annotated[
        Path | None,
        typer.Option(
            "--tokenizer", help="Also count tokens: a sentencepiece .model or a tokenizer directory."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write bar charts (Figures 1 and 3) to FILE.")
    ] = None,
    data_dir: DataDirOption = None,
    mirror: MirrorOption = None,
) -> None:
    """Samples per category and average instruction / gold-response length (paper Figures 1, 3)."""
    if by not in ("column", "category"):
        raise UsageError(f"--by must be 'column' or 'category', not {by!r}")
    count_tokens = None
    if tokenizer is not None:
        if not tokenizer.exists():
            raise UsageError(f"--tokenizer {tokenizer}: no such file or directory")
        count_tokens = token_counter(str(tokenizer))
    dataset, records = _load_records(name, data_dir, mirror)
    result = dataset_stats(
        records,
        categories=registry().categories(),
        dataset=dataset,
        by=by,
        count_tokens=count_tokens,
        tokenizer=tokenizer.name if tokenizer else None,
    )
    if html is not None:
        try:
            html.write_text(render_stats_html(result), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--html {html}: cannot write: {exc.strerror or exc}") from None
    if as_json:
        typer.echo(json_text(result, indent=2))
        return
    from rich.table import Table

    tokens = tokenizer is not None
    paper = result["paper"] is not None
    from rich import box

    table = Table(
        title=f"{dataset}: {result['samples']} samples; lengths in chars" + (", tokens" if tokens else ""),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
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
        out.print(note, style="dim", markup=False)
    if paper:
        out.print(f"paper %: {result['paper']['source']}", style="dim", markup=False)
    if html is not None:
        out.print(f"wrote {html}", markup=False, soft_wrap=True)


def _clean_items(names: list[str], data_dir: Path | None, mirror: str | None) -> tuple[list[Any], list[Path]]:
    """Items of every input (files read strictly, datasets through their plugin) and the input files."""
    items: list[Any] = []
    files: list[Path] = []
    datasets = set(registry().names("dataset"))
    for name in names:
        path = Path(name).expanduser()
        if input_file(path) is not None:
            files.append(path)
            items.extend(read_file_items(path))
        elif name not in datasets and ("/" in name or path.suffix in (".json", ".jsonl", ".xz", ".gz")):
            raise UsageError(
                f"{name}: no such file",
                hint="Give a JSON/JSONL file or a dataset name (see 'harness list dataset').",
            )
        else:
            dataset, records = _load_records(name, data_dir, mirror)
            items.extend(items_from_dataset(dataset, records))
    return items, files


def clean(
    names: Annotated[
        list[str], typer.Argument(help="Dataset names (see 'harness list dataset') or JSON/JSONL files.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Write the kept samples here (JSON Lines, records as read).")
    ],
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Write the JSON report here (default: OUT with the suffix .report.json)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out / --report if they exist.")] = False,
    on: Annotated[
        str, typer.Option("--on", help="Compare the whole 'sample', the 'instruction' or the 'response'.")
    ] = "sample",
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold", help="Near duplicate: Jaccard similarity of token shingles at least this."
        ),
    ] = 0.8,
    num_perm: Annotated[int, typer.Option("--num-perm", help="MinHash permutations.")] = 128,
    shingle: Annotated[int, typer.Option("--shingle", help="Tokens per shingle.")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the MinHash permutations.")] = 1,
    no_near: Annotated[bool, typer.Option("--no-near", help="Skip near-duplicate removal.")] = False,
    embedder: Annotated[
        str | None,
        typer.Option(
            "--embedder",
            help="Also drop semantic duplicates with this "
            "embedder (see 'harness list embedder'), e.g. lm-mean:tiny-llama.",
        ),
    ] = None,
    semantic_threshold: Annotated[
        float,
        typer.Option("--semantic-threshold", help="Semantic duplicate: cosine similarity at least this."),
    ] = 0.95,
    perplexity_model: Annotated[
        str | None,
        typer.Option(
            "--perplexity-model", help="Score every sample's perplexity with this causal LM (a model name)."
        ),
    ] = None,
    max_perplexity: Annotated[
        float | None, typer.Option("--max-perplexity", help="Drop samples whose perplexity is above this.")
    ] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Tokens per sample the models read.")] = 512,
    top: Annotated[int, typer.Option("--top", help="Most frequent words and bigrams to report.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report (without the per-sample drops) as JSON.")
    ] = False,
    data_dir: DataDirOption = None,
    mirror: MirrorOption = None,
) -> None:
    """Remove exact, near (MinHash/LSH) and semantic duplicates and high-perplexity samples (paper section 3).

    Writes the kept samples to --out, and a JSON report: every dropped sample (reason, the kept sample it duplicated, score) and the diversity (distinct-n, top words; Chinese counted in characters) of the input and of the kept set.
    """
    options = CleanOptions(
        on=on,
        threshold=threshold,
        num_perm=num_perm,
        shingle=shingle,
        seed=seed,
        near=not no_near,
        embedder=embedder,
        semantic_threshold=semantic_threshold,
        perplexity_model=perplexity_model,
        max_perplexity=max_perplexity,
        max_tokens=max_tokens,
        top=top,
    )
    options.check()
    report_path = report or out.with_name(out.stem + ".report.json")
    if report_path.resolve() == out.resolve():
        raise UsageError("--report and --out name the same file")
    input_paths = [p for p in (input_file(Path(n)) for n in names) if p is not None]
    check_output(out, force=force, inputs=input_paths, what="--out")
    check_output(report_path, force=force, inputs=input_paths, what="--report")
    built_embedder = None
    if embedder is not None:  # built before the data is read: an unknown name fails fast
        built_embedder = registry().create("embedder", embedder)
        if not callable(getattr(built_embedder, "embed", None)):
            raise UsageError(f"embedder {embedder!r} has no embed(texts) method")
    # with --json, stdout carries the JSON only: libraries loaded on the way (deepspeed, through
    # transformers) print their notices to stdout
    with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
        items, files = _clean_items(names, data_dir, mirror)
        check_unique_ids(items)
        kept, result = run_clean(
            items, options, inputs=[str(f) for f in files] or list(names), embedder=built_embedder
        )
        write_outputs(kept, result, out, report_path)
    if as_json:
        typer.echo(json_text({k: v for k, v in result.items() if k != "drops"}, indent=2))
        return
    from rich import box
    from rich.table import Table

    table = Table(title=f"{len(items)} samples -> {len(kept)} kept", box=box.SIMPLE_HEAD, pad_edge=False)
    justify: JustifyMethod
    for col, justify in (
        ("stage", "left"),
        ("in", "right"),
        ("dropped", "right"),
        ("kept", "right"),
        ("s", "right"),
    ):
        table.add_column(col, justify=justify)
    for s in result["stages"]:
        table.add_row(s["stage"], str(s["in"]), str(s["dropped"]), str(s["kept"]), f"{s['seconds']:.1f}")
    con = console()
    con.print(table)
    for s in result["stages"]:
        if s["stage"] == "perplexity" and "median" in s:
            con.print(
                f"perplexity ({s['model']}): min {s['min']:.1f}, median {s['median']:.1f}, "
                f"p90 {s['p90']:.1f}, max {s['max']:.1f}",
                markup=False,
            )
    before, after = result["diversity"]["input"], result["diversity"]["kept"]

    def d(x: dict, key: str) -> str:
        return "–" if x[key] is None else f"{x[key]:.3f}"

    con.print(
        f"distinct-1/2/3: input {d(before, 'distinct_1')}/{d(before, 'distinct_2')}/{d(before, 'distinct_3')}"
        f", kept {d(after, 'distinct_1')}/{d(after, 'distinct_2')}/{d(after, 'distinct_3')}",
        markup=False,
    )
    words = " ".join(w for w, _ in after["top_words"][:10])
    con.print(f"top words (kept): {words}", markup=False, overflow="ellipsis", no_wrap=True)
    con.print("Chinese is counted in characters (no word segmenter).", markup=False, style="dim")
    con.print(f"wrote {out} ({len(kept)} samples)", markup=False, overflow="fold")
    con.print(f"report {report_path}", markup=False, overflow="fold")
