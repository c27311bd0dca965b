"""``calibration.json`` in a run directory: the human labels ``harness calibrate`` was given.

Why a copy of the labels rather than a path: the user's file may move or change, and the report
must show the same calibrated figure every time it is written. The labels are kept as read and
checked, with the path and sha256 of the file they came from (the harness never writes to that
file), and the report recomputes the figures from them and the run's *current* judgments -- a
re-judged run is never shown with figures computed from its old judgments.

The file is written under the run directory's lock (as ``harness judge`` writes), atomically; one
that is not the harness's (another schema, not JSON) is never overwritten.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.data.json_text import loads
from harness.errors import DataError, UsageError
from harness.io import write_text_atomic
from harness.runs.labels import Labels
from harness.runs.lock import run_dir_lock

CALIBRATION_FILE = "calibration.json"
SCHEMA = "harness.calibration-labels/1"
HINT = "harness calibrate RUN_DIR --labels FILE writes it again; or move that file out of the run directory."


def load_stored(run_dir: Path) -> dict[str, Any] | None:
    """The stored labels of ``run_dir`` (``None`` when it has none); a damaged file is exit 2."""
    path = Path(run_dir) / CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        data = loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}: not a calibration file the harness wrote ({type(exc).__name__})", hint=HINT
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("labels"), dict):
        raise DataError(f"{path}: not a calibration file the harness wrote (no schema {SCHEMA!r})", hint=HINT)
    return data


def store_labels(
    run_dir: Path, labels: Labels, *, judgments_file: str, scale: dict[str, Any], answers: dict[str, str]
) -> Path:
    """Write ``labels`` into ``run_dir``'s calibration file, holding the run directory's lock.
    ``scale``: the judge's scale they were checked against (they calibrate any judge on it);
    ``answers``: the sha256 of each labelled answer, so labels of answers since regenerated are caught."""
    run_dir = Path(run_dir)
    path = run_dir / CALIBRATION_FILE
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UsageError(f"{path}: not a regular file; the harness does not write through it", hint=HINT)
    record = {
        "schema": SCHEMA,
        "labels_file": str(labels.path.resolve()),
        "labels_sha256": labels.sha256,
        "kind": labels.kind,
        "judgments_file": judgments_file,
        "scale": scale,
        "stored_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": labels.values,
        "answers_sha256": answers,
    }
    with run_dir_lock(run_dir, command="harness calibrate"):
        load_stored(run_dir)  # an existing file that is not ours stops here, untouched
        write_text_atomic(path, json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    return path
