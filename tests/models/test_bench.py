"""bench/generation_throughput.py runs end to end and both paths produce the same tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import project_root


@pytest.mark.slow  # a fresh interpreter importing transformers: ~20 s on a busy 2-core machine
def test_generation_benchmark_smoke(tmp_path: Path, harness_home: Path, tiny_llama_dir: Path) -> None:
    out = tmp_path / "figures.json"
    cmd = [
        sys.executable,
        str(project_root() / "bench" / "generation_throughput.py"),
        "--n",
        "6",
        "--max-new-tokens",
        "4",
        "--batch-size",
        "3",
        "--no-vllm",
        "--json",
        str(out),
    ]
    env = {**os.environ, "HARNESS_HOME": str(harness_home)}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    assert [row["tokens"] for row in figures["rows"]] == [24, 24]
    assert figures["identical"] == 6
    assert "tokens/s" in result.stdout
