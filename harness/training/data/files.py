"""Reading instruction-data files: JSON arrays and JSON Lines, plain or ``.xz``/``.gz`` compressed.

The public datasets disagree on container format: Alpaca and LLaMA-Factory ship one JSON array,
BELLE and MedicalGPT ship JSON Lines under a ``.json`` name, and the shared data folder keeps large
files only as ``.xz``. So the container is detected from the content (first non-blank character
``[`` means an array), never from the file name, and a ``.xz``/``.gz`` sibling is read
transparently when the plain file is absent.

A JSON Lines line that does not parse is not fatal: it is returned as an :class:`UnreadableLine`
so that it is counted as a bad record (``invalid_json``) with the others, and only a file that is
*mostly* bad is rejected (see :mod:`harness.training.data.records`).
"""

from __future__ import annotations

import gzip
import json
import lzma
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import DataError

COMPRESSED_SUFFIXES = (".xz", ".gz")


@dataclass(frozen=True)
class UnreadableLine:
    """A JSON Lines line that is not valid JSON (kept so it is counted, not silently skipped)."""

    line_number: int
    error: str


def resolve_data_file(path: Path | str) -> Path:
    """``path`` itself, or its ``.xz``/``.gz`` sibling when only the compressed copy exists."""
    path = Path(path).expanduser()
    if path.is_file():
        return path
    for suffix in COMPRESSED_SUFFIXES:
        sibling = path.with_name(path.name + suffix)
        if sibling.is_file():
            return sibling
    raise DataError(
        f"{path}: no such file" + (" (nor a .xz/.gz copy)" if path.suffix not in COMPRESSED_SUFFIXES else "")
    )


def read_bytes(path: Path | str) -> bytes:
    """The (decompressed) content of ``path`` or of its compressed sibling."""
    real = resolve_data_file(path)
    try:
        if real.suffix == ".xz":
            with lzma.open(real, "rb") as fh:
                return fh.read()
        if real.suffix == ".gz":
            with gzip.open(real, "rb") as fh:
                return fh.read()
        return real.read_bytes()
    except (OSError, lzma.LZMAError, EOFError) as exc:
        raise DataError(f"{real}: cannot read: {exc}") from exc


def parse_records(text: str, *, origin: str) -> list[Any]:
    """Records of a JSON array or JSON Lines document; bad JSON lines become :class:`UnreadableLine`.

    A JSON document that is not an array (a single object) is treated as JSON Lines with one line,
    so a one-record file works either way. A broken JSON *array* is an error for the whole file:
    there is no way to tell where one record ends.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            ) from None
        return list(data)
    records: list[Any] = []
    for number, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            records.append(UnreadableLine(number, exc.msg))
    return records


def read_records(path: Path | str) -> list[Any]:
    """All records of a JSON / JSON Lines file (or its ``.xz``/``.gz`` copy)."""
    real = resolve_data_file(path)
    raw = read_bytes(real)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{real}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_records(text, origin=str(real))
