"""Multi-GPU and multi-node training: the launch command that the launcher runs.

``harness train --print-launch --gpus 8 [--nodes 2 --hostfile hostfile]`` prints a command such as::

    deepspeed --num_gpus 8 --module harness.cli.launch --model llama-7b --data ... --out ...

The launcher starts one process per GPU with ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``/``MASTER_*`` in
the environment (``deepspeed`` also appends ``--local_rank=N``). Every process runs
``python -m harness.cli.launch <the same options as harness train>``, which drops that
argument and runs ``harness train``; the trainer reads the launcher's environment
(:mod:`harness.training.distributed`) instead of setting up a world of one.

``--gpus`` is processes per node: on a machine without GPUs the same commands start that many CPU
ranks (gloo). ``accelerate`` is used as a process starter only (its ``--multi_gpu`` mode is
torchrun underneath, which also starts CPU ranks); the trainer drives DeepSpeed itself from
``configs/deepspeed/``, so no ``--use_deepspeed`` or accelerate config file is involved.
``accelerate launch --cpu --num_processes N`` is *not* equivalent: it starts one process and
expects ``mpirun`` to start the rest, so without MPI it trains a world of one;
:func:`main` refuses that case instead of training on one rank unnoticed.

Multi-node: ``deepspeed`` is run once, on the first node, and starts every node's processes over
ssh (pdsh) from a hostfile of ``<host> slots=<gpus>`` lines, or, with ``--no-ssh`` (no
passwordless ssh between nodes), on every node with that node's ``--node_rank``; ``accelerate
launch`` is run on every node with that node's ``--machine_rank``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import UsageError

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
    options: Mapping[str, Any],
    *,
    gpus: int,
    nodes: int = 1,
    launcher: str = "deepspeed",
    hostfile: str = "hostfile",
    master_addr: str = "$MASTER_ADDR",
    master_port: int | None = None,
    machine_rank: str = "$MACHINE_RANK",
    no_ssh: bool = False,
) -> str:
    """The shell command that trains with ``options`` on ``gpus`` processes per node on ``nodes`` nodes.

    ``$MASTER_ADDR`` and ``$MACHINE_RANK`` are left for the user's shell to expand unless given;
    the port is printed for several nodes (default 29500) or when given. ``no_ssh``: the deepspeed
    command is run on every node with its machine rank, like accelerate's, instead of once over ssh.
    """
    if gpus < 1 or nodes < 1:
        raise UsageError("--gpus and --nodes must be at least 1")
    if launcher not in LAUNCHERS:
        raise UsageError(f"--launcher must be one of {', '.join(LAUNCHERS)}")
    args = train_argv(options)
    port = master_port if master_port is not None else (DEFAULT_MASTER_PORT if nodes > 1 else None)
    if launcher == "deepspeed":
        cmd = ["deepspeed", "--num_gpus", str(gpus)]
        if nodes > 1:
            # The hostfile lists "<host> slots=<gpus>" per node; run this once, on the first node.
            cmd += ["--num_nodes", str(nodes), "--hostfile", hostfile, "--master_addr", master_addr]
            if no_ssh:
                cmd += ["--no_ssh", "--node_rank", machine_rank]
        if port is not None:
            cmd += ["--master_port", str(port)]
        cmd += ["--module", MODULE, *args]
    else:
        cmd = ["accelerate", "launch", "--num_processes", str(gpus * nodes), "--num_machines", str(nodes)]
        if gpus * nodes > 1:
            # torchrun underneath: one process per rank, GPUs or CPU ranks alike (not --cpu, see above).
            cmd.append("--multi_gpu")
        if nodes > 1:
            # Run on every node with its own machine rank (0 .. nodes-1); all reach rank 0's address.
            cmd += ["--machine_rank", machine_rank, "--main_process_ip", master_addr]
        if port is not None:
            cmd += ["--main_process_port", str(port)]
        cmd += ["-m", MODULE, *args]
    # Quote everything except the $VARIABLES the user's shell must expand.
    return " ".join(part if re.fullmatch(r"\$[A-Z_]+", part) else shlex.quote(part) for part in cmd)


# A hostfile has a line per node; anything larger is the wrong file, and is not read whole.
MAX_HOSTFILE_BYTES = 1024 * 1024


def read_hostfile(path: Path) -> list[tuple[str, int]]:
    """A DeepSpeed hostfile's ``(host, slots)`` pairs; a malformed line is a usage error naming it."""
    hosts: list[tuple[str, int]] = []
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_HOSTFILE_BYTES + 1)
        if len(data) > MAX_HOSTFILE_BYTES:
            raise UsageError(
                f"{path}: over {MAX_HOSTFILE_BYTES // 1024} KiB; a hostfile has one short line per node",
                hint="Name the DeepSpeed hostfile: '<host> slots=<gpus>' lines.",
            )
        lines = data.decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the hostfile ({exc})") from None
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        match = re.fullmatch(r"(\S+)\s+slots=(\d+)", text)
        if not match or int(match[2]) < 1:
            raise UsageError(
                f"{path}:{number}: expected '<host> slots=<gpus>' (e.g. 'node1 slots=8'), got {line.strip()!r}"
            )
        hosts.append((match[1], int(match[2])))
    return hosts


