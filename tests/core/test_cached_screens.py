"""A cached `harness list` or `harness --help` is printed before typer is imported, and reads exactly
as the app printed it; what the cache cannot answer still goes to the app."""

from __future__ import annotations

import pytest

from .test_bad_inputs import harness
from .test_startup_imports import probe

FORMS = [
    ["--help"],
    ["list"],
    ["list", "--long"],
    ["list", "judges"],
    ["list", "-l", "model"],
    ["list", "--json"],
    ["list", "category", "--json", "--long"],
]


@pytest.mark.parametrize("args", FORMS, ids=" ".join)
def test_a_cached_screen_reads_as_the_app_printed_it(args, tmp_path) -> None:
    if args == ["--help"]:  # the root help is cached beside a listing
        probe(["list", "model"], tmp_path / "home", tmp_path / "listing.json")
    modules, first = probe(args, tmp_path / "home", tmp_path / "first.json")
    assert "harness.cli.app" in modules  # the app built the listing (and cached it)
    modules, again = probe(args, tmp_path / "home", tmp_path / "again.json")
    assert "typer" not in modules and "harness.cli.app" not in modules
    assert again == first


@pytest.mark.parametrize(
    "args", [["list", "bogus"], ["list", "--help"], ["list", "model", "judge"]], ids=" ".join
)
def test_what_the_cache_cannot_answer_goes_to_the_app(args, tmp_path) -> None:
    env = {"HARNESS_HOME": str(tmp_path / "home")}
    assert harness("list", env=env).returncode == 0
    assert harness("list", "--long", env=env).returncode == 0
    proc = harness(*args, env=env)
    assert proc.returncode == 0 if args[1] == "--help" else proc.returncode == 2
    assert ("Usage:" in proc.stdout + proc.stderr) or "error" in proc.stderr
