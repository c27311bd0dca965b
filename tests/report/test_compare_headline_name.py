"""``harness compare`` names the headline delta as each run names its headline: BELLE's macro is
the mean of its *column* means (others pools math and code), not of its category means."""

from __future__ import annotations

import json
import os
import subprocess

from tests.harness_cli import run_harness


def cli(*args: str) -> subprocess.CompletedProcess:
    return run_harness(args, env={**os.environ, "COLUMNS": "200"}, timeout=120)


def test_the_headline_delta_says_what_the_runs_headline_averages(tmp_path, make_run):
    a = make_run(tmp_path / "a", name="run-a", seed=1)
    b = make_run(tmp_path / "b", name="run-b", seed=1, shift=0.2)
    proc = cli("compare", str(a), str(b), "--resamples", "200", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    run_name = result["runs"][0]["scores"]["headline"]["name"]
    assert run_name == "macro ave (mean of column means)"
    assert result["comparisons"][0]["headline"]["name"] == run_name
    table = cli("compare", str(a), str(b), "--resamples", "200")
    assert table.returncode == 0 and "headline: macro ave (mean of column means)" in table.stdout
    assert "category means" not in table.stdout
