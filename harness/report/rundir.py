"""Read a run directory as the run pipeline writes it.

Layout (written by ``harness run``; only ``judgments.jsonl`` is required here)::

    run.json           the resolved config: name, model, judge, dataset, versions, seeds ...
    generations.jsonl  one line per sample: id, category, question, reference, answer, prompt, model
    judgments.jsonl    one line per judgment: id, category, score, status, raw, judge, reason, repeat
    judgments-*.jsonl  further judges' judgments (``harness judge RUN_DIR --judge NAME``)

Both JSON Lines files are appended while a run goes, so a run killed mid-write leaves a torn last
line: it is tolerated (and noted), a bad line anywhere else is an error naming file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data.json_text import loads
from harness.data.jsonl import read_jsonl_records
from harness.errors import DataError
from harness.runs.judgment_lines import read_judgment_lines
from harness.runs.layout import GENERATIONS, JUDGMENTS, RUN_FILE
from harness.sample_turns import turn_id


@dataclass
class RunDir:
    """A run directory's contents."""

    path: Path
    config: dict[str, Any]
    generations: dict[str, dict[str, Any]]
    judgments: list[dict[str, Any]]
    judgments_file: str = JUDGMENTS
    notes: list[str] = field(default_factory=list)
    jury: dict[str, Any] | None = None  # the jurors and their agreement (harness.scoring.jury)

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.path.name)

    def describe(self) -> dict[str, Any]:
        """Who produced this run, for report headers."""

        def text(key: str) -> str | None:
            value = self.config.get(key)
            if isinstance(value, dict):
                value = value.get("name") or value.get("id") or json.dumps(value, ensure_ascii=False)
            return None if value is None else str(value)

        return {
            "name": self.name,
            "dir": str(self.path),
            "model": text("model"),
            "judge": text("judge"),
            "dataset": text("dataset"),
            "judgments_file": self.judgments_file,
        }


def judgments_files(run_dir: Path) -> list[Path]:
    """``judgments.jsonl`` first, then any ``judgments-*.jsonl`` by name."""
    run_dir = Path(run_dir)
    main = run_dir / JUDGMENTS
    extra = sorted(p for p in run_dir.glob("judgments*.jsonl") if p.name != JUDGMENTS)
    return ([main] if main.is_file() else []) + extra


def read_judgments(path: Path, notes: list[str] | None = None) -> list[dict[str, Any]]:
    """The checked judgments of ``path`` (:mod:`harness.runs.judgment_lines`: a line that is no
    judgment is an error naming file and line); a torn last line and differing verdicts for one
    (id, repeat) are said in ``notes``."""
    lines = read_judgment_lines(path)
    if notes is not None:
        if lines.torn_last_line is not None:
            notes.append(
                f"{path.name}: ignored a torn last line ({lines.torn_last_line}); the run was interrupted"
            )
        conflict = lines.conflict_note()
        if conflict:
            notes.append(conflict)
    return lines.records


DAMAGED_HINT = "The harness wrote this file and it has been damaged: restore it from a copy, or run again."


def read_run_dir(path: Path | str, *, judgments_file: str = JUDGMENTS) -> RunDir:
    """Load ``path``; a missing directory or judgments file is a :class:`DataError`."""
    path = Path(path)
    if not path.is_dir():
        raise DataError(f"{path}: not a run directory")
    notes: list[str] = []
    config: dict[str, Any] = {}
    config_path = path / RUN_FILE
    if config_path.is_file():
        try:
            loaded = loads(config_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{config_path}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})", hint=DAMAGED_HINT
            ) from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{config_path}: not UTF-8 (offset {exc.start})", hint=DAMAGED_HINT) from None
        if not isinstance(loaded, dict):
            raise DataError(f"{config_path}:1: expected a JSON object", hint=DAMAGED_HINT)
        config = loaded
    else:
        notes.append(f"{RUN_FILE} is missing; the run is named after its directory")
    judgments_path = Path(judgments_file) if Path(judgments_file).is_absolute() else path / judgments_file
    if not judgments_path.is_file():
        raise DataError(
            f"{judgments_path}: no judgments file", hint="Judge the run first (harness run / harness judge)."
        )
    judgments = read_judgments(judgments_path, notes)
    from harness.scoring.jury import aggregate, jury_aggregation, jury_agreement

    how = jury_aggregation(config)
    jury = jury_agreement(judgments, how)
    judgments = aggregate(judgments, how)  # a jury's verdicts: one record per (id, repeat)
    generations: dict[str, dict[str, Any]] = {}
    generations_path = path / GENERATIONS
    if generations_path.is_file():
        records = read_jsonl_records(generations_path, tolerate_torn_tail=True)
        if records.torn_last_line is not None:
            notes.append(f"{GENERATIONS}: ignored a torn last line ({records.torn_last_line})")
        for record in records.dicts():
            if "id" in record:
                turn = record.get("turn")  # a multi-turn run: one line per turn, judged as "<id>:turn<k>"
                key = turn_id(str(record["id"]), turn) if isinstance(turn, int) else str(record["id"])
                generations[key] = record
    else:
        notes.append(f"{GENERATIONS} is missing; the per-sample view shows judgments only")
    return RunDir(
        path=path,
        config=config,
        generations=generations,
        judgments=judgments,
        judgments_file=judgments_path.name,
        notes=notes,
        jury=jury,
    )
