"""``-v``/``--verbose`` is a root option; written after the command it means the same (issue 16)."""

from __future__ import annotations

from harness.cli.verbosity import hoist_verbose, verbose_requested


def test_a_trailing_verbose_flag_moves_before_the_command():
    assert hoist_verbose(["run", "--model", "x", "-v"], "run") == ["-v", "run", "--model", "x"]
    assert hoist_verbose(["-p", "plug", "data", "fetch", "--verbose"], "data") == [
        "-p",
        "plug",
        "--verbose",
        "data",
        "fetch",
    ]


def test_nothing_else_moves():
    assert hoist_verbose(["run", "--model", "x"], "run") == ["run", "--model", "x"]
    assert hoist_verbose(["run", "--", "-v"], "run") == ["run", "--", "-v"]  # after --: an argument
    assert hoist_verbose(["--help"], None) == ["--help"]


def test_verbose_from_the_root_options_or_the_environment(monkeypatch):
    monkeypatch.delenv("HARNESS_VERBOSE", raising=False)
    assert verbose_requested(["-v"]) and verbose_requested(["-p", "x", "--verbose"])
    assert not verbose_requested(["-p", "x"])
    monkeypatch.setenv("HARNESS_VERBOSE", "1")
    assert verbose_requested([])
