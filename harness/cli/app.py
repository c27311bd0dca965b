"""The ``harness`` command line: the root app, ``list``, ``plugins``, and the command groups.

Each command group lives in its own module under :mod:`harness.cli` and exposes
``register(app)``. Command modules import only typer and rich at module level: ``harness --help``
and ``harness list`` must not import torch, transformers, deepspeed or litellm. :func:`main` builds
an app with only the module of the command that runs (``harness list`` imports none of them); the
module attribute ``app`` is the whole app, built on first use (tests, embedding).
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated

import typer

from harness import __version__, listing_cache
from harness.cli.cached_screens import caching_root_help
from harness.cli.context import console, manager, registry  # noqa: F401 (registry: re-exported)
from harness.cli.context import extra_plugins as _extra_plugins
from harness.cli.crash import plugin_crash
from harness.cli.help import PanelGroup, root_help_only
from harness.cli.listing import short_listing
from harness.cli.verbosity import hoist_verbose, quiet_third_parties, verbose_requested
from harness.errors import HarnessError
from harness.kinds import KINDS
from harness.terminal import json_text

# module -> the commands its register() adds, in the order the root help lists them
# (tests/core/test_cli_command_modules.py holds this to what each module registers)
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "run": ("run", "judge"),
    "runs": ("runs",),
    "data": ("data",),
    "report": ("report", "compare"),
    "calibrate": ("calibrate",),
    "judge_check": ("judge-check",),
    "train": ("train",),
    "vocab": ("extend-vocab", "tokenizer-stats"),
    "experiment": ("experiment",),
    "new": ("new",),
}


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"harness {__version__}")
        raise typer.Exit()


def root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
        ),
    ] = None,
    plugin: Annotated[
        list[str] | None,
        typer.Option(
            "--plugin",
            "-p",
            help="Load an extra plugin: module, module:attr or .py path; repeatable, "
            "before or after the command.",
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also show third-party log messages and warnings (DeepSpeed, "
            "transformers, torch); or set HARNESS_VERBOSE=1.",
        ),
    ] = False,
) -> None:
    """Evaluate and fine-tune instruction-following LLMs with LLM judges (reproduces BELLE)."""
    _extra_plugins[:] = plugin or []
    if _extra_plugins:
        manager()  # the process-wide manager, which every command's components come from, has them


def list_components(
    kind: Annotated[
        str | None,
        typer.Argument(help="Only this kind: dataset, model, trainer, generator, judge, category, embedder."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Emit JSON: a list of {kind, name, aliases, plugin, description}.")
    ] = False,
    long: Annotated[
        bool, typer.Option("--long", "-l", help="A table with aliases, plugin and whole descriptions.")
    ] = False,
) -> None:
    """List the registered components, one line each, grouped by kind (--long: with the plugin that provides each)."""
    if kind is not None:
        kind = kind.rstrip("s") if kind.rstrip("s") in KINDS else kind
        if kind not in KINDS:
            raise typer.BadParameter(
                f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}", param_hint="KIND"
            )

    render_key = None
    if not as_json and not _extra_plugins:
        render_key = listing_cache.render_key(("long:" if long else "short:") + (kind or ""))
        text = listing_cache.load_rendered(render_key)
        if text is not None:
            sys.stdout.write(text)
            return
    rows = [row for row in _listing_rows() if kind is None or row["kind"] == kind]
    if not as_json and not long:
        import shutil

        text = short_listing(rows, shutil.get_terminal_size().columns)
        sys.stdout.write(text)
        if render_key is not None:
            listing_cache.store_rendered(render_key, text)
        return
    if as_json:
        keys = ("kind", "name", "aliases", "plugin", "description")
        typer.echo(json_text([{k: row[k] for k in keys} for row in rows], indent=2))
        return
    from rich.markup import escape  # names and descriptions come from plugins: data, not markup
    from rich.table import Table

    table = Table(title="harness components", show_lines=False)
    for col in ("kind", "name", "aliases", "plugin", "description"):
        table.add_column(col, overflow="fold")
    previous = None
    for row in rows:
        name = row["name"] + (":<arg>" if row.get("parametric") else "")
        table.add_row(
            row["kind"] if row["kind"] != previous else "",
            escape(name),
            escape(", ".join(row["aliases"])),
            escape(row["plugin"]),
            escape(row["description"]),
        )
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


def list_plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Emit JSON.")] = False,
) -> None:
    """List plugins: name, version, hooks implemented, and status (ok, broken, disabled)."""
    infos = manager().plugins()
    if as_json:
        typer.echo(json_text([i.to_dict() for i in infos], indent=2))
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="harness plugins")
    for col in ("name", "version", "source", "hooks", "status"):
        table.add_column(col, overflow="fold")
    for i in infos:
        status = {"ok": "[green]ok[/]", "disabled": "[yellow]disabled[/]"}.get(
            i.status, f"[red]broken[/]: {escape(i.error or '')}"
        )
        if i.clashes:
            status += ", [red]clash[/]"
        hooks = ", ".join(h.removeprefix("harness_").removeprefix("register_") for h in i.hooks)
        table.add_row(escape(i.name), escape(i.version or "-"), escape(i.source), escape(hooks), status)
    out = console()
    out.print(table)
    clashes = sorted({f"{i.name}: {c}" for i in infos for c in i.clashes})
    if clashes:
        out.print(
            "clashes (a command that uses one of these names fails until one plugin is renamed or "
            "disabled with HARNESS_DISABLE_PLUGINS):",
            markup=False,
        )
        for line in clashes:
            out.print(f"  {line}", markup=False, soft_wrap=True)


def build_app(modules: tuple[str, ...] | list[str] = tuple(COMMAND_MODULES)) -> typer.Typer:
    """The root app with ``list``, ``plugins`` and the commands of ``modules`` (of COMMAND_MODULES)."""
    app = typer.Typer(
        name="harness",
        help="Evaluate and fine-tune instruction-following LLMs with LLM judges (reproduces BELLE).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        cls=PanelGroup,  # the root help screen in plain text (cli/help.py)
        rich_markup_mode="rich",
    )
    app.callback()(root)
    app.command("list")(list_components)
    app.command("plugins")(list_plugins)
    for module in modules:
        import_module(f"harness.cli.{module}").register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole app, built on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = globals()["app"] = build_app()
    return app


def _modules_for(command: str | None) -> list[str]:
    """The command modules a command line needs: none for ``list`` and ``plugins``, the one that
    provides the command, or all (the root help lists every command; an unknown name is typer's
    error, which lists them too)."""
    if command in ("list", "plugins"):
        return []
    owners = [m for m, commands in COMMAND_MODULES.items() if command in commands]
    return owners or list(COMMAND_MODULES)


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


def _keep_only_requested(app: typer.Typer, argv: list[str]) -> None:
    """Let typer build only the command that runs.

    Typer turns every registered command into a click command (inspecting every signature) before
    it dispatches; with dozens of options across the commands that is most of a short command's
    time. Root help still sees every command.
    """
    name = _requested_command(argv)
    if name is None:
        if "--help" in argv or not argv:  # only the root help screen runs
            root_help_only(app)
        return
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:  # an unknown name falls through to typer's own error, listing all
        app.registered_commands, app.registered_groups = commands, groups


def _hoist_plugin_options(argv: list[str]) -> list[str]:
    """Move ``--plugin X`` / ``--plugin=X`` given after the command to the front, where the root
    option reads them: ``harness run --plugin my.py ...`` loads the plugin like
    ``harness --plugin my.py run ...`` (only the long form; arguments after ``--`` stay put)."""
    front: list[str] = []
    rest: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            rest.append(token)
            rest.extend(tokens)
            break
        if token == "--plugin":
            value = next(tokens, None)
            front += [token] if value is None else [token, value]
        elif token.startswith("--plugin="):
            front.append(token)
        else:
            rest.append(token)
    return front + rest


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning :class:`HarnessError` into a message and an exit code."""
    argv = _hoist_plugin_options(list(sys.argv[1:] if argv is None else argv))

    command = _requested_command(argv)
    argv = hoist_verbose(argv, command)
    verbose = verbose_requested(argv[: argv.index(command)] if command else argv)
    if not verbose:
        quiet_third_parties()
    app = build_app(_modules_for(command))
    _keep_only_requested(app, argv)
    try:
        _run(app, argv)
    except HarnessError as exc:
        _print_error(str(exc.args[0]) if exc.args else str(exc), exc.hint)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        console(stderr=True).print("interrupted")
        sys.exit(130)
    except Exception as exc:
        crash = None if verbose else plugin_crash(exc)
        if crash is None:  # the harness's own bug (or -v): the traceback is what a report needs
            raise
        _print_error(crash.message, crash.hint)
        sys.exit(1)


def _run(app: typer.Typer, argv: list[str]) -> None:
    if argv == ["--help"]:  # the root help is cached for the entry point (cli/cached_screens.py)
        with caching_root_help():
            app(args=argv, standalone_mode=True)
    else:
        app(args=argv, standalone_mode=True)


def _print_error(message: str, hint: str | None) -> None:
    from rich.markup import escape  # only on the error path: `harness list` never loads rich

    err = console(stderr=True)
    # soft_wrap: the message stays one line (file:line first) however narrow the terminal
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
    if hint:
        err.print(hint, markup=False, soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    main()
