"""Which file ``harness judge --judgments-file`` may write: a judgments file of the run's own.

``harness judge`` appends judgment lines to that file and writes report files named after it, so a
name that is the run's answers, its ``run.json``, config, lock or a report file would have those
overwritten or mixed with judgments. Accepted: one plain file name ending in ``.jsonl`` that is
none of the run's record files and, where it (or a report file named after it) exists already,
that ``run.json`` lists as written by the harness -- the same ``harness judge`` resuming.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.runs.layout import GENERATIONS, JUDGMENTS, RUN_FILES, default_judgments_file
from harness.runs.rundir import name_problem

SUFFIX = ".jsonl"
_RESERVED = {GENERATIONS: "the run's answers", JUDGMENTS: "the run's own judgments (harness run writes it)"}


def _hint(judge: str) -> str:
    return (
        f"--judgments-file names a judgments file of the run's own: a new file name ending in {SUFFIX} "
        f"(the default is {default_judgments_file(judge)})."
    )


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a judgments file, from the name alone (``None`` if it can)."""
    if (problem := name_problem(name)) is not None:
        return f"{problem} (a judgments file is one file name inside the run directory, never a path)"
    if name in _RESERVED:
        return f"is {_RESERVED[name]}, not a judgments file for another judge"
    if name in RUN_FILES or not name.endswith(SUFFIX) or name.startswith("."):
        return f"is not a judgments file name (one ending in {SUFFIX}, not starting with '.')"
    return None


def _not_ours(run_dir: Path, names: Sequence[str], listed: Sequence[Any]) -> str | None:
    """The first of ``names`` that exists in ``run_dir`` but that the harness did not write there."""
    for name in names:
        path = run_dir / name
        if os.path.lexists(path) and (name not in listed or path.is_symlink() or not path.is_file()):
            return name
    return None


def check_judgments_file(
    run_dir: Path, name: str, *, meta: dict[str, Any], judge: str, writes: Sequence[str] = ()
) -> None:
    """Refuse (exit 2) a ``--judgments-file`` that is not a judgments file of the run's own.

    ``meta`` is the run's ``run.json``; ``writes`` the report files named after ``name``."""
    problem = _name_problem(name)
    if problem is None:
        listed = meta.get("files")
        listed = listed if isinstance(listed, list) else []
        foreign = _not_ours(Path(run_dir), [name, *writes], listed)
        if foreign is not None:
            problem = (
                f"would write {foreign}, which exists in the run directory and is not a judgments file "
                "that harness judge wrote"
            )
    if problem is not None:
        raise UsageError(f"--judgments-file {name!r} {problem}", hint=_hint(judge))
