"""The verdicts file of ``harness compare A B --judge <pairwise> --verdicts FILE``: what ``harness
calibrate FILE --labels LABELS`` compares people's verdicts with.

Why a file of its own: ``compare`` writes nothing into the run directories, yet calibrating a
pairwise judge needs its outcome on every pair. The first line is a header naming the schema and
both runs (their paths and the sha256 of each ``generations.jsonl``, so answers regenerated since
are caught); each further line is one pair: ``id``, ``category``, the comparison's final
``outcome`` (``a``, ``b``, ``tie`` or null when undecided), every order's raw verdict, the judge,
its models and template hash. The header is also how the harness knows it wrote a file: anything
else at the path (a file without it, a symlink, a folder) is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.errors import DataError, UsageError
from harness.io import FileTooLarge, read_bytes_bounded, write_jsonl_atomic
from harness.protocols import PairVerdict
from harness.runs.layout import GENERATIONS

SCHEMA = "harness.pair-verdicts/1"
MAX_BYTES = 256 * 1024 * 1024
HINT = "Write a verdicts file with: harness compare RUN_A RUN_B --judge <pairwise judge> --verdicts FILE"


def generations_sha256(run_dir: Path) -> str:
    """sha256 of the run's ``generations.jsonl`` as it is now ("" when it is gone)."""
    digest = hashlib.sha256()
    try:
        with (Path(run_dir) / GENERATIONS).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline(64 * 1024)


def read_header(path: Path) -> dict[str, Any] | None:
    """The header of a verdicts file the harness wrote; ``None`` for any other file."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        header = json.loads(_first_line(path))
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) and header.get("schema") == SCHEMA else None


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(Path(folder).resolve())


def check_target(path: Path, runs: Sequence[Path]) -> None:
    """Refuse (exit 2), before any judging, a ``--verdicts`` path the harness may not write: one in
    a run directory, or an existing file that is not a verdicts file it wrote."""
    path = Path(path)
    if any(_inside(path.parent, run) for run in runs):
        raise UsageError(
            f"--verdicts {path}: inside a compared run directory; compare writes nothing there",
            hint="Name a file outside both run directories.",
        )
    if os.path.lexists(path) and read_header(path) is None:
        raise UsageError(
            f"--verdicts {path}: exists and is not a verdicts file the harness wrote; "
            "the harness never overwrites it",
            hint="Name a new file, or remove this one yourself.",
        )
    if not path.parent.is_dir():
        raise UsageError(f"--verdicts {path}: the folder {path.parent} does not exist")


def header(runs: Sequence[Path], judge: str, n_pairs: int) -> dict[str, Any]:
    """The first line: the schema, both runs (absolute path, generations sha256), the judge."""
    described = {
        side: {"path": str(Path(run).resolve()), "generations_sha256": generations_sha256(run)}
        for side, run in zip(("a", "b"), runs, strict=True)
    }
    return {"schema": SCHEMA, **described, "judge": judge, "n_pairs": n_pairs}


def _raw_verdicts(verdicts: Iterable[PairVerdict]) -> list[dict[str, Any]]:
    return [
        {
            "order": v.order,
            "verdict": v.verdict,
            "judge": v.judge,
            "model": v.meta.get("answering_model") if isinstance(v.meta, dict) else None,
        }
        for v in verdicts
    ]


def pair_records(
    outcomes: Mapping[str, Mapping[str, Any]],
    verdicts: Sequence[PairVerdict],
    categories: Mapping[str, str],
    judge: str,
    models: list[str],
) -> list[dict[str, Any]]:
    """One record a pair, in id order: its final outcome and the raw verdicts behind it."""
    by_id: dict[str, list[PairVerdict]] = {}
    for verdict in verdicts:
        by_id.setdefault(verdict.id, []).append(verdict)
    records = []
    for pair_id in sorted(outcomes):
        raw = by_id.get(pair_id, [])
        hashes = sorted(
            {
                str(v.meta["template_hash"])
                for v in raw
                if isinstance(v.meta, dict) and v.meta.get("template_hash")
            }
        )
        records.append(
            {
                "id": pair_id,
                "category": categories.get(pair_id, ""),
                "outcome": outcomes[pair_id].get("outcome"),
                "verdicts": _raw_verdicts(raw),
                "judge": judge,
                "judge_models": models,
                "template_hash": hashes[0] if len(hashes) == 1 else hashes or None,
            }
        )
    return records


def write_verdicts(path: Path, runs: Sequence[Path], judge: str, records: list[dict[str, Any]]) -> None:
    """Write the file whole or not at all (checked again: the path may have appeared meanwhile)."""
    check_target(path, runs)
    try:
        write_jsonl_atomic(path, [header(runs, judge, len(records)), *records])
    except OSError as exc:
        raise UsageError(f"--verdicts {path}: cannot write: {exc.strerror or exc}") from None


def _fail(where: str, problem: str) -> DataError:
    return DataError(f"{where}: {problem}", hint=HINT)


def _record(line: bytes, where: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:
        raise _fail(where, "not a JSON line") from None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise _fail(where, "not a pair record (no 'id')")
    if record.get("outcome") not in ("a", "b", "tie", None):
        raise _fail(where, f"outcome {str(record.get('outcome'))[:20]!r} is not a, b, tie or null")
    if not isinstance(record.get("category", ""), str):
        raise _fail(where, "'category' is not text")
    return record


def read_verdicts(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The header and the pair records by id of a verdicts file; exit 2 naming the line otherwise."""
    found = read_header(path)
    if found is None:
        raise _fail(str(path), "not a verdicts file written by harness compare --verdicts")
    try:
        lines = read_bytes_bounded(path, MAX_BYTES).splitlines()
    except (OSError, FileTooLarge) as exc:
        raise _fail(str(path), f"cannot read: {exc}") from None
    pairs: dict[str, dict[str, Any]] = {}
    for line_no, line in enumerate(lines[1:], start=2):
        if line.strip():
            record = _record(line, f"{path} line {line_no}")
            if record["id"] in pairs:
                raise _fail(f"{path} line {line_no}", f"pair {record['id'][:80]!r} appears twice")
            pairs[record["id"]] = record
    return found, pairs


def check_runs_unchanged(path: Path, found: Mapping[str, Any]) -> None:
    """Exit 2 when run A's or B's answers changed since the verdicts were written: the verdicts (and
    any labels of those answers) are of the old answers."""
    for side in ("a", "b"):
        run = found.get(side)
        run = run if isinstance(run, dict) else {}
        recorded, run_path = run.get("generations_sha256"), str(run.get("path") or "")
        if not recorded or generations_sha256(Path(run_path)) != recorded:
            raise DataError(
                f"{path}: run {side.upper()}'s generations ({run_path[:200]}) changed since the verdicts "
                "were written (sha256 differs); the verdicts are of the old answers",
                hint="Compare the runs again with --verdicts, and label the new answers.",
            )
