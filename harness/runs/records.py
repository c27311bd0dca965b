"""Append-only JSON Lines files that survive being killed at any moment.

Each record is one line written with a single ``write`` on a file opened in append mode, then
flushed and fsynced, so a record is either wholly on disk or not at all -- except the very last
line of a file whose writer was killed mid-write, which may be torn. Readers skip a torn last line
(and only the last: a bad line in the middle is real corruption and an error); writers cut it off
before appending so the next record starts on a fresh line.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from harness.data.json_text import loads


def read_jsonl(path: Path | str) -> list[dict[str, Any]]:
    """All complete records of ``path`` (``[]`` if absent); a torn last line is ignored."""
    from harness.data.jsonl import read_jsonl as read_records

    path = Path(path)
    if not path.exists():
        return []
    return read_records(path, tolerate_torn_tail=True).dicts()


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
                    view = view[os.write(fd, view):]
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


def read_json_object(path: Path, *, hint: str | None = None) -> dict[str, Any]:
    """The JSON object in ``path``; a damaged file (bad JSON, not UTF-8, not an object) is a usage
    error naming the file and line -- what the harness wrote and someone edited or cut short."""
    from harness.errors import UsageError

    hint = hint or "The file is damaged: restore it from a copy, or remove it and run again."
    try:
        data = loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 (offset {exc.start})", hint=hint) from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})", hint=hint) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}:1: expected a JSON object, got {type(data).__name__}", hint=hint)
    return data


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: readers never see half a file.

    If the write fails (disk full, interrupted), the temporary file is removed and ``path`` is
    left as it was.
    """
    tmp = _temp_path(path)
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` via a temporary file and a rename: readers never see half a file."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def rewrite_jsonl_atomic(path: Path, records: list[dict[str, Any]]) -> None:
    """Replace ``path`` with exactly ``records`` (temporary file + rename; no temporary file left on error)."""
    write_text_atomic(path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
