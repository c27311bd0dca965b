"""What ``harness run`` and ``harness report`` say at the end, through the real CLI at 80 columns (issue 16).

* ``harness run`` ends with one small table -- per category n, scored, unscored with the main
  reason, score -- and then the path of ``report.html``; with ``ref-f1`` the categories that show no
  gold answer are visibly unscored, with the reason.
* Third-party noise stays out: on a fresh ``HARNESS_HOME`` building tiny-llama imports DeepSpeed,
  which logs "Setting accelerator to CPU" at WARNING on stdout; normal output has no such line,
  ``harness -v`` shows it.
* ``harness report`` with no argument reports the newest run under ``runs/`` and says which; with
  no runs it exits 2 saying what to give.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.harness_cli import run_harness

# one xdist worker (--dist loadgroup): the module-scoped fixtures are built once, not once per worker
pytestmark = pytest.mark.xdist_group("run_summary")

RUN = [
    "run",
    "--model",
    "tiny-llama",
    "--judge",
    "ref-f1",
    "--dataset",
    "demo",
    "--categories",
    "code,rewrite,generation",
    "--max-new-tokens",
    "8",
    "--greedy",
]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HARNESS_VERBOSE", "HARNESS_PLUGINS")}
    env.update(
        HARNESS_HOME=str(home),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        COLUMNS="80",
    )
    return env


def _harness(args: list[str], cwd: Path, home: Path, *, process: bool = False) -> subprocess.CompletedProcess:
    """In-process; ``process=True`` where what a new process prints at import time is the point."""
    return run_harness(args, cwd=cwd, env=_env(home), timeout=600, process=process)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One run with the default --out (runs/ under the working folder) on a fresh HARNESS_HOME."""
    cwd = tmp_path_factory.mktemp("work")
    proc = _harness([*RUN, "--name", "first"], cwd, tmp_path_factory.mktemp("home"), process=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return cwd, proc


@pytest.mark.slow  # a run in a fresh interpreter that imports torch, transformers and DeepSpeed
def test_run_ends_with_the_category_table_and_the_report_path(finished):
    cwd, proc = finished
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(
        i
        for i, line in enumerate(lines)
        if line.split()[:5] == ["category", "n", "scored", "unscored", "score"]
    )
    rows = {line.split()[0]: line for line in lines[header + 1 : header + 5]}
    assert rows["code"].split()[1:4] == ["3", "3", "0"]
    for unscored in ("rewrite", "generation"):  # no gold answer shown: ref-f1 cannot score them, and says why
        assert rows[unscored].split()[1:5] == ["3", "0", "3", "-"]
        assert rows[unscored].rstrip().endswith("ref-f1 needs a gold answer")
    assert rows["all"].split()[1:4] == ["9", "3", "6"]
    report = Path("runs") / "first" / "report.html"  # as the user gave --out: the default, relative
    assert lines[-1] == f"report: {report}" and (cwd / report).is_file()


@pytest.mark.slow  # a run in a fresh interpreter that imports torch, transformers and DeepSpeed
def test_normal_output_has_no_third_party_noise(finished):
    _, proc = finished
    output = proc.stdout + proc.stderr
    assert "Setting accelerator" not in output
    assert not [line for line in output.splitlines() if "WARNING" in line or "Warning:" in line], output


@pytest.mark.slow  # a run in a fresh interpreter that imports torch, transformers and DeepSpeed
def test_verbose_shows_it(tmp_path):
    args = [a if a != "code,rewrite,generation" else "code" for a in RUN]
    proc = _harness(
        [*args, "--name", "loud", "-v"], tmp_path, tmp_path / "home", process=True
    )  # = harness -v run ...
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Setting accelerator" in proc.stdout + proc.stderr  # built on a fresh home: DeepSpeed was imported


@pytest.mark.slow  # a run in a fresh interpreter that imports torch, transformers and DeepSpeed
def test_report_without_argument_takes_the_latest_run(finished, tmp_path):
    cwd, _ = finished
    home = tmp_path / "home"
    proc = _harness(["report"], cwd, home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "latest run under runs/: runs/first (complete" in " ".join(proc.stderr.split())
    assert proc.stdout.splitlines()[-1] == f"report: {Path('runs') / 'first' / 'report.html'}"

    newer = cwd / "runs" / "newer"  # a second run, updated later than the first
    shutil.copytree(cwd / "runs" / "first", newer, ignore=shutil.ignore_patterns("run.lock"))
    meta = json.loads((newer / "run.json").read_text(encoding="utf-8"))
    meta["updated_unix"] = meta["updated_unix"] + 60
    (newer / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    proc = _harness(["report", "--json"], cwd, home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "runs/newer" in proc.stderr
    assert [run["run"]["dir"] for run in json.loads(proc.stdout)] == [str(Path("runs") / "newer")]


def test_report_without_argument_and_no_runs(tmp_path):
    proc = _harness(["report"], tmp_path, tmp_path / "home")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = " ".join(proc.stderr.split())
    assert "no run directory given, and no runs under" in text and "harness report RUN_DIR" in text
    assert "Traceback" not in text
