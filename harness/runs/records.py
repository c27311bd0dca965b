"""Append-only JSON Lines files that survive being killed at any moment.

Each record is one line written with a single ``write`` on a file opened in append mode, then
flushed and fsynced, so a record is either wholly on disk or not at all -- except the very last
line of a file whose writer was killed mid-write, which may be torn. Readers skip a torn last line
(and only the last: a bad line in the middle is real corruption and an error); writers cut it off
before appending so the next record starts on a fresh line. Whole-file rewrites are
:mod:`harness.io`'s.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from harness.data.json_text import loads, read_json_object  # noqa: F401 (run files' reader)
from harness.data.jsonl import read_jsonl_records


def read_record_dicts(path: Path | str) -> list[dict[str, Any]]:
    """All complete records of ``path`` as dicts (``[]`` if absent); a torn last line is ignored.

    (Line numbers and what was skipped: :func:`harness.data.jsonl.read_jsonl_records`.)"""
    path = Path(path)
    if not path.exists():
        return []
    return read_jsonl_records(path, tolerate_torn_tail=True).dicts()


def repair_tail(path: Path) -> int:
    """Cut a torn last line off ``path`` so appends start on a fresh line; returns bytes removed."""
    if not path.exists():
        return 0
    with path.open("rb+") as fh:
        data = fh.read()
        if not data or data.endswith(b"\n"):
            return 0
        cut = data.rfind(b"\n") + 1
        tail = data[cut:]
        try:
            loads(tail)
            fh.write(b"\n")  # a whole record missing only its newline: keep it
            return 0
        except json.JSONDecodeError:
            fh.truncate(cut)
            return len(tail)


class JsonlAppender:
    """Thread-safe appender: one record, one line, flushed and fsynced before returning."""

    def __init__(self, path: Path, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair_tail(self.path)
        self._fh = self.path.open("ab", buffering=0)
        self._lock = threading.Lock()
        self._fsync = fsync
        self.count = 0

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        with self._lock:
            fd = self._fh.fileno()
            size = os.fstat(fd).st_size
            try:
                view = memoryview(line)
                while view:  # a raw write may be short (a nearly full disk): write the rest, or fail
                    view = view[os.write(fd, view) :]
                if self._fsync:
                    os.fsync(fd)
            except OSError:
                # disk full, quota, file too large: take back the partial line, so the file still
                # ends with a whole record and the next append starts on a fresh line
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                raise
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
