"""Files written whole or not at all, and files read no further than a cap.

Why one module: every file the harness writes for others to read (run records, reports, manifests,
caches) must never be seen half-written, and a crash or a full disk must leave no debris and the
old file intact. Each write goes to a temporary file in the same folder, named
``.<name>.tmp-<pid>-<random>``, created exclusively (an existing file or symlink of that name is
never written through), fsynced, then renamed over ``path``; the folder is fsynced where the system
allows. A symlink at ``path`` is replaced by the file, never written through. On any failure the
temporary file is removed and ``path`` is as it was.

Reads of files that should be small are capped, so a wrong or hostile file is refused rather than
swallowed whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# the temporary names of write_text_atomic, and of the writers it replaced (``.<name>.<pid>.tmp``,
# ``.<name>.tmp-<pid>``), so leftovers of older runs are still recognised as the harness's own
_TEMP_NAME = re.compile(r"\.(?P<name>.+)\.(?:\d+\.tmp|tmp-\d+(?:-[0-9a-f]{8})?)")


def temp_name(name: str) -> str:
    """A fresh temporary name for a file that will become ``name`` (same folder)."""
    return f".{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"


def temp_target(name: str) -> str | None:
    """The file name a harness temporary file ``name`` was to become; ``None`` if it is not one."""
    match = _TEMP_NAME.fullmatch(name)
    return match["name"] if match else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # a write may be short (a nearly full disk): write the rest, or fail
        view = view[os.write(fd, view) :]


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every system can open a folder (Windows), which is fine."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    with contextlib.suppress(OSError):
        fd = os.open(folder, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` via a fsynced temporary file and a rename: readers never see half."""
    path = Path(path)
    tmp = path.with_name(temp_name(path.name))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:  # disk full, interrupted: no temporary file left, path unchanged
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (see the module doc)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path | str, data: Any) -> None:
    """Write ``data`` as indented JSON (UTF-8, not ASCII-escaped) to ``path`` whole or not at all."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def write_jsonl_atomic(path: Path | str, records: Iterable[Any]) -> None:
    """Replace ``path`` with exactly ``records``, one JSON line each, whole or not at all."""
    write_text_atomic(path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))


class FileTooLarge(OSError):
    """A file over the cap its reader set: the wrong file, or a hostile one."""

    def __init__(self, path: Path | str, limit: int) -> None:
        self.message = f"{path}: over {limit:,} bytes, larger than such a file can be"
        super().__init__(self.message)
        self.filename = str(path)
        self.limit = limit

    def __str__(self) -> str:
        return self.message


def read_bytes_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of ``path``, reading at most ``limit`` (+1 to tell); :class:`FileTooLarge` beyond."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return data


def read_text_bounded(path: Path | str, limit: int, *, encoding: str = "utf-8") -> str:
    """:func:`read_bytes_bounded`, decoded (a :class:`UnicodeDecodeError` is the caller's to report)."""
    return read_bytes_bounded(path, limit).decode(encoding)
