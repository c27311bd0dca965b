"""The process group: what a launcher provides, or what one process sets for itself.

``deepspeed`` and ``accelerate launch`` both start one process per GPU with ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` in the environment; DeepSpeed's
engine needs a process group even for one process. Without a launcher we set those variables for
a world of one (on a free port, so parallel test processes do not collide) and let
``deepspeed.init_distributed`` pick the backend (NCCL on GPUs; on CPU oneCCL if installed, else gloo).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from harness.process_group import destroy_process_group_at_exit

LAUNCHER_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world_size: int
    local_rank: int
    launched: bool  # True when a launcher set the environment

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_env() -> DistInfo:
    """Read the launcher's variables, or set a single-process world if there are none."""
    launched = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    if not launched:
        os.environ["RANK"] = "0"
        os.environ["WORLD_SIZE"] = "1"
        os.environ["LOCAL_RANK"] = "0"
        os.environ.setdefault("LOCAL_WORLD_SIZE", "1")
        os.environ["MASTER_ADDR"] = os.environ.get("MASTER_ADDR", "127.0.0.1")
        os.environ["MASTER_PORT"] = os.environ.get("MASTER_PORT") or str(free_port())
    os.environ.setdefault("LOCAL_RANK", "0")
    return DistInfo(
        rank=int(os.environ["RANK"]),
        world_size=int(os.environ["WORLD_SIZE"]),
        local_rank=int(os.environ["LOCAL_RANK"]),
        launched=launched,
    )


def init_process_group() -> DistInfo:
    """Set up the environment and DeepSpeed's process group (idempotent); pin this rank's GPU."""
    import deepspeed
    import torch

    info = ensure_env()
    if torch.cuda.is_available():
        torch.cuda.set_device(info.local_rank)
    deepspeed.init_distributed(verbose=False)
    destroy_process_group_at_exit()  # else a gloo rank can abort at exit after its work is done
    return info
