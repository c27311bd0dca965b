"""Where a run directory keeps the judge batch it is waiting on: ``run.json``'s ``judge_batches``.

WHY: a batch runs on the server for up to 24 h whatever happens to the process that sent it. Its id
is written here (atomically, under the run directory's lock, which ``harness run`` and
``harness judge`` hold) the moment the server returns it, before anything waits on it, so the
same command started again, after a kill, a crash or ``--judge-batch-wait``, polls that batch
instead of paying for a second one. One record per judgments file (``harness judge`` writes its
own); it is removed once every result is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.io import write_json_atomic
from harness.runs.layout import RUN_FILE
from harness.runs.records import read_json_object
from harness.runs.rundir import RUN_JSON_HINT

KEY = "judge_batches"


class BatchRecordStore:
    """``load()``, ``save(record)`` and ``clear()`` of the batch record of one judgments file."""

    def __init__(self, run_dir: Path, judgments_file: str) -> None:
        self.path = Path(run_dir) / RUN_FILE
        self.judgments_file = judgments_file

    def _meta(self) -> dict[str, Any]:
        return read_json_object(self.path, hint=RUN_JSON_HINT) if self.path.is_file() else {}

    def load(self) -> dict[str, Any] | None:
        records = self._meta().get(KEY)
        record = records.get(self.judgments_file) if isinstance(records, dict) else None
        return record if isinstance(record, dict) and isinstance(record.get("id"), str) else None

    def save(self, record: dict[str, Any]) -> None:
        meta = self._meta()
        records = meta.get(KEY)
        records = records if isinstance(records, dict) else {}
        meta[KEY] = {**records, self.judgments_file: record}
        write_json_atomic(self.path, meta)

    def clear(self) -> None:
        meta = self._meta()
        records = meta.get(KEY)
        if isinstance(records, dict) and self.judgments_file in records:
            meta[KEY] = {k: v for k, v in records.items() if k != self.judgments_file}
            write_json_atomic(self.path, meta)


def waiting_note(meta: dict[str, Any]) -> str | None:
    """``"waiting on batch batch_1 (3/10 done)"`` for a run with a batch record, else ``None``."""
    records = meta.get(KEY)
    if not isinstance(records, dict):
        return None
    notes = []
    for record in records.values():
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            done, total = record.get("completed"), record.get("requests")
            counts = f" ({done}/{total} done)" if isinstance(done, int) and isinstance(total, int) else ""
            notes.append(f"waiting on batch {record['id']}{counts}")
    return "; ".join(notes) or None
