"""The in-process CLI runner (tests/harness_cli.py) reports what ``python -m harness`` reports, and
leaves the test process as it found it: the suite's CLI tests are only as good as this."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from harness.cli.app import app
from tests.harness_cli import run_harness

SAME_AS_A_PROCESS = [
    ["--version"],
    ["list", "--json"],
    ["nosuch"],
    ["list", "nokind"],
    ["plugins", "--json"],
    ["run", "--model"],
]


@pytest.mark.parametrize("argv", SAME_AS_A_PROCESS, ids=" ".join)
def test_exit_code_and_output_are_the_processs(argv: list[str]) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    inside, process = run_harness(argv, env=env), run_harness(argv, env=env, process=True)
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        process.returncode,
        process.stdout,
        process.stderr,
    )


def test_an_uncaught_exception_is_exit_1_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    import harness.cli.app

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the harness")

    monkeypatch.setattr(harness.cli.app, "short_listing", broken)  # imported at its top
    proc = run_harness(["list"], env={**os.environ, "HARNESS_HOME": str(tmp_path)})  # no cached listing
    assert proc.returncode == 1
    assert (
        "Traceback (most recent call last)" in proc.stderr
        and "RuntimeError: a bug in the harness" in proc.stderr
    )


def test_the_process_state_is_put_back(tmp_path) -> None:
    before = (
        dict(os.environ),
        os.getcwd(),
        list(sys.argv),
        sys.stdout,
        sys.stderr,
        len(app.registered_commands),
        logging.root.manager.disable,
    )
    plugin = tmp_path / "my_inprocess_plugin.py"
    plugin.write_text("from harness import hookimpl\n", encoding="utf-8")
    proc = run_harness(
        ["--plugin", str(plugin), "plugins", "--json"],
        env={**os.environ, "SOME_TEST_VARIABLE": "1"},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    after = (
        dict(os.environ),
        os.getcwd(),
        list(sys.argv),
        sys.stdout,
        sys.stderr,
        len(app.registered_commands),
        logging.root.manager.disable,
    )
    assert after == before
    assert not [m for m in sys.modules if "my_inprocess_plugin" in m]  # a new process would import it anew
