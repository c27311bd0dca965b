"""The multi-GPU launch command, and the launcher-facing entry point's argument handling."""

from __future__ import annotations

import shlex
import subprocess
import sys

from harness.training.launch import launch_command, strip_local_rank, train_argv


def test_train_argv_omits_unset_and_false():
    argv = train_argv({"model": "llama", "data": "zh(alpaca-3.5&4)", "max_steps": None, "resume": False, "offload": True})
    assert argv == ["--model", "llama", "--data", "zh(alpaca-3.5&4)", "--offload"]


def test_deepspeed_command_single_and_multi_node():
    cmd = launch_command({"model": "llama", "data": "zh(alpaca-3.5&4)+sharegpt", "out": "runs/m"}, gpus=8)
    assert shlex.split(cmd) == [
        "deepspeed", "--num_gpus", "8", "--module", "harness.cli.launch",
        "--model", "llama", "--data", "zh(alpaca-3.5&4)+sharegpt", "--out", "runs/m",
    ]
    multi = launch_command({"model": "llama"}, gpus=8, nodes=2)
    assert "--num_nodes 2 --hostfile hostfile --master_addr $MASTER_ADDR" in multi


def test_accelerate_command():
    cmd = launch_command({"model": "llama"}, gpus=4, nodes=2, launcher="accelerate")
    assert cmd.startswith("accelerate launch --num_processes 8 --num_machines 2 --multi_gpu")
    assert "--machine_rank $MACHINE_RANK" in cmd and cmd.endswith("-m harness.cli.launch --model llama")


def test_strip_local_rank():
    assert strip_local_rank(["--local_rank=3", "--model", "x"]) == ["--model", "x"]
    assert strip_local_rank(["--model", "x", "--local-rank", "1"]) == ["--model", "x"]


def test_cli_prints_the_launch_command():
    out = subprocess.run(
        [sys.executable, "-m", "harness", "train", "--model", "tiny-llama", "--data", "zh(alpaca-3.5&4)",
         "--out", "o", "--zero-stage", "3", "--print-launch", "--gpus", "8"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert shlex.split(out) == [
        "deepspeed", "--num_gpus", "8", "--module", "harness.cli.launch", "--model", "tiny-llama",
        "--data", "zh(alpaca-3.5&4)", "--out", "o", "--zero-stage", "3",
    ]
