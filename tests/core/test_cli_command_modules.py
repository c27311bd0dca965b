"""`harness list` builds an app without the other commands' modules, and the table that says which
module provides which command is what the modules register (so `harness run ...` finds its module)."""

from __future__ import annotations

from importlib import import_module

import pytest
import typer

from harness.cli.app import COMMAND_MODULES, app

from .test_startup_imports import imported_modules


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_the_table_names_what_each_module_registers(module: str) -> None:
    target = typer.Typer()
    import_module(f"harness.cli.{module}").register(target)
    names = [c.name for c in target.registered_commands] + [g.name for g in target.registered_groups]
    assert tuple(names) == COMMAND_MODULES[module]


def test_the_whole_app_has_every_command() -> None:
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    expected = ["list", "plugins", *(n for commands in COMMAND_MODULES.values() for n in commands)]
    assert sorted(names) == sorted(expected)


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["plugins"]], ids=" ".join)
def test_listing_imports_no_other_commands_module(args, tmp_path) -> None:
    modules = imported_modules(args, tmp_path / "home", tmp_path / "modules.json")
    others = [m for m in modules if m.removeprefix("harness.cli.") in COMMAND_MODULES]
    assert others == []
