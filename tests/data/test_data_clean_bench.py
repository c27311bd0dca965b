"""bench/data_clean.py runs end to end on the shared files and prints throughput and drop counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import project_root


@pytest.mark.slow  # MinHash over 3,000 samples twice: ~20 s on a busy 2-core machine
def test_data_clean_bench_smoke(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(project_root() / "bench" / "data_clean.py"), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = json.loads(out.read_text())
    assert [r["label"] for r in rows] == ["whole samples", "instructions only"]
    assert all(r["samples"] == 2999 for r in rows)
    # comparing instructions alone can only find more duplicates than comparing whole samples
    assert rows[1]["dropped"] >= rows[0]["dropped"] > 0
    assert "samples/s" in result.stdout and "exact_duplicate" in result.stdout
