"""Help screens in plain text, with the options grouped under their panels.

typer's rich help formatter imports rich's markdown and pygments (``typer.rich_utils``), which alone
took longer than all of ``harness --help`` may (issue 16: at most 3x a bare ``python -c pass``).
So the app uses click's plain formatter (``rich_markup_mode=None``), and this module keeps the one
thing the rich screens added that a reader needs: each command's options under the headings the
commands declare with ``rich_help_panel`` ("Generation", "Judging", ...), in declaration order,
after the ungrouped "Options". Plain text also shows help strings exactly as written (the rich
formatter swallowed a literal ``[default: ...]`` as markup).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import DefaultPlaceholder

ARGUMENTS = "Arguments"
OPTIONS = "Options"


class PanelCommand(TyperCommand):
    """A command whose plain help lists its options in sections, one per ``rich_help_panel``."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {ARGUMENTS: [], OPTIONS: []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            default = ARGUMENTS if param.param_type_name == "argument" else OPTIONS
            sections.setdefault(getattr(param, "rich_help_panel", None) or default, []).append(record)
        for title, records in sections.items():
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


class PanelGroup(TyperGroup):
    """A command group whose plain help gives each command's whole first sentence, wrapped
    (click's own cuts it to what fits on one line, often mid-phrase, with "...")."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def use_panel_help(app: typer.Typer) -> None:
    """Give every command of ``app`` (and of its sub-apps) that keeps typer's own class the
    plain, panelled help screen."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = PanelCommand
    for group in app.registered_groups:
        if group.cls is None or isinstance(group.cls, DefaultPlaceholder):
            group.cls = PanelGroup
        if group.typer_instance is not None:
            use_panel_help(group.typer_instance)


def _takes_nothing() -> None:
    """Never called: a stand-in for a command while only its one-line summary is shown."""


def summaries_only(app: typer.Typer) -> None:
    """Replace ``app``'s commands (and its sub-apps') by option-less stand-ins with the same names,
    help and panels, for the root help screen.

    That screen shows one line per command, yet typer would first build every command's options
    (evaluating each signature's annotations: most of ``harness --help``'s time). The screen reads
    the same either way; only call this when nothing but that screen will run.
    """
    import copy
    import inspect

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
            summaries_only(group.typer_instance)
        groups.append(group)
    app.registered_groups = groups
