"""The ``harness`` command line: the root app, ``list``, ``plugins``, and the command groups.

Each command group lives in its own module under :mod:`harness.cli` and exposes
``register(app)``. Command modules import only typer and rich at module level: ``harness --help``
and ``harness list`` must not import torch, transformers, deepspeed or litellm.
"""

from __future__ import annotations

import json
import sys
from importlib import import_module
from typing import Annotated

import typer

from harness import __version__
from harness.errors import HarnessError

COMMAND_MODULES = ("run", "data", "report", "train", "vocab", "experiment")

app = typer.Typer(
    name="harness",
    help="Evaluate and fine-tune instruction-following LLMs with LLM judges (reproduces BELLE).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

_extra_plugins: list[str] = []


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"harness {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    ] = None,
    plugin: Annotated[
        list[str] | None,
        typer.Option("--plugin", "-p", help="Load an extra plugin (module name or .py path); repeatable."),
    ] = None,
) -> None:
    """Evaluate and fine-tune instruction-following LLMs with LLM judges (reproduces BELLE)."""
    _extra_plugins[:] = plugin or []


def manager():
    """The plugin manager with this invocation's ``--plugin`` options loaded."""
    from harness.manager import get_manager

    return get_manager(tuple(_extra_plugins))


def registry():
    return manager().registry


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


@app.command("list")
def list_components(
    kind: Annotated[str | None, typer.Argument(help="Only this kind: dataset, model, trainer, generator, judge, category, embedder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Emit JSON: a list of {kind, name, aliases, plugin, description}.")] = False,
) -> None:
    """List the registered components, grouped by kind, with the plugin that provides each."""
    from harness.kinds import KINDS

    if kind is not None:
        kind = kind.rstrip("s") if kind.rstrip("s") in KINDS else kind
        if kind not in KINDS:
            raise typer.BadParameter(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}", param_hint="KIND")
    from harness import listing_cache

    render_key = None
    if not as_json and not _extra_plugins:
        render_key = listing_cache.render_key(kind)
        text = listing_cache.load_rendered(render_key)
        if text is not None:
            sys.stdout.write(text)
            return
    rows = [row for row in _listing_rows() if kind is None or row["kind"] == kind]
    if as_json:
        keys = ("kind", "name", "aliases", "plugin", "description")
        typer.echo(json.dumps([{k: row[k] for k in keys} for row in rows], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title="harness components", show_lines=False)
    for col in ("kind", "name", "aliases", "plugin", "description"):
        table.add_column(col, overflow="fold")
    previous = None
    for row in rows:
        name = row["name"] + (":<arg>" if row.get("parametric") else "")
        table.add_row(row["kind"] if row["kind"] != previous else "", name, ", ".join(row["aliases"]),
                      row["plugin"], row["description"])
        previous = row["kind"]
    out = console()
    with out.capture() as captured:
        out.print(table)
    text = captured.get()
    sys.stdout.write(text)
    if render_key is not None:
        listing_cache.store_rendered(render_key, text)


def _listing_rows() -> list[dict]:
    """Every registration as a row, from the listing cache when it is still valid."""
    from harness import listing_cache

    if not _extra_plugins:
        cached = listing_cache.load_listing()
        if cached is not None:
            return cached
    mgr = manager()
    rows = [{**r.to_dict(), "parametric": r.spec.parametric} for r in mgr.registry.registrations()]
    if not _extra_plugins and all(i.status != "broken" for i in mgr.plugins()):
        modules = [i.target for i in mgr.plugins() if i.target]
        listing_cache.store_listing(rows, modules, [str(d) for d, _ in mgr.registry_dirs()])
    return rows


@app.command("plugins")
def list_plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Emit JSON.")] = False,
) -> None:
    """List plugins: name, version, hooks implemented, and status (ok, broken, disabled)."""
    infos = manager().plugins()
    if as_json:
        typer.echo(json.dumps([i.to_dict() for i in infos], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title="harness plugins")
    for col in ("name", "version", "source", "hooks", "status"):
        table.add_column(col, overflow="fold")
    for i in infos:
        status = {"ok": "[green]ok[/]", "disabled": "[yellow]disabled[/]"}.get(i.status, f"[red]broken[/]: {i.error}")
        table.add_row(i.name, i.version or "-", i.source, ", ".join(h.removeprefix("harness_") for h in i.hooks), status)
    console().print(table)


for _module in COMMAND_MODULES:
    import_module(f"harness.cli.{_module}").register(app)


def _requested_command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (skipping the root options), if any."""
    tokens = iter(argv)
    for token in tokens:
        if token in ("--plugin", "-p"):
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


def _command_name(info) -> str:
    return info.name or info.callback.__name__.replace("_", "-")


def _keep_only_requested(argv: list[str]) -> None:
    """Let typer build only the command that runs.

    Typer turns every registered command into a click command (inspecting every signature) before
    it dispatches; with dozens of options across the commands that is most of a short command's
    time. Root help still sees every command.
    """
    name = _requested_command(argv)
    if name is None:
        return
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:  # an unknown name falls through to typer's own error, listing all
        app.registered_commands, app.registered_groups = commands, groups


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning :class:`HarnessError` into a message and an exit code."""
    from rich.markup import escape

    argv = list(sys.argv[1:] if argv is None else argv)
    _keep_only_requested(argv)
    try:
        app(args=argv, standalone_mode=True)
    except HarnessError as exc:
        err = console(stderr=True)
        message = escape(str(exc.args[0]) if exc.args else str(exc))
        err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
        if exc.hint:
            err.print(exc.hint, markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        console(stderr=True).print("interrupted")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
