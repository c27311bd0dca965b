"""``accelerate launch --num_processes 2 -m harness.cli.launch`` without ``--multi_gpu`` on a machine
without GPUs starts one process (no ``RANK``): the entry point refuses, as for ``--cpu``, rather than
train a world of one, and says to add ``--multi_gpu``. ``CUDA_VISIBLE_DEVICES=""`` hides any GPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # one real `accelerate launch` (torch start-up)


def test_num_processes_without_multi_gpu_is_refused(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR")
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", CUDA_VISIBLE_DEVICES=""
    )
    proc = subprocess.run(
        [
            "accelerate",
            "launch",
            "--num_processes",
            "2",
            "--main_process_port",
            "29998",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "-m",
            "harness.cli.launch",
            "--model",
            "tiny-llama",
            "--data",
            "x",
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "started one process" in proc.stderr and "--multi_gpu --num_processes N" in proc.stderr, (
        proc.stderr
    )
    assert not (tmp_path / "o").exists()
