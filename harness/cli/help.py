"""The root help screen (``harness --help``, or ``harness`` alone), built light.

typer's rich help formatter imports rich's markdown and pygments (``typer.rich_utils``) and typer
builds every command's options before it prints anything; together those took longer than all of
``harness --help`` may (issue 16: at most 3x a bare ``python -c pass``, ``bench/cli_startup.py``).
The root screen only lists the commands with their one-line summaries, so for it alone the app
uses click's plain formatter and option-less stand-ins for the commands: the screen says the same,
and each command's own ``--help`` keeps typer's rich panels.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from harness.terminal import inert


class PanelGroup(TyperGroup):
    """The root group: in plain help each command's whole first sentence, wrapped (click's own
    cuts it to what fits on one line, often mid-phrase, with "..."); usage errors made inert."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _inert_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _inert_usage_errors():
            return super().invoke(ctx)


@contextmanager
def _inert_usage_errors() -> Iterator[None]:
    """typer prints a usage error (``No such option: --x<ESC>[2J``, a file that does not exist) as
    it was raised, in a panel of its own: its message is made inert first (:mod:`harness.terminal`).
    Subcommands are parsed and run inside the root group's ``invoke``, so this covers them too."""
    try:
        yield
    except Exception as exc:
        if isinstance(getattr(exc, "message", None), str) and hasattr(exc, "format_message"):
            exc.message = inert(exc.message)  # type: ignore[attr-defined]
        raise


def _takes_nothing() -> None:
    """Never called: a stand-in for a command while only its one-line summary is shown."""


def _stand_ins(app: typer.Typer) -> None:
    stubs = []
    for info in app.registered_commands:
        stub = copy.copy(info)
        stub.help = info.help if info.help is not None else inspect.getdoc(info.callback)
        stub.callback = _takes_nothing
        stubs.append(stub)
    app.registered_commands = stubs
    groups = []
    for group in app.registered_groups:
        group = copy.copy(group)
        if group.typer_instance is not None:
            group.typer_instance = copy.copy(group.typer_instance)
            _stand_ins(group.typer_instance)
        groups.append(group)
    app.registered_groups = groups


def root_help_only(app: typer.Typer) -> None:
    """Make ``app`` print the root help screen cheaply: plain text, and option-less stand-ins with
    the same names, summaries and order for its commands (and its sub-apps'). Only for a process
    that will show nothing but that screen."""
    app.rich_markup_mode = None
    _stand_ins(app)
