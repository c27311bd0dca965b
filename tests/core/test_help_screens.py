"""Help screens (issue 16: `harness --help` within 3x of `python -c pass`, readable at 80 columns).

The root help screen is plain text built from option-less stand-ins of the commands
(:mod:`harness.cli.help`); each command's own help keeps typer's rich panels. Driven through real
subprocesses, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.harness_cli import run_harness

LIGHT_FORBIDDEN = ("typer.rich_utils", "rich.markdown", "pygments", "markdown_it")


def harness(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80"}
    return run_harness(args, env=env, timeout=120)


def test_root_help_imports_no_rich_help_machinery():
    code = (
        "import sys\n"
        "from harness.cli.app import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        f"print('LOADED=' + ','.join(m for m in {LIGHT_FORBIDDEN!r} if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "LOADED=\n" in proc.stderr, proc.stderr
    assert "Commands:" in proc.stdout


def _listed_commands(text: str) -> list[str]:
    lines = text.split("Commands:\n", 1)[1].splitlines()
    return [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]


def test_root_help_lists_every_command_with_its_summary():
    from harness.cli.app import app

    expected = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    result = harness("--help")
    assert result.returncode == 0, result.stderr
    assert _listed_commands(result.stdout) == expected
    assert "Generate answers for an eval set" in result.stdout  # run's docstring, not a stand-in's
    assert "Fetch, list and inspect datasets." in result.stdout  # a group's help
    assert "..." not in result.stdout.split("Commands:", 1)[1]  # whole first sentences, wrapped, not cut
    assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout
    bare = harness()  # no arguments: the same screen
    assert _listed_commands(bare.stdout + bare.stderr) == expected


def test_command_help_keeps_its_panels():
    result = harness("run", "--help")  # the plain root screen is the root's alone
    assert result.returncode == 0, result.stderr
    for panel in ("Generation", "Judging", "Run directory"):
        assert f"─ {panel} ─" in result.stdout, result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["judge", "--help"], "RUN_DIR"),
        (["data", "--help"], "show"),
        (["data", "show", "--help"], "--mirror"),
    ],
)
def test_other_help_screens_still_work(argv, needle):
    result = harness(*argv)
    assert result.returncode == 0, result.stderr
    assert needle in result.stdout or needle.lower() in result.stdout
