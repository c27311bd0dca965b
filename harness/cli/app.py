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

COMMAND_MODULES = ("run", "data", "report", "train", "vocab")

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
    kind: Annotated[str | None, typer.Argument(help="Only this kind: dataset, model, trainer, generator, judge, category.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Emit JSON: a list of {kind, name, aliases, plugin, description}.")] = False,
) -> None:
    """List the registered components, grouped by kind, with the plugin that provides each."""
    from harness.specs import KINDS

    reg = registry()
    if kind is not None:
        kind = kind.rstrip("s") if kind.rstrip("s") in KINDS else kind
        if kind not in KINDS:
            raise typer.BadParameter(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}", param_hint="KIND")
    rows = reg.registrations(kind)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title="harness components", show_lines=False)
    for col in ("kind", "name", "aliases", "plugin", "description"):
        table.add_column(col, overflow="fold")
    previous = None
    for r in rows:
        name = r.spec.name + (":<arg>" if r.spec.parametric else "")
        table.add_row(r.kind if r.kind != previous else "", name, ", ".join(r.spec.aliases), r.plugin, r.spec.description)
        previous = r.kind
    console().print(table)


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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning :class:`HarnessError` into a message and an exit code."""
    from rich.markup import escape

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
