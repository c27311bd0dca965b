"""The one reader of a human labels file: every line checked before any figure uses it.

A labels file gives people's judgments of some of a run's samples: JSON Lines with ``id`` and
``score`` (pointwise, on the judge's scale) or ``id`` and ``verdict`` (pairwise: ``a``, ``b`` or
``tie``), or a CSV with those column names in its header. Other keys (an annotator, a note) are
kept out of the figures. A wrong label is worse than none, so an unknown id, a score that is not a
number on the judge's scale, an id labelled twice, a file mixing scores and verdicts, or a file
with no label at all is exit 2 naming the file and line: the user fixes the file, the harness never
guesses (and never writes to it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data.jsonl import parse_jsonl
from harness.errors import DataError
from harness.scales import ScoreScale, check_score

MAX_BYTES = 64 * 1024 * 1024
VERDICTS = ("a", "b", "tie")
HINT = (
    'A labels file has one label per line: JSON Lines {"id": ..., "score": ...} (or "verdict": '
    "a, b or tie), or a CSV with an id,score header; each id of the run at most once."
)


@dataclass
class Labels:
    """A checked labels file: ``values`` maps sample id to a score (float) or a verdict (str)."""

    path: Path
    kind: str  # "pointwise" or "pairwise"
    values: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""


def _fail(where: str, problem: str) -> DataError:
    return DataError(f"{where}: {problem}", hint=HINT)


def _raw(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fail(str(path), f"cannot read the labels file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise _fail(str(path), f"the labels file is larger than {MAX_BYTES // 2**20} MiB")
    return raw


def _csv_rows(raw: bytes, path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        raise _fail(f"{path} line {line_no}", "not valid UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or "id" not in reader.fieldnames:
        raise _fail(f"{path} line 1", "the CSV header has no 'id' column")
    rows = []
    for row in reader:
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            rows.append((reader.line_num, {k: v for k, v in row.items() if k is not None}))
    return rows


def _number(value: Any) -> Any:
    """A CSV cell as a number when it is one (``float`` rejects nothing finite it should accept)."""
    if not isinstance(value, str):
        return value
    try:
        return float(value.strip())
    except ValueError:
        return value


def _kind(record: dict[str, Any], where: str) -> str:
    has_score, has_verdict = record.get("score") not in (None, ""), record.get("verdict") not in (None, "")
    if has_score == has_verdict:
        raise _fail(where, "a label needs exactly one of 'score' and 'verdict'")
    return "pointwise" if has_score else "pairwise"


def _value(record: dict[str, Any], kind: str, scale: ScoreScale, where: str) -> Any:
    if kind == "pairwise":
        verdict = record["verdict"]
        if not isinstance(verdict, str) or verdict.strip().lower() not in VERDICTS:
            raise _fail(where, f"verdict {str(verdict)[:40]!r} is not one of {', '.join(VERDICTS)}")
        return verdict.strip().lower()
    score, reason = check_score(_number(record["score"]), scale)
    if score is None or not math.isfinite(score):
        raise _fail(where, f"{reason} (the judge's scale)")
    return score


def _check_id(record: dict[str, Any], where: str, known: Collection[str], seen: dict[str, str]) -> str:
    sample_id = record.get("id")
    if isinstance(sample_id, (int, float)) and not isinstance(sample_id, bool):
        sample_id = str(sample_id)
    if not isinstance(sample_id, str) or not sample_id.strip():
        raise _fail(where, "no 'id' (a non-empty text)")
    sample_id = sample_id.strip()
    if sample_id not in known:
        raise _fail(where, f"id {sample_id[:80]!r} is not a sample of this run")
    if sample_id in seen:
        raise _fail(where, f"id {sample_id[:80]!r} is labelled twice (first at {seen[sample_id]})")
    return sample_id


def read_labels(
    path: Path | str, *, known_ids: Collection[str], scale: ScoreScale, expect: str | None = None
) -> Labels:
    """Read and check ``path`` (``.csv`` by its suffix, else JSON Lines) against the run's ids and
    the judge's scale; any bad line is a :class:`DataError` naming the file and line. ``expect``
    (``pointwise`` or ``pairwise``): the only kind of label accepted."""
    path = Path(path)
    raw = _raw(path)
    rows = (
        _csv_rows(raw, path)
        if path.suffix.lower() == ".csv"
        else parse_jsonl(raw, path=path, label=str(path)).records
    )
    if not rows:
        raise _fail(str(path), "the labels file has no label")
    kind = expect or _kind(rows[0][1], f"{path} line {rows[0][0]}")
    labels = Labels(path=path, kind=kind, sha256=hashlib.sha256(raw).hexdigest())
    seen: dict[str, str] = {}
    for line_no, record in rows:
        where = f"{path} line {line_no}"
        if _kind(record, where) != labels.kind:
            first = f"this judge needs {kind} labels" if expect else f"the file's first label is {kind}"
            raise _fail(where, f"{first}; one file holds one kind of label")
        sample_id = _check_id(record, where, known_ids, seen)
        labels.values[sample_id] = _value(record, labels.kind, scale, where)
        seen[sample_id] = f"line {line_no}"
    return labels
