"""The runs under a folder and how each ended, as ``harness runs`` lists them.

Why a listing reads the lock too: ``run.json`` says ``running`` while a run works, and keeps saying
it if the process was killed outright (SIGKILL, power loss) -- the one case no handler can record.
A run whose ``run.json`` says ``running`` while no process holds its lock is therefore listed as
``stale``: it is not working, and the same command resumes it. Everything else is what ``run.json``
says: ``complete``, ``incomplete`` (some judgments failed), ``failed`` (with the error),
``interrupted`` (Ctrl-C, SIGTERM) or ``waiting`` (on a judge batch past ``--judge-batch-wait``; a run
with a batch recorded says "waiting on batch <id> (n/m done)"). Listing writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data.json_text import loads
from harness.runs.batch_record import waiting_note
from harness.runs.layout import RUN_FILE
from harness.runs.lock import is_held

STALE = "stale"


@dataclass(frozen=True)
class RunSummary:
    """One run directory as listed: where, how it ended (``status``), what it ran, and when."""

    path: Path
    name: str
    status: str
    model: str | None = None
    judge: str | None = None
    dataset: str | None = None
    n_samples: int | None = None
    updated_at: str | None = None
    updated_unix: float = 0.0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "name": self.name,
            "status": self.status,
            "model": self.model,
            "judge": self.judge,
            "dataset": self.dataset,
            "n_samples": self.n_samples,
            "updated_at": self.updated_at,
            "error": self.error,
        }


def summarise(run_dir: Path) -> RunSummary:
    """The summary of one run directory (one with a ``run.json``)."""
    run_dir = Path(run_dir)
    try:
        meta = loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return RunSummary(
            path=run_dir, name=run_dir.name, status="unreadable", error=f"{RUN_FILE} cannot be read: {exc}"
        )
    status = str(meta.get("status") or "unknown")
    error = meta.get("error")
    if status == "running" and is_held(run_dir) is False:
        status = STALE
        error = (
            "run.json says running but no process holds the run's lock (killed outright?); "
            "run the same command again to resume"
        )
    waiting = waiting_note(meta)  # harness run's batch, or a harness judge's (a complete run's too)
    if waiting:
        waiting = f"{waiting}; run the same command again to poll it" if status != "running" else waiting
        error = f"{error}; {waiting}" if error else waiting

    def text(key: str) -> str | None:
        value = meta.get(key)
        return None if value is None else str(value)

    n_samples = meta.get("n_samples")
    updated_unix = meta.get("updated_unix")
    return RunSummary(
        path=run_dir,
        name=run_dir.name,
        status=status,
        model=text("model"),
        judge=text("judge"),
        dataset=text("dataset"),
        n_samples=n_samples if isinstance(n_samples, int) else None,
        updated_at=text("updated_at"),
        updated_unix=float(updated_unix) if isinstance(updated_unix, (int, float)) else 0.0,
        error=None if error is None else str(error),
    )


def list_runs(folder: Path) -> list[RunSummary]:
    """Every run directory directly under ``folder`` (or ``folder`` itself if it is one), newest first."""
    folder = Path(folder)
    if (folder / RUN_FILE).is_file():
        return [summarise(folder)]
    runs = [
        summarise(entry)
        for entry in sorted(folder.iterdir())
        if entry.is_dir() and not entry.is_symlink() and (entry / RUN_FILE).is_file()
    ]
    return sorted(runs, key=lambda run: run.updated_unix, reverse=True)


def latest_run(folder: Path) -> RunSummary | None:
    """The most recently updated run under ``folder`` (what ``harness report`` with no argument
    reports on), or ``None`` when there is none or ``folder`` is not a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = list_runs(folder)
    return found[0] if found else None
