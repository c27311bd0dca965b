"""Read JSON Lines with errors that name the file, the line number and the offending text.

Two policies, because the files differ in where they come from:

* data files (BELLE's eval set) are pinned inputs: any bad line is an error (``strict``);
* run files (``generations.jsonl``, ``judgments.jsonl``) are appended as a run goes, so a run
  killed mid-write leaves a torn *last* line: that one line is tolerated and reported, a bad line
  anywhere else is still an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data.json_text import TooComplex, loads
from harness.errors import DataError


def _preview(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


@dataclass
class JsonlRecords:
    """Parsed records with their 1-based line numbers, and what was skipped."""

    path: Path
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    torn_last_line: int | None = None  # line number of a tolerated torn final line

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return iter(self.records)

    def dicts(self) -> list[dict[str, Any]]:
        return [record for _, record in self.records]


JSONL_HINT = "Each line must be one JSON object in UTF-8: fix or remove that line."


def read_jsonl_records(
    path: Path | str, *, tolerate_torn_tail: bool = False, label: str | None = None
) -> JsonlRecords:
    """Parse every non-blank line of ``path`` as a JSON object.

    Raises :class:`DataError` ``"<file> line N: <problem>: <text>"`` on a line that is not valid
    JSON or not an object -- except, with ``tolerate_torn_tail``, on the last non-blank line when
    the file does not end with a newline (the signature of an interrupted append).
    """
    path = Path(path)
    name = label or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return parse_jsonl(raw, path=path, label=name, tolerate_torn_tail=tolerate_torn_tail)


def parse_jsonl(
    raw: bytes, *, path: Path | str, label: str | None = None, tolerate_torn_tail: bool = False
) -> JsonlRecords:
    """:func:`read_jsonl_records` on bytes already read (a caller that hashes them parses the same bytes)."""
    path = Path(path)
    name = label or str(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{name} line {line_no}: not valid UTF-8 ({exc.reason})", hint=JSONL_HINT) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    last_content = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    ends_with_newline = text.endswith("\n")
    result = JsonlRecords(path=path)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        line_no = index + 1
        try:
            record = loads(line)
        except TooComplex as exc:
            raise DataError(
                f"{name} line {line_no}: invalid JSON ({exc.msg}): {_preview(line)}", hint=JSONL_HINT
            ) from None
        except json.JSONDecodeError as exc:
            if tolerate_torn_tail and index == last_content and not ends_with_newline:
                result.torn_last_line = line_no
                continue
            raise DataError(
                f"{name} line {line_no}: invalid JSON ({exc.msg} at column {exc.colno}; truncated line?): "
                f"{_preview(line)}",
                hint=JSONL_HINT,
            ) from None
        if not isinstance(record, dict):
            raise DataError(
                f"{name} line {line_no}: expected a JSON object, got {type(record).__name__}: {_preview(line)}",
                hint=JSONL_HINT,
            )
        result.records.append((line_no, record))
    return result