def check_hostfile(path: Path, *, nodes: int, gpus: int) -> str | None:
    """Raise a usage error if the hostfile cannot serve ``--nodes`` x ``--gpus``; a note if it is absent.

    Checked when the command is printed, so a typo surfaces here with its line, not as an ssh
    failure on the cluster later.
    """
    if path.exists() and not path.is_file():
        raise UsageError(
            f"{path}: not a file", hint="Name the DeepSpeed hostfile: '<host> slots=<gpus>' lines."
        )
    if not path.exists():
        return (
            f"note: {path} does not exist yet; the deepspeed launcher needs it on the first node, "
            f"one line per node: '<host> slots={gpus}'"
        )
    hosts = read_hostfile(path)
    if len(hosts) < nodes:
        raise UsageError(
            f"{path}: lists {len(hosts)} host(s) but --nodes is {nodes}; add one '<host> slots={gpus}' line per node"
        )
    short = [f"{host} (slots={slots})" for host, slots in hosts[:nodes] if slots < gpus]
    if short:
        raise UsageError(f"{path}: {', '.join(short)} has fewer slots than --gpus {gpus}")
    return None


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


def one_rank_trap(env: Mapping[str, str]) -> str | None:
    """Why this process would wrongly train alone: accelerate's simple launcher (it always sets
    ``ACCELERATE_USE_CPU``) started one process with ``MASTER_*`` set but no ``RANK`` -- for
    ``--cpu --num_processes N`` without ``mpirun``, or ``--num_processes N`` without ``--multi_gpu``
    on a machine with fewer than N GPUs."""
    if "ACCELERATE_USE_CPU" not in env or "RANK" in env:
        return None
    if "MASTER_PORT" not in env or any(k in env for k in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE")):
        return None
    if env["ACCELERATE_USE_CPU"].lower() in ("true", "1"):
        why = (
            "accelerate launch --cpu starts one process and leaves the others to mpirun, so this would "
            "train on one rank, not on --num_processes ranks.\nDrop --cpu: "
        )
    else:
        why = (
            "accelerate launch started one process: without --multi_gpu it starts several only on a machine "
            "with that many GPUs, so this would train on one rank, not on --num_processes ranks.\nAdd "
            "--multi_gpu: "
        )
    return why + (
        "'accelerate launch --multi_gpu --num_processes N -m harness.cli.launch ...' (what 'harness train ... "
        "--print-launch --launcher accelerate --gpus N' prints) starts N ranks, CPU ranks (gloo) on a machine "
        "without GPUs."
    )
