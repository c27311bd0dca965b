"""The Table 2 grid in miniature, end to end on CPU: train (DeepSpeed) then evaluate every row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_table2_mini_grid(tmp_path, shared_data, harness_home):
    configs = sorted((ROOT / "configs" / "table2-mini").glob("*.yaml"))
    assert len(configs) == 8
    out = tmp_path / "experiments"
    env = {**os.environ, "HARNESS_HOME": str(harness_home)}
    cmd = [
        sys.executable,
        "-m",
        "harness",
        "experiment",
        str(ROOT / "configs" / "table2-mini"),
        "--out",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    rows = json.loads((out / "summary.json").read_text())
    assert len(rows) == 8
    for row in rows:
        assert row["trained"] == "trained" and row["eval"] == "complete"
        assert row["paper_macro_wo_others"] is not None
        assert row["macro_wo_others"] is not None and 0.0 <= row["macro_wo_others"] <= 1.0
    for config in configs:
        exp = out / f"mini_{config.stem.split('_', 1)[1]}"
        log = [json.loads(line) for line in (exp / "model" / "train_log.jsonl").read_text().splitlines()]
        assert len(log) >= 4 and all(entry["loss"] > 0 for entry in log)
        assert (exp / "eval" / "scores.json").is_file()
    assert "Table 2" in proc.stdout and "0.762" in proc.stdout  # the paper's figures printed beside ours

    # a second invocation skips what is done: no training, generation or judging again
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert again.stdout.count("training already done") == 8
    assert "generating" not in again.stdout.lower() or "already on disk" in again.stdout
