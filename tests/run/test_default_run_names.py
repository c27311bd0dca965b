"""Two runs of one command started together without ``--name`` each get a run directory of their own.

The second used to pick the first's unfinished run to resume (same fingerprint, ``run.json`` says
``running``) and exit 2 on its lock. A run that another live process holds is not resumable: the
second run starts a new directory, with a distinct, still readable and sortable name.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.run.test_cli_integrity import _env, _harness, write_plugin

RUN = ["run", "--model", "echo-model", "--dataset", "plugin-eval", "--judge", "gate", "--no-progress"]


@pytest.mark.slow
def test_a_run_started_while_the_same_one_works_gets_its_own_directory(tmp_path, harness_home):
    plugin = write_plugin(tmp_path)
    out, marker, gate = tmp_path / "runs", tmp_path / "marker", tmp_path / "open"
    env = _env(harness_home, plugin)
    first = subprocess.Popen(
        [sys.executable, "-m", "harness", *RUN, "--out", str(out)],
        cwd=tmp_path,
        env={**env, "GATE_MARKER": str(marker), "GATE_OPEN": str(gate)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the first run never reached its judge"
        second = _harness([*RUN, "--out", str(out)], env, tmp_path)
        assert second.returncode == 0, second.stdout + second.stderr
    finally:
        gate.write_text("go", encoding="utf-8")
        output, _ = first.communicate(timeout=60)
    assert first.returncode == 0, output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2, names
    assert all(json.loads((out / n / "run.json").read_text())["status"] == "complete" for n in names)
    assert all(n.startswith("echo-model_plugin-eval_gate_") for n in names)
