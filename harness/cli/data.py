"""CLI commands: ``harness data fetch | list | show``.

``fetch`` downloads a pinned source into the cache (``$HARNESS_HOME/data``) and verifies every
file's sha256; ``list`` shows the known sources and what is cached; ``show`` loads a dataset and
counts its samples per category. ``--data-dir`` / ``$HARNESS_DATA_DIR`` use local copies instead
of the cache; ``--mirror`` / ``$HARNESS_MIRROR`` replace the download URLs' base (see
:mod:`harness.data.fetch`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from harness.cli import data_tools  # stats and clean live there (one module per concern)
from harness.cli.context import console, registry
from harness.cli.options import DataDirOption, MirrorOption, create_dataset
from harness.report.escape import terminal_text
from harness.terminal import json_text

if TYPE_CHECKING:
    from rich.console import JustifyMethod

data_app = typer.Typer(name="data", help="Fetch, list and inspect datasets.", no_args_is_help=True)


@data_app.command("fetch")
def fetch(
    name: Annotated[str, typer.Argument(help="Data source name (see 'harness data list').")],
    data_dir: DataDirOption = None,
    mirror: MirrorOption = None,
    force: Annotated[bool, typer.Option("--force", help="Download again even when cached.")] = False,
) -> None:
    """Download a data source into the cache and verify every file's sha256.

    Already cached: every cached file is re-hashed before it is called verified. With --data-dir
    (or HARNESS_DATA_DIR): the local copies are verified and copied into the cache.
    """
    from harness.data.fetch import (
        cache_path,
        download_source,
        import_local_copies,
        is_cached,
        resolve_source,
        verify_cached,
    )

    source = resolve_source(name)
    n = len(source.files)
    if data_dir is not None:
        directory = import_local_copies(source, data_dir)
        what = f"{n} file(s) verified and copied from {data_dir} into the cache {directory}"
    elif is_cached(source) and not force:
        verify_cached(source)
        directory = cache_path(source)
        what = f"already cached; {n} file(s) re-verified in {directory}"
    else:
        directory = download_source(source, mirror=mirror, progress=True)
        what = f"{n} file(s) downloaded and verified in {directory}"
    out = console()
    out.print(
        f"[green]ok[/] {terminal_text(source.name)}: {terminal_text(what)}", markup=True, soft_wrap=True
    )
    for file in source.files:
        out.print(f"  {file.name}  sha256 {file.sha256[:16]}…", markup=False)


@data_app.command("list")
def list_sources(
    as_json: Annotated[bool, typer.Option("--json", help="Emit JSON.")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Re-hash cached files.")] = False,
) -> None:
    """List known data sources and eval datasets, and what is cached."""
    from harness.data.fetch import cache_status
    from harness.registry_dirs import all_sources

    statuses = [cache_status(source, verify=verify) for source in all_sources()]
    corrupt = [
        (s["name"], s["path"], f["name"]) for s in statuses for f in s["files"] if f.get("verified") is False
    ]
    datasets = [
        {"name": spec.name, "role": getattr(spec, "role", ""), "description": spec.description}
        for spec in registry().specs("dataset")
    ]
    if as_json:
        typer.echo(json_text({"sources": statuses, "datasets": datasets}, indent=2))
        _fail_on_corrupt(corrupt)
        return
    from rich.table import Table

    table = Table(title="data sources")
    for col in ("source", "files", "cached", "path", "description"):
        table.add_column(col, overflow="fold")
    for status in statuses:
        cached = sum(f["cached"] for f in status["files"])
        bad = [f["name"] for f in status["files"] if f.get("verified") is False]
        mark = "[green]yes[/]" if status["cached"] else ("[yellow]partial[/]" if cached else "no")
        if bad:
            mark = f"[red]corrupt: {', '.join(bad)}[/]"
        table.add_row(status["name"], str(len(status["files"])), mark, status["path"], status["description"])
    out = console()
    out.print(table)
    dataset_table = Table(title="datasets")
    for col in ("dataset", "role", "description"):
        dataset_table.add_column(col, overflow="fold")
    for row in datasets:
        dataset_table.add_row(row["name"], row["role"], row["description"])
    out.print(dataset_table)
    _fail_on_corrupt(corrupt)


def _fail_on_corrupt(corrupt: list[tuple[str, str, str]]) -> None:
    """``--verify`` found files that are not their pinned content: say which and how to repair, exit 1."""
    if not corrupt:
        return

    err = console(stderr=True)
    for source, path, file in corrupt:
        err.print(
            f"error: {Path(path) / file}: sha256 mismatch (modified or damaged); repair it with: "
            f"harness data fetch {source} --force",
            markup=False,
            soft_wrap=True,
        )
    raise typer.Exit(1)


@data_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Dataset name (see 'harness list dataset').")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Emit an object mapping category id to count.")
    ] = False,
    data_dir: DataDirOption = None,
    mirror: MirrorOption = None,
) -> None:
    """Load a dataset and print its samples per category."""
    from collections import Counter

    reg = registry()
    spec, dataset = create_dataset(reg, name, data_dir, mirror)
    records = dataset.load()
    counts = Counter(getattr(record, "category", None) or "(none)" for record in records)
    categories = reg.categories()
    order = sorted(counts, key=lambda c: (categories[c].group if c in categories else c, c))
    if as_json:
        typer.echo(json_text({c: counts[c] for c in order}, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{spec.name}: {len(records)} records")
    justify: JustifyMethod
    for col, justify in (
        ("category", "left"),
        ("display name", "left"),
        ("column", "left"),
        ("count", "right"),
        ("with gold", "right"),
    ):
        table.add_column(col, justify=justify)
    gold = Counter(getattr(r, "category", None) or "(none)" for r in records if getattr(r, "reference", ""))
    for c in order:
        cat = categories.get(c)
        table.add_row(
            c, cat.display_name if cat else "", cat.group if cat else "", str(counts[c]), str(gold[c])
        )
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    data_app.command("stats")(data_tools.stats)
    data_app.command("clean")(data_tools.clean)
    app.add_typer(data_app, name="data")
