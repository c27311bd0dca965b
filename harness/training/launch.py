"""Multi-GPU and multi-node training: the launch command that the launcher runs.

``harness train --print-launch --gpus 8 [--nodes 2]`` prints a command such as::

    deepspeed --num_gpus 8 --module harness.cli.launch --model llama-7b --data ... --out ...

The launcher starts one process per GPU with ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``/``MASTER_*`` in
the environment (``deepspeed`` also appends ``--local_rank=N``). Every process runs
``python -m harness.cli.launch <the same options as harness train>``, which drops that argument
(:func:`strip_local_rank`) and runs ``harness train``; the trainer reads the launcher's environment
(:mod:`harness.training.distributed`) instead of setting up a world of one. That entry point lives
in the CLI layer because it *is* the CLI; nothing here imports :mod:`harness.cli`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

LAUNCHERS = ("deepspeed", "accelerate")
MODULE = "harness.cli.launch"  # the entry point each launched process runs
DEFAULT_MASTER_PORT = 29500


def train_argv(options: Mapping[str, Any]) -> list[str]:
    """``harness train`` options (python names) as command-line arguments; ``None``/``False`` omitted."""
    argv: list[str] = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            argv.append(flag)
        else:
            argv += [flag, str(value)]
    return argv


def launch_command(
    options: Mapping[str, Any], *, gpus: int, nodes: int = 1, launcher: str = "deepspeed", hostfile: str = "hostfile"
) -> str:
    """The shell command that trains with ``options`` on ``gpus`` GPUs per node on ``nodes`` nodes."""
    from harness.errors import UsageError

    if gpus < 1 or nodes < 1:
        raise UsageError("--gpus and --nodes must be at least 1")
    if launcher not in LAUNCHERS:
        raise UsageError(f"--launcher must be one of {', '.join(LAUNCHERS)}")
    args = train_argv(options)
    if launcher == "deepspeed":
        cmd = ["deepspeed", "--num_gpus", str(gpus)]
        if nodes > 1:
            # The hostfile lists "<host> slots=<gpus>" per node; run this once, on the first node.
            cmd += ["--num_nodes", str(nodes), "--hostfile", hostfile,
                    "--master_addr", "$MASTER_ADDR", "--master_port", str(DEFAULT_MASTER_PORT)]
        cmd += ["--module", MODULE, *args]
    else:
        cmd = ["accelerate", "launch", "--num_processes", str(gpus * nodes), "--num_machines", str(nodes)]
        if gpus * nodes > 1:
            cmd.append("--multi_gpu")
        if nodes > 1:
            # Run on every node with its own MACHINE_RANK (0 .. nodes-1).
            cmd += ["--machine_rank", "$MACHINE_RANK", "--main_process_ip", "$MASTER_ADDR",
                    "--main_process_port", str(DEFAULT_MASTER_PORT)]
        cmd += ["-m", MODULE, *args]
    # Quote everything except the $VARIABLES the user's shell must expand.
    return " ".join(part if re.fullmatch(r"\$[A-Z_]+", part) else shlex.quote(part) for part in cmd)


def strip_local_rank(argv: list[str]) -> list[str]:
    """Drop ``--local_rank=N`` / ``--local-rank N`` (added by the deepspeed launcher; env has it too)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if re.fullmatch(r"--local[_-]rank=\d+", arg):
            continue
        if arg in ("--local_rank", "--local-rank"):
            skip = True
            continue
        out.append(arg)
    return out
