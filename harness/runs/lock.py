"""One writer per run directory: an exclusive OS lock held while a process writes into it.

Two ``harness run`` (or ``harness judge``) processes on one run directory would both generate and
judge the same samples: doubled records and doubled API spend. Every command that writes into a
run directory therefore holds ``run.lock`` there, taken with :mod:`filelock` (``flock`` on POSIX)
before it writes anything. The lock belongs to the open file, so the kernel drops it when the
holder dies however it dies (even SIGKILL): a killed run never blocks its own resume. A second
process does not wait; it stops with exit 2, naming the process (pid, host, command) that holds
the directory, which the holder writes into the lock file once it has the lock.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.data.json_text import loads
from harness.errors import UsageError
from harness.runs.layout import LOCK_FILE


class RunDirBusy(UsageError):
    """Another live process holds the run directory's lock."""

    def __init__(self, message: str, *, holder: dict[str, Any] | None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.holder = holder or {}


def read_holder(run_dir: Path) -> dict[str, Any] | None:
    """Who holds (or last held) ``run_dir``'s lock, as its holder wrote it; ``None`` if unknown."""
    try:
        data = loads((Path(run_dir) / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describe_holder(holder: dict[str, Any] | None) -> str:
    if not holder:
        return "another process (it has not yet recorded its pid)"
    parts = [f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}"]
    if holder.get("command"):
        parts.append(f"running `{holder['command']}`")
    if holder.get("since"):
        parts.append(f"since {holder['since']}")
    return ", ".join(parts)


def is_held(run_dir: Path) -> bool | None:
    """Whether a live process holds ``run_dir``'s lock now; ``None`` where that cannot be told.

    A read-only probe (``flock`` with ``LOCK_NB`` on a read-only descriptor, released at once): it
    writes nothing, so listing runs never changes them. Used to tell a run that is working from one
    whose ``run.json`` still says ``running`` because its process was killed outright.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    path = Path(run_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return False
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@contextmanager
def run_dir_lock(run_dir: Path, *, command: str | None = None) -> Iterator[None]:
    """Hold ``run_dir``'s exclusive lock for the ``with`` block; :class:`RunDirBusy` if another has it.

    ``run_dir`` must exist. The lock file is opened without following symlinks.
    """
    from filelock import FileLock, Timeout

    path = Path(run_dir) / LOCK_FILE
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command or " ".join(["harness", *sys.argv[1:2]]),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    def record_holder(fd: int) -> None:
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(holder) + "\n").encode("utf-8"))

    lock = FileLock(str(path), timeout=0, on_acquired=record_holder, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout:
        other = read_holder(run_dir)
        raise RunDirBusy(
            f"{run_dir} is in use by {describe_holder(other)}; only one process may write a run directory",
            holder=other,
            hint="Wait for that process to finish (or stop it) and run the command again; a killed process "
            "leaves no lock behind.",
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot lock the run directory {run_dir}: {exc.strerror or exc}",
            hint="Choose a writable, local --out folder.",
        ) from None
    try:
        yield
    finally:
        lock.release()
