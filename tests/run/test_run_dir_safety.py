"""Issue 13.1/13.2 through the real CLI: run names are one path component, --force removes only
the harness's own files, one writer per run directory, a killed holder never blocks a resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness_cli import run_harness

DEMO = [
    "run",
    "--model",
    "tiny-llama",
    "--judge",
    "ref-f1",
    "--dataset",
    "demo",
    "--limit",
    "3",
    "--max-new-tokens",
    "4",
    "--no-progress",
]


def _env(harness_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HARNESS_HOME=str(harness_home),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        COLUMNS="80",
    )
    return env


def _harness(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return run_harness(args, env=env, cwd=cwd, timeout=600)


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "/tmp/abs", "a/b", "a\\b", "a\x01b", "x" * 256])
def test_bad_run_names_exit_2_and_write_nothing(tmp_path, harness_home, name):
    out = tmp_path / "runs"
    proc = _harness([*DEMO, "--out", str(out), "--name", name], _env(harness_home), tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists() or not any(out.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"] or not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_force_removes_only_harness_files(tmp_path, harness_home):
    env, out = _env(harness_home), tmp_path / "runs"
    first = _harness([*DEMO, "--out", str(out), "--name", "r"], env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    run_dir = out / "r"
    (run_dir / "notes.txt").write_text("mine", encoding="utf-8")
    (run_dir / "sub").mkdir()
    (run_dir / "sub" / "keep.txt").write_text("mine too", encoding="utf-8")
    changed = _harness(
        [*DEMO[:-3], "--max-new-tokens", "5", "--no-progress", "--out", str(out), "--name", "r", "--force"],
        env,
        tmp_path,
    )
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert (run_dir / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (run_dir / "sub" / "keep.txt").read_text(encoding="utf-8") == "mine too"
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "complete"


def test_directory_without_run_json_is_never_cleared(tmp_path, harness_home):
    out = tmp_path / "runs"
    (out / "mine").mkdir(parents=True)
    (out / "mine" / "thesis.tex").write_text("precious", encoding="utf-8")
    proc = _harness([*DEMO, "--out", str(out), "--name", "mine", "--force"], _env(harness_home), tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in (out / "mine").iterdir()) == ["thesis.tex"]


def test_out_that_is_a_file_exits_2(tmp_path, harness_home):
    target = tmp_path / "afile"
    target.write_text("x", encoding="utf-8")
    proc = _harness([*DEMO, "--out", str(target), "--name", "r"], _env(harness_home), tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_text(encoding="utf-8") == "x"


_HOLD = """
import sys, time
from pathlib import Path
from harness.runs.lock import run_dir_lock
with run_dir_lock(Path(sys.argv[1]), command="test holder"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_second_writer_exits_2_and_killed_holder_never_blocks(tmp_path, harness_home):
    env, out = _env(harness_home), tmp_path / "runs"
    first = _harness([*DEMO, "--out", str(out), "--name", "r"], env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(out / "r")], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = _harness([*DEMO, "--out", str(out), "--name", "r"], env, tmp_path)
        assert busy.returncode == 2, busy.stdout + busy.stderr
        assert f"pid {holder.pid}" in busy.stdout + busy.stderr
        judge = _harness(["judge", str(out / "r"), "--judge", "ref-f1"], env, tmp_path)
        assert judge.returncode == 2, judge.stdout + judge.stderr
        assert "Traceback" not in busy.stderr + judge.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    time.sleep(0.1)
    again = _harness([*DEMO, "--out", str(out), "--name", "r"], env, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
