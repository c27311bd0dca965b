"""The process group is destroyed at exit, before interpreter finalization could abort a gloo rank."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # seconds of CPU: left out of the quick subset (-m "not slow")

SCRIPT = textwrap.dedent(
    """
    import atexit, os
    import torch.distributed as dist
    from harness.training.distributed import free_port

    # atexit runs handlers last-registered-first: this one runs after the harness's handler.
    atexit.register(lambda: print("initialized at exit:", dist.is_initialized(), flush=True))
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    dist.init_process_group("gloo", rank=0, world_size=1)
    if os.environ.get("REGISTER") == "1":
        from harness.process_group import destroy_process_group_at_exit

        destroy_process_group_at_exit()
        destroy_process_group_at_exit()  # registering twice destroys once
    print("initialized during work:", dist.is_initialized(), flush=True)
    """
)


def _run(register: bool) -> str:
    env = {**os.environ, "REGISTER": "1" if register else "0"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_group_is_gone_before_the_interpreter_finalizes() -> None:
    assert _run(register=True).splitlines() == ["initialized during work: True", "initialized at exit: False"]


def test_without_the_handler_the_group_outlives_atexit() -> None:
    # The control: the group would otherwise still be up when finalization starts.
    assert _run(register=False).splitlines() == ["initialized during work: True", "initialized at exit: True"]
