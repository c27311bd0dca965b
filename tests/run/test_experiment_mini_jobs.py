"""A miniature Table 2 row (training, then evaluation) as a submitit job scores as it does in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROW = "mini_llama-ext_zh-alpaca-3.5-4_sharegpt"


def macros(out: Path) -> tuple:
    (row,) = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return row["trained"], row["eval"], row["macro"], row["macro_wo_others"], row["paper_macro"]


@pytest.mark.slow
def test_mini_row_as_a_local_job_scores_as_in_process(cli, tmp_path, shared_data, harness_home):
    grid = str(ROOT / "configs" / "table2-mini")
    env = {"HARNESS_HOME": str(harness_home), "COLUMNS": "80"}
    here = cli("experiment", grid, "--only", ROW, "--out", str(tmp_path / "here"), "--no-progress", env=env)
    assert here.returncode == 0, here.stdout[-3000:] + here.stderr[-3000:]
    job = cli(
        "experiment",
        grid,
        "--only",
        ROW,
        "--out",
        str(tmp_path / "job"),
        "--no-progress",
        "--executor",
        "local",
        env=env,
    )
    assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]
    assert "submitted job" in job.stdout
    assert macros(tmp_path / "job") == macros(tmp_path / "here")
    assert macros(tmp_path / "job")[:2] == ("trained", "complete")
