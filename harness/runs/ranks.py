"""The processes of one ``harness run``: one, or several started by ``torchrun`` / ``accelerate launch``.

Under a launcher (``WORLD_SIZE > 1``) every process runs the same command. Only rank 0 owns the run
directory: it picks (or resumes) it, writes ``run.json``, the generations, the judgments and the
reports; the other ranks learn the directory and the samples still to do from rank 0 (a broadcast,
so every rank batches exactly the same list), generate their share and stop. With one process
nothing distributed is imported or set up.

``accelerate launch --cpu --num_processes N`` starts *one* process: accelerate runs several CPU
processes only through MPI (``--mpirun_hostfile``); so does ``--num_processes N`` without
``--multi_gpu`` on a machine with fewer GPUs. That silent drop is caught here and reported with the
commands that do start N ranks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError
from harness.generation.hf import WORLD_SIZE_VARS, distributed_state, launched_world_size

CPU_LAUNCH_HINT = (
    "Start the ranks with `torchrun --nproc-per-node N -m harness run ...` or "
    "`accelerate launch --multi_gpu --num_processes N -m harness run ...` (without GPUs the ranks "
    "talk over gloo). If you meant one process, give --num_processes 1 (or unset MASTER_ADDR)."
)


@dataclass(frozen=True)
class Ranks:
    """This process's place among the processes of the run; ``state`` is accelerate's, or None."""

    rank: int = 0
    world: int = 1
    state: Any = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    def broadcast(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank (picklable objects); the value itself on one process."""
        if not self.distributed:
            return value
        from accelerate.utils import broadcast_object_list

        box = [value if self.is_main else None]
        broadcast_object_list(box, from_process=0)
        return box[0]


def check_launch() -> None:
    """Refuse the single process that ``accelerate launch --num_processes N>1`` starts without
    ``--multi_gpu`` on a machine with fewer than N GPUs, or with ``--cpu``: accelerate's simple
    launcher (it always sets ``ACCELERATE_USE_CPU``) sets ``MASTER_ADDR`` only when asked for N > 1
    processes, and a real launch of N ranks sets ``WORLD_SIZE``."""
    if (
        "ACCELERATE_USE_CPU" not in os.environ
        or "MASTER_ADDR" not in os.environ
        or any(name in os.environ for name in WORLD_SIZE_VARS)
    ):
        return
    if os.environ["ACCELERATE_USE_CPU"].lower() in ("true", "1"):
        raise UsageError(
            "accelerate launch --cpu started one process, not the --num_processes asked for: "
            "accelerate starts several CPU processes only through MPI (--mpirun_hostfile).",
            hint=CPU_LAUNCH_HINT,
        )
    raise UsageError(
        "accelerate launch started one process, not the --num_processes asked for: without --multi_gpu "
        "it starts several only on a machine with that many GPUs.",
        hint=CPU_LAUNCH_HINT,
    )


def current() -> Ranks:
    """The ranks of this run; sets up the process group (gloo on CPU, NCCL on GPUs) when launched."""
    check_launch()
    if launched_world_size() <= 1:
        return Ranks()
    state = distributed_state()
    if state is None:
        return Ranks()
    return Ranks(rank=state.process_index, world=state.num_processes, state=state)
