"""Every command's ``--help`` at 80 columns shows the default of every option that has one (issue 16).

An option has a default when its parameter has one (``--resamples 2000``) or when it declares the
default it stands for (``show_default="512"`` on an option whose ``None`` means "the run
configuration's default"). For ``harness run`` the shown defaults are also checked against
:class:`~harness.runs.config.RunConfig`, where the real ones live, so the two cannot drift apart.
A ``[default: x]`` written inside a help text is refused: rich reads it as markup and prints
nothing, which is how the defaults of ``run``, ``train`` and ``extend-vocab`` had gone missing.
"""

from __future__ import annotations

import os
import re

import pytest
import typer

from harness.cli.app import app
from tests.harness_cli import run_harness

WIDTH = 80


def _commands():
    root = typer.main.get_command(app)

    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return [(path, command) for path, command in walk(root, []) if path]


COMMANDS = _commands()


def _options(command):
    return [p for p in command.params if p.param_type_name == "option" and not p.hidden and p.name != "help"]


def _has_default(option) -> bool:
    if isinstance(option.show_default, str):
        return True
    default = option.default
    if option.show_default is False or default is None or default in ((), []):
        return False
    return not (option.is_flag and default is False)


def _help(path: list[str]) -> str:
    env = {**os.environ, "COLUMNS": str(WIDTH), "TERM": "dumb"}
    proc = run_harness([*path, "--help"], env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _blocks(text: str) -> dict[str, str]:
    """Option name -> its help block (the option's row and the rows under it), whitespace removed
    (rich wraps anywhere)."""
    blocks: dict[str, str] = {}
    names: list[str] = []
    for line in text.splitlines():
        inner = line.strip()
        if not inner.startswith("│"):
            names = []
            continue
        inner = inner.strip("│")
        if re.match(
            r"^ {1,4}(\* +)?-", inner
        ):  # an option row: " --name  -n  <type>  help...", "*" if required
            names = [token.rstrip(",") for token in inner.split() if token.startswith("-")]
            for name in names:
                blocks[name] = ""
        for name in names:
            blocks[name] += "".join(inner.split())
    return blocks


def _truncated(blocks: dict[str, str], name: str) -> str | None:
    """The block of ``name`` where rich cut the name short ("--character-cover…"): a known layout
    limit of extend-vocab's many long flags at 80 columns, not what this test is about."""
    for shown, block in blocks.items():
        if shown.endswith("…") and name.startswith(shown[:-1]):
            return block
    return None


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"run", "judge", "report", "compare", "train", "runs", "list", "plugins", "data"} <= names
    assert any(name.startswith("data ") for name in names)


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_shows_defaults_at_80_columns(path, command):
    for option in _options(command):
        assert "[default:" not in (option.help or ""), (
            f"{' '.join(path)} {option.opts[0]}: write the default as show_default=..., not in the help text "
            "(rich swallows [default: x] as markup)"
        )
    text = _help(path)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    blocks = _blocks(text)
    for option in _options(command):
        if not _has_default(option):
            continue
        block = blocks.get(option.opts[0]) or _truncated(blocks, option.opts[0])
        assert block is not None, f"{option.opts[0]} not found in `harness {' '.join(path)} --help`:\n{text}"
        assert "[default:" in block, (
            f"harness {' '.join(path)} --help: {option.opts[0]} shows no default:\n{text}"
        )


def test_run_help_shows_the_run_configuration_defaults():
    from harness.runs.config import RunConfig

    command = dict((" ".join(p), c) for p, c in COMMANDS)["run"]
    blocks = _blocks(_help(["run"]))
    checked = 0
    for option in _options(command):
        field = RunConfig.model_fields.get(option.name)
        if (
            field is None
            or not field.is_required()
            and field.default is None
            or field.is_required()
            or isinstance(field.default, bool)
        ):
            continue
        block = blocks[option.opts[0]]
        # the default shown is RunConfig's, first or after the dataset's own ("the dataset's, else 512")
        shown = re.search(r"\[default:\((.*?)\)\]", block)
        value = str(field.default)
        assert shown and (shown.group(1).startswith(value) or shown.group(1).endswith("else" + value)), (
            option.opts[0],
            field.default,
            block,
        )
        checked += 1
    assert checked >= 8  # dataset, seed, max-new-tokens, temperature, batch-size, dtype, judge, out, ...
