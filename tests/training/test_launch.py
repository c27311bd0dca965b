"""The multi-GPU launch command, and the launcher-facing entry point's argument handling."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from harness.training.launch import launch_command, one_rank_trap, strip_local_rank, train_argv
from tests.harness_cli import run_harness


def test_train_argv_omits_unset_and_false():
    argv = train_argv(
        {"model": "llama", "data": "zh(alpaca-3.5&4)", "max_steps": None, "resume": False, "offload": True}
    )
    assert argv == ["--model", "llama", "--data", "zh(alpaca-3.5&4)", "--offload"]


def test_deepspeed_command_single_and_multi_node():
    cmd = launch_command({"model": "llama", "data": "zh(alpaca-3.5&4)+sharegpt", "out": "runs/m"}, gpus=8)
    assert shlex.split(cmd) == [
        "deepspeed",
        "--num_gpus",
        "8",
        "--module",
        "harness.cli.launch",
        "--model",
        "llama",
        "--data",
        "zh(alpaca-3.5&4)+sharegpt",
        "--out",
        "runs/m",
    ]
    multi = launch_command({"model": "llama"}, gpus=8, nodes=2)
    assert multi == (
        "deepspeed --num_gpus 8 --num_nodes 2 --hostfile hostfile --master_addr $MASTER_ADDR --master_port 29500"
        " --module harness.cli.launch --model llama"
    )


def test_accelerate_command():
    cmd = launch_command({"model": "llama"}, gpus=4, nodes=2, launcher="accelerate")
    assert cmd == (
        "accelerate launch --num_processes 8 --num_machines 2 --multi_gpu --machine_rank $MACHINE_RANK"
        " --main_process_ip $MASTER_ADDR --main_process_port 29500 -m harness.cli.launch --model llama"
    )
    # One process: accelerate's plain launcher; several: --multi_gpu (torchrun), never --cpu.
    assert launch_command({}, gpus=1, launcher="accelerate") == (
        "accelerate launch --num_processes 1 --num_machines 1 -m harness.cli.launch"
    )
    assert launch_command({}, gpus=2, launcher="accelerate", master_port=1234) == (
        "accelerate launch --num_processes 2 --num_machines 1 --multi_gpu --main_process_port 1234"
        " -m harness.cli.launch"
    )


def _print_launch(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return run_harness(
        ["train", "--model", "llama", "--data", "sharegpt", "--out", "o", "--print-launch", *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "80"},
    )


def test_cli_prints_multi_node_commands_and_checks_the_hostfile(tmp_path):
    hostfile = tmp_path / "hostfile"
    hostfile.write_text("# two nodes\nnode1 slots=8\nnode2 slots=8  # the second\n")
    proc = _print_launch("--gpus", "8", "--nodes", "2", "--hostfile", str(hostfile), "--master-addr", "node1")
    assert proc.returncode == 0 and proc.stderr == ""
    assert shlex.split(proc.stdout) == [
        "deepspeed",
        "--num_gpus",
        "8",
        "--num_nodes",
        "2",
        "--hostfile",
        str(hostfile),
        "--master_addr",
        "node1",
        "--master_port",
        "29500",
        "--module",
        "harness.cli.launch",
        "--model",
        "llama",
        "--data",
        "sharegpt",
        "--out",
        "o",
    ]
    # No passwordless ssh: the same deepspeed line on every node, with its $MACHINE_RANK.
    proc = _print_launch(
        "--gpus", "8", "--nodes", "2", "--hostfile", str(hostfile), "--master-addr", "node1", "--no-ssh"
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith(
        f"deepspeed --num_gpus 8 --num_nodes 2 --hostfile {hostfile} --master_addr node1 --no_ssh"
        " --node_rank $MACHINE_RANK --master_port 29500 --module harness.cli.launch"
    )
    # accelerate: the same line on every node; the shell fills in $MACHINE_RANK (0 on node1, 1 on node2).
    proc = _print_launch("--launcher", "accelerate", "--gpus", "8", "--nodes", "2", "--master-port", "6000")
    assert proc.returncode == 0
    assert proc.stdout.strip() == (
        "accelerate launch --num_processes 16 --num_machines 2 --multi_gpu --machine_rank $MACHINE_RANK"
        " --main_process_ip $MASTER_ADDR --main_process_port 6000 -m harness.cli.launch --model llama"
        " --data sharegpt --out o"
    )
    # A hostfile not written yet: the command, and on stderr what the file must hold.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = _print_launch("--gpus", "4", "--nodes", "2", cwd=elsewhere)
    assert proc.returncode == 0 and "--hostfile hostfile" in proc.stdout
    assert "one line per node: '<host> slots=4'" in " ".join(proc.stderr.split())


def test_cli_refuses_a_hostfile_that_does_not_fit(tmp_path):
    hostfile = tmp_path / "hosts"
    hostfile.write_text("node1 slots=8\nnode2 gpus=8\n")
    proc = _print_launch("--gpus", "8", "--nodes", "2", "--hostfile", str(hostfile))
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"{hostfile}:2: expected '<host> slots=<gpus>'" in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr
    hostfile.write_text("node1 slots=8\n")
    proc = _print_launch("--gpus", "8", "--nodes", "2", "--hostfile", str(hostfile))
    assert proc.returncode == 2 and "lists 1 host(s) but --nodes is 2" in " ".join(proc.stderr.split())
    hostfile.write_text("node1 slots=8\nnode2 slots=4\n")
    proc = _print_launch("--gpus", "8", "--nodes", "2", "--hostfile", str(hostfile))
    assert proc.returncode == 2 and "node2 (slots=4) has fewer slots than --gpus 8" in " ".join(
        proc.stderr.split()
    )


def test_a_hostile_hostfile_is_one_clear_error(tmp_path):
    """Not UTF-8, over the cap (not read whole), or a folder: exit 2 naming the file, no traceback."""
    hostfile = tmp_path / "hosts"
    cases = {
        "not-utf8": (
            lambda: hostfile.write_bytes(b"node1 slots=8\nn\xffde2 slots=8\n"),
            "cannot read the hostfile",
        ),
        "huge": (lambda: hostfile.write_bytes(b"# padding\n" * 200_000), "over 1024 KiB"),
        "folder": (lambda: hostfile.mkdir(), "not a file"),
    }
    for name, (make, expected) in cases.items():
        make()
        proc = _print_launch("--gpus", "8", "--nodes", "2", "--hostfile", str(hostfile))
        flat = " ".join(proc.stderr.split())
        assert proc.returncode == 2 and proc.stdout == "", (name, proc.stderr)
        assert f"{hostfile}: {expected}" in flat and "Traceback" not in proc.stderr, (name, proc.stderr)
        if hostfile.is_file():
            hostfile.unlink()


@pytest.mark.slow  # the real accelerate launcher starting a fresh interpreter that imports torch
def test_accelerate_cpu_one_process_trap_is_refused(tmp_path):
    """``accelerate launch --cpu --num_processes 2`` starts one process (MPI is expected to start the
    rest); the entry point refuses rather than train a world of one."""
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        [
            "accelerate",
            "launch",
            "--cpu",
            "--num_processes",
            "2",
            "--main_process_port",
            "29999",
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
    assert proc.returncode != 0
    assert "accelerate launch --cpu starts one process" in proc.stderr and "Drop --cpu" in proc.stderr
    assert not (tmp_path / "o").exists()
    assert "Add --multi_gpu" in one_rank_trap({"ACCELERATE_USE_CPU": "False", "MASTER_PORT": "1"})
    assert one_rank_trap({"ACCELERATE_USE_CPU": "False"}) is None  # --num_processes 1: no MASTER_PORT
    assert one_rank_trap({"ACCELERATE_USE_CPU": "True", "MASTER_PORT": "1", "RANK": "0"}) is None
    assert (
        one_rank_trap({"ACCELERATE_USE_CPU": "True", "MASTER_PORT": "1", "OMPI_COMM_WORLD_SIZE": "2"}) is None
    )


def test_strip_local_rank():
    assert strip_local_rank(["--local_rank=3", "--model", "x"]) == ["--model", "x"]
    assert strip_local_rank(["--model", "x", "--local-rank", "1"]) == ["--model", "x"]


def test_cli_prints_the_launch_command():
    proc = run_harness(
        [
            "train",
            "--model",
            "tiny-llama",
            "--data",
            "zh(alpaca-3.5&4)",
            "--out",
            "o",
            "--zero-stage",
            "3",
            "--print-launch",
            "--gpus",
            "8",
        ]
    )
    proc.check_returncode()
    out = proc.stdout.strip()
    assert shlex.split(out) == [
        "deepspeed",
        "--num_gpus",
        "8",
        "--module",
        "harness.cli.launch",
        "--model",
        "tiny-llama",
        "--data",
        "zh(alpaca-3.5&4)",
        "--out",
        "o",
        "--zero-stage",
        "3",
    ]
