"""What the cleaner reads: instruction-data files (strictly) or a registered dataset.

Training loaders tolerate a few bad records (they count and report them); a cleaner must not: a
record it cannot read would silently vanish from the kept set *and* from the report of what was
dropped. So here any record that is not valid JSON, not an object, or not one of the three
instruction formats is a :class:`~harness.errors.DataError` (exit status 2) naming the file and
the line the record starts on:

* Alpaca: ``instruction`` (+ ``input``) and ``output`` (BELLE's ``Belle_open_source_*``, the Alpaca
  files); the bilingual open-chinese file's plain fields are its Chinese side;
* conversations: ``conversations: [{from, value}, ...]`` (ShareGPT, BELLE's multi-turn format);
* eval questions: ``question`` (+ ``std_answer``) (BELLE's eval set).

Containers are detected from the content, as for training (:mod:`harness.training.data.files`):
a JSON array or JSON Lines, plain or ``.xz``/``.gz``. Kept records are written back exactly as read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data.json_text import LineCounter, loads, raw_decode
from harness.data.size_cap import read_capped
from harness.errors import DataError
from harness.protocols import EvalSample


@dataclass(frozen=True)
class CleanItem:
    """One sample: where it came from, its text by role, and the record to write if it is kept."""

    id: str
    origin: str  # file name or dataset name
    line: int | None  # 1-based line the record starts on (files only)
    instruction: str  # the human side (all human turns, newline-joined)
    response: str  # the assistant side (all assistant turns), may be empty (eval questions)
    record: dict[str, Any]

    def text(self, on: str = "sample") -> str:
        """The text a stage compares: ``instruction``, ``response`` or the whole ``sample``."""
        if on == "instruction":
            return self.instruction
        if on == "response":
            return self.response
        return f"{self.instruction}\n{self.response}" if self.response else self.instruction

    def where(self) -> str:
        return f"{self.origin} line {self.line}" if self.line is not None else f"{self.origin} {self.id}"


def _json_records(text: str, origin: str) -> list[tuple[int, Any]]:
    """``(line, value)`` of every record of a JSON array or JSON Lines document."""
    start = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    if text[start : start + 1] == "[":
        decoder = json.JSONDecoder()
        lines = LineCounter(text)
        out: list[tuple[int, Any]] = []
        pos = start + 1
        while True:
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos < len(text) and text[pos] == "]" and not out:
                pos += 1
                break
            line_no = lines.at(pos)
            try:
                value, end = raw_decode(decoder, text, pos, where=f"{origin} line {line_no}")
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{origin} line {exc.lineno}: invalid JSON ({exc.msg} at column {exc.colno})"
                ) from None
            out.append((line_no, value))
            pos = end
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            raise DataError(f"{origin} line {lines.at(pos)}: invalid JSON (expected ',' or ']' in the array)")
        if text[pos:].strip():
            raise DataError(f"{origin} line {lines.at(pos)}: invalid JSON (text after the array)")
        return out
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, loads(line, where=f"{origin} line {number}")))
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{origin} line {number}: invalid JSON ({exc.msg} at column {exc.colno}): {line[:60]!r}"
            ) from None
    return records


def _text(record: dict[str, Any], key: str, where: str, *, required: bool) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise DataError(f"{where}: no {key!r} field")
        return ""
    if not isinstance(value, str):
        raise DataError(f"{where}: {key!r} is {type(value).__name__}, not text")
    return value


def item_from_record(record: Any, *, origin: str, line: int) -> CleanItem:
    """A :class:`CleanItem` of one file record, or :class:`DataError` saying what is wrong and where."""
    where = f"{origin} line {line}"
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
    record_id = str(record["id"]) if isinstance(record.get("id"), str | int) else f"{origin}:{line}"
    if "conversations" in record:
        turns = record["conversations"]
        if not isinstance(turns, list) or not turns:
            raise DataError(f"{where}: 'conversations' must be a non-empty list")
        human: list[str] = []
        assistant: list[str] = []
        for number, turn in enumerate(turns):
            if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
                raise DataError(f"{where}: turn {number} is not an object with a text 'value'")
            role = str(turn.get("from", "")).lower()
            (human if role in ("human", "user") else assistant).append(turn["value"])
        instruction, response = "\n".join(human), "\n".join(assistant)
    elif "instruction" in record:
        instruction = _text(record, "instruction", where, required=True).strip()
        extra = _text(record, "input", where, required=False).strip()
        instruction = f"{instruction}\n{extra}" if extra else instruction
        response = _text(record, "output", where, required=True)
    elif "question" in record:
        instruction = _text(record, "question", where, required=True)
        response = _text(record, "std_answer", where, required=False)
    else:
        keys = ", ".join(sorted(map(str, record))[:6]) or "none"
        raise DataError(
            f"{where}: not an instruction record (keys: {keys})",
            hint="Expected instruction/input/output (Alpaca), conversations (ShareGPT/BELLE) "
            "or question/std_answer (BELLE eval).",
        )
    if not instruction.strip():
        raise DataError(f"{where}: empty instruction")
    return CleanItem(
        id=record_id, origin=origin, line=line, instruction=instruction, response=response, record=record
    )


def input_file(path: Path) -> Path | None:
    """The file :func:`read_file_items` reads for ``path`` (itself, else its ``.xz``/``.gz`` copy),
    or ``None`` when there is none (``path`` then names a dataset, or nothing)."""
    from harness.training.data.files import resolve_data_file

    try:
        return resolve_data_file(path)
    except DataError:
        return None


def read_file_items(path: Path) -> list[CleanItem]:
    """Every record of ``path`` as a :class:`CleanItem` (strict: see the module docstring)."""
    from harness.training.data.files import resolve_data_file

    real = resolve_data_file(path)
    raw = read_capped(real)
    origin = real.name
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{real} line {line}: not UTF-8 ({exc.reason})") from None
    records = _json_records(text, str(real))
    if not records:
        raise DataError(f"{real}: no records")
    return [item_from_record(record, origin=origin, line=line) for line, record in records]


def items_from_dataset(name: str, records: Sequence[Any]) -> list[CleanItem]:
    """Items of a registered dataset's loaded records (conversations or eval samples)."""
    items = []
    for record in records:
        if isinstance(record, EvalSample):  # a multi-turn one holds every user turn and reference
            instruction = "\n".join(record.turns) if record.multi_turn else record.question
            response = "\n".join(record.references) if record.multi_turn else record.reference
        else:  # a training Conversation: (role, text) turns
            instruction = "\n".join(text for role, text in record.turns if role == "human")
            response = "\n".join(text for role, text in record.turns if role != "human")
        items.append(
            CleanItem(
                id=str(record.id),
                origin=name,
                line=None,
                instruction=instruction,
                response=response,
                record=record.to_dict(),
            )
        )
    return items


def check_unique_ids(items: Sequence[CleanItem]) -> None:
    """Ids name samples in the report, so they must be unique across all inputs."""
    seen: dict[str, CleanItem] = {}
    for item in items:
        if item.id in seen:
            raise DataError(
                f"{item.where()}: id {item.id!r} was already used by {seen[item.id].where()}",
                hint="Ids name samples in the report; give every record a unique 'id'.",
            )
        seen[item.id] = item
