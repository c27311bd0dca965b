"""Write a scaffolded package into a folder that is new or empty, never over an existing file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.errors import UsageError
from harness.scaffold.dataset_files import dataset_files
from harness.scaffold.judge_files import judge_files
from harness.scaffold.names import PackageNames, check_name

KINDS: dict[str, Callable[[PackageNames], dict[str, str]]] = {"judge": judge_files, "dataset": dataset_files}


def write_package(kind: str, name: str, folder: Path | None = None) -> tuple[Path, list[Path]]:
    """The ``kind`` package for ``name`` written into ``folder`` (default ``./NAME``): the folder and
    the files written. A :class:`UsageError` (exit 2), with nothing written, for a bad name or a
    folder that is a file, a link or not empty."""
    names = check_name(name)
    folder = Path(names.name) if folder is None else Path(folder)
    _check_folder(folder)
    files = KINDS[kind](names)
    written = []
    try:
        for relative, text in files.items():
            written.append(_write_new(folder / relative, text))
    except OSError as exc:
        raise UsageError(f"{folder}: cannot write: {exc.strerror or exc}") from None
    return folder, written


def _check_folder(folder: Path) -> None:
    if folder.is_symlink():
        raise UsageError(f"{folder} is a symbolic link; give a real folder", hint="--dir names the folder")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder", hint="--dir names another folder")
    try:
        empty = not any(folder.iterdir())
    except OSError as exc:
        raise UsageError(f"{folder}: cannot read: {exc.strerror or exc}") from None
    if not empty:
        raise UsageError(
            f"{folder} is not empty; nothing was written",
            hint="give another NAME, or --dir an empty or new folder",
        )


def _write_new(path: Path, text: str) -> Path:
    """Create ``path`` (and its folders) with ``text``; an existing file is never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return path
