"""``accelerate launch --num_processes 2`` without ``--multi_gpu`` on a machine without GPUs starts
one process (accelerate's simple launcher, ``MASTER_ADDR`` set, no ``WORLD_SIZE``): the run is
refused with exit 2 and the command that starts two ranks, as for ``--cpu``, instead of silently
running at world size 1. ``CUDA_VISIBLE_DEVICES=""`` makes any machine one without GPUs."""

from __future__ import annotations

import subprocess

import pytest

from tests.run.test_data_parallel_run import ACCELERATE, RUN, _env

pytestmark = pytest.mark.slow  # one real `accelerate launch` (torch start-up)


def test_num_processes_without_multi_gpu_is_refused_with_the_working_command(tmp_path):
    cmd = [*ACCELERATE, "--num_processes", "2", *RUN, "--out", str(tmp_path / "runs")]
    result = subprocess.run(
        cmd, env={**_env(), "CUDA_VISIBLE_DEVICES": ""}, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert "returned non-zero exit status 2" in result.stderr, output[-3000:]
    assert "accelerate launch started one process" in output and "--multi_gpu" in output
    assert "accelerate launch --multi_gpu --num_processes N -m harness run" in output
    assert "Traceback" not in result.stdout
    assert not (tmp_path / "runs").exists()
