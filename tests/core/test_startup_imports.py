"""`harness --help` and `harness list` stay light on a cold and on a warm listing cache: no pydantic,
huggingface_hub, model module, torch, transformers, deepspeed, litellm or aiohttp is imported.

A fresh process is the only honest check of what a command imports, so each command runs in one and
reports its ``sys.modules`` at exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = (
    "pydantic",
    "pydantic_core",
    "huggingface_hub",
    "torch",
    "transformers",
    "deepspeed",
    "litellm",
    "aiohttp",
)
COMMANDS = (["--help"], ["list"], ["list", "--json"], ["list", "--long"], ["list", "model"])
# runs the CLI as the `harness` script does, and writes the modules it imported when it exits
PROBE = (
    "import atexit, json, os, sys\n"
    "atexit.register(lambda: open(os.environ['MODULES_OUT'], 'w').write(json.dumps(sorted(sys.modules))))\n"
    "from harness.cli.entry import main\n"
    "main(sys.argv[1:])\n"
)


def probe(args: list[str], home, out, cwd=None, env: dict | None = None) -> tuple[list[str], str]:
    """The modules ``harness *args`` imported and what it printed, run in a fresh process (in
    ``cwd``) with ``home``."""
    env = {**os.environ, "HARNESS_HOME": str(home), "MODULES_OUT": str(out), "COLUMNS": "80", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(out.read_text()), proc.stdout


def imported_modules(args: list[str], home, out, cwd=None, env: dict | None = None) -> list[str]:
    return probe(args, home, out, cwd=cwd, env=env)[0]


def _heavy_imports(args: list[str], home, out) -> list[str]:
    return [
        m
        for m in imported_modules(args, home, out)
        if m.split(".")[0] in HEAVY or m == "harness.models" or m.startswith("harness.models.")
    ]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_cold_and_warm_listing_cache_import_nothing_heavy(args, tmp_path):
    home = tmp_path / "home"
    assert _heavy_imports(args, home, tmp_path / "cold.json") == []  # cold: nothing cached yet
    assert _heavy_imports(args, home, tmp_path / "warm.json") == []  # warm: what the first run cached
