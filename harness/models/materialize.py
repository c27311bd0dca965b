"""Build a cached directory exactly once, safely under concurrency: temp dir, then ``rename``.

Several processes (pytest workers, ``accelerate launch`` ranks, two terminals) may ask for the same
built model at once. Each builds into its own temporary sibling and renames it into place; the
rename is atomic on one filesystem, so a reader sees either no directory or a complete one. When
two builders race, the loser's rename fails because the target exists, and it uses the winner's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, UsageError


def recipe_hash(recipe: Any, *, length: int = 12) -> str:
    """A short stable hash of a JSON-serialisable recipe (names the cached directory)."""
    text = json.dumps(recipe, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def materialize(target: Path, build: Callable[[Path], None], *, required: Sequence[str] = ()) -> Path:
    """Return ``target``, calling ``build(tmp_dir)`` and renaming ``tmp_dir`` to it if absent.

    ``required`` names files a complete directory holds: a build that did not write one is an
    error and never renamed into place (it would be used as the cache from then on), and a cached
    directory that lacks one is refused, saying where it is.
    """
    target = Path(target)
    if target.is_dir():
        if missing := _missing(target, required):
            raise UsageError(
                f"{target}: an incomplete build (no {', '.join(missing)})",
                hint="Remove that directory; the next run builds it again.",
            )
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        build(tmp)
        if missing := _missing(tmp, required):
            raise HarnessError(f"building {target} wrote no {', '.join(missing)}")
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():  # a real failure, not a lost race
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _missing(directory: Path, required: Sequence[str]) -> list[str]:
    return [name for name in required if not (directory / name).is_file()]
