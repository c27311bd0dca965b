"""The one reader of a judgments file: every line is checked as a judgment before anything uses it.

``harness run`` (resuming), ``harness judge``, ``report`` and ``compare`` all read judgments here,
so a line without an ``id``, with a list for one, a ``repeat`` that is not a whole number >= 0 or a
status the harness never writes is exit 2 naming the file and line -- the user must fix the file --
rather than a ``KeyError`` in one command and a wrong figure in another.

One ``(id, repeat)`` is counted once: the line of the best status (scored over unscored over
failed), the later among equals -- a ``failed`` line followed by its retry is the normal case. Two
*different* verdicts for one pair are not (a hand edit, files pasted together): they are listed in
``conflicts`` so that every reader says which line it used. A jury's line names its ``juror`` (a
non-empty text): each juror judges every pair, so its unit is (id, repeat, juror).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data.jsonl import read_jsonl_records
from harness.errors import DataError

STATUS_RANK = {"scored": 2, "unscored": 1, "failed": 0}
HINT = (
    "Each line of a judgments file is one judgment: a text 'id', a 'category', a 'status' "
    "(scored, unscored or failed) and, if any, a whole-number 'repeat' >= 0. Fix or remove that line."
)


def judgment_key(record: dict[str, Any]) -> tuple[Any, ...]:
    """``(id, repeat)`` of a checked record: the unit judged once (a missing repeat is 0); a jury's
    line (``juror``: the judge model) is ``(id, repeat, juror)``: each juror judges every unit."""
    key = (record["id"], record.get("repeat") or 0)
    return (*key, record["juror"]) if "juror" in record else key


def line_problem(record: dict[str, Any]) -> str | None:
    """What makes ``record`` no judgment (``None`` when it is one)."""
    sample_id, repeat = record.get("id"), record.get("repeat")
    if not isinstance(sample_id, str) or not sample_id:
        return (
            "no 'id'"
            if sample_id is None
            else f"'id' must be a non-empty text, not {type(sample_id).__name__}"
        )
    if not isinstance(record.get("category"), str) or not record["category"]:
        return "'category' must be a non-empty text"
    if record.get("status") not in STATUS_RANK:
        return f"'status' must be one of {', '.join(STATUS_RANK)}"
    if repeat is not None and (type(repeat) is not int or repeat < 0):
        return f"'repeat' must be a whole number >= 0, not {str(repeat)[:40]!r}"
    if "juror" in record and (not isinstance(record["juror"], str) or not record["juror"]):
        return "'juror' must be a non-empty text (the judge model)"
    return None


def is_better(record: dict[str, Any], current: dict[str, Any] | None) -> bool:
    """Whether ``record``, read after ``current``, replaces it as its pair's judgment."""
    return current is None or STATUS_RANK[record["status"]] >= STATUS_RANK[current["status"]]


@dataclass
class JudgmentLines:
    """A judgments file's checked records, a tolerated torn last line, and differing verdicts."""

    path: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    torn_last_line: int | None = None
    conflicts: list[str] = field(default_factory=list)

    def conflict_note(self) -> str | None:
        """One line saying which verdicts differed and which was used (``None`` without any)."""
        if not self.conflicts:
            return None
        return (
            f"{self.path.name}: {len(self.conflicts)} (id, repeat) pair(s) have differing verdicts; each "
            f"counts once, by its last line of the best status (first: {self.conflicts[0]})"
        )


def _conflicts(numbered: list[tuple[int, dict[str, Any]]]) -> list[str]:
    """Pairs with two final verdicts that differ (status or score), and the line each one uses."""
    seen: dict[tuple[Any, ...], list[tuple[int, dict[str, Any]]]] = {}
    for line_no, record in numbered:
        if record["status"] != "failed":
            seen.setdefault(judgment_key(record), []).append((line_no, record))
    found = []
    for (sample_id, repeat, *juror), lines in seen.items():
        if len({(r["status"], repr(r.get("score"))) for _, r in lines}) > 1:
            used = None
            for line_no, record in lines:
                used = (line_no, record) if used is None or is_better(record, used[1]) else used
            assert used is not None  # every key of seen has a line
            numbers = ", ".join(str(n) for n, _ in lines)
            by = f" juror {juror[0]!r}" if juror else ""
            found.append(f"id {sample_id!r} repeat {repeat}{by}: lines {numbers}, line {used[0]} used")
    return found


def read_judgment_lines(path: Path | str) -> JudgmentLines:
    """Read and check ``path`` (a torn last line is tolerated); a bad line is a :class:`DataError`."""
    path = Path(path)
    parsed = read_jsonl_records(path, tolerate_torn_tail=True)
    for line_no, record in parsed:
        problem = line_problem(record)
        if problem:
            raise DataError(f"{path} line {line_no}: not a judgment: {problem}", hint=HINT)
    return JudgmentLines(
        path=path,
        records=parsed.dicts(),
        torn_last_line=parsed.torn_last_line,
        conflicts=_conflicts(parsed.records),
    )
