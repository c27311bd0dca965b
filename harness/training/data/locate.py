"""Finding a training source's pinned files: a data dir (any layout we know), the cache, or the network.

:func:`harness.data.fetch.source_dir` looks for local copies in ``<data_dir>`` and
``<data_dir>/<source name>``. The shared data folder (and any copy of it) groups files by origin
instead -- ``alpaca/``, ``belle/``, ``sharegpt/`` -- so a data dir's immediate subdirectories are
searched too; whichever directory holds every file of the source (plain or as a ``.xz``/``.gz``
sibling) is handed to ``source_dir``, which verifies each file's sha256.

One source has a second accepted form. ``alpaca-3.5`` is pinned as the 53 part files upstream
serves; the shared data folder keeps their concatenation
(``open_chinese_alpaca_52k_en_zh.json(.xz)``). That file is accepted in a data dir in place of
the parts and verified against its own sha256 (:data:`CONCATENATED_COPIES`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from harness.data.fetch import source_dir
from harness.errors import DataError
from harness.registry_dirs import find_source
from harness.registry_yaml import SourceDef
from harness.training.data.files import COMPRESSED_SUFFIXES, read_bytes, resolve_data_file


@dataclass(frozen=True)
class ConcatenatedCopy:
    """A single local file equivalent to all of a source's files joined in order (JSON arrays merged)."""

    file_name: str
    sha256: str


CONCATENATED_COPIES: dict[str, ConcatenatedCopy] = {
    "alpaca-3.5": ConcatenatedCopy(
        file_name="open_chinese_alpaca_52k_en_zh.json",
        sha256="23e657c8ed75effaa95be1fd3f97575b44115d02174ef4b56e6d8b569b444014",
    ),
}


@dataclass(frozen=True)
class LocatedFiles:
    """The files to read for a source, in order, and whether they were already verified.

    ``content`` is set for a concatenated copy: its bytes had to be read to verify them, and are
    handed over so they are not decompressed twice.
    """

    paths: tuple[Path, ...]
    content: bytes | None = None


def data_dir_or_env(data_dir: Path | str | None) -> Path | None:
    """``data_dir``, else ``$HARNESS_DATA_DIR`` (the same rule as :mod:`harness.data.fetch`)."""
    value = data_dir if data_dir is not None else os.environ.get("HARNESS_DATA_DIR")
    return Path(value).expanduser() if value else None


def _has(directory: Path, file_name: str) -> bool:
    return any((directory / (file_name + suffix)).is_file() for suffix in ("", *COMPRESSED_SUFFIXES))


def candidate_dirs(data_dir: Path) -> list[Path]:
    """``data_dir`` and its immediate subdirectories, in name order."""
    if not data_dir.is_dir():
        raise DataError(f"data dir {data_dir} does not exist or is not a directory")
    return [data_dir, *sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith("."))]


def find_local_dir(source: SourceDef, data_dir: Path) -> Path | None:
    """The directory to give ``source_dir`` as ``data_dir`` for ``source``, or ``None``."""
    for directory in candidate_dirs(data_dir):
        for place in (directory, directory / source.name):
            if all(_has(place, f.name) for f in source.files):
                return directory
    return None


_verified_copies: set[tuple[str, int, int]] = set()


def _concatenated(source: SourceDef, data_dir: Path) -> LocatedFiles | None:
    copy = CONCATENATED_COPIES.get(source.name)
    if copy is None:
        return None
    for directory in candidate_dirs(data_dir):
        for place in (directory, directory / source.name):
            if _has(place, copy.file_name):
                path = resolve_data_file(place / copy.file_name)
                stat = path.stat()
                key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
                if key in _verified_copies:  # verified earlier in this process: no need to re-read
                    return LocatedFiles(paths=(path,))
                content = read_bytes(path)
                digest = hashlib.sha256(content).hexdigest()
                if digest != copy.sha256:
                    raise DataError(
                        f"{path}: sha256 mismatch: expected {copy.sha256}, got {digest} (corrupted or wrong file)"
                    )
                _verified_copies.add(key)
                return LocatedFiles(paths=(path,), content=content)
    return None


def locate_source(name: str, *, data_dir: Path | str | None = None, fetch: bool = True) -> LocatedFiles:
    """The verified files of source ``name``: from ``data_dir`` (or ``$HARNESS_DATA_DIR``) when given,
    else from the cache, downloading when absent and ``fetch`` is true."""
    source = find_source(name)
    local = data_dir_or_env(data_dir)
    if local is None:
        directory = source_dir(source.name, fetch=fetch)
        return LocatedFiles(paths=tuple(directory / f.name for f in source.files))
    found = find_local_dir(source, local)
    if found is not None:
        directory = source_dir(source.name, data_dir=found)
        return LocatedFiles(paths=tuple(directory / f.name for f in source.files))
    concatenated = _concatenated(source, local)
    if concatenated is not None:
        return concatenated
    wanted = ", ".join(f.name for f in source.files[:3]) + (" ..." if len(source.files) > 3 else "")
    raise DataError(
        f"{local}: no local copy of data source {source.name!r} ({wanted})",
        hint=f"Looked in {local}, its subdirectories and <dir>/{source.name}/ (also for .xz/.gz copies). "
        f"Without --data-dir the files are downloaded into the cache ('harness data fetch {source.name}').",
    )
