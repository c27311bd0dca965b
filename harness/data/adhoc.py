"""An ad-hoc eval set from a file: ``harness run --dataset my.jsonl --field question=q,reference=gold``.

For a quick look at a model on questions of one's own, without writing a plugin. The file is a
pinned input like BELLE's set, so every row is checked before anything runs and every bad row is
reported with its line (a JSON array: its item and line; a CSV: its line), up to
:data:`MAX_REPORTED` of them at once, so one edit fixes them all:

* ``.jsonl``: one JSON object per line (read by :func:`harness.data.jsonl.read_jsonl_records`);
* ``.json``: one JSON array of objects;
* ``.csv``: a header row naming the fields, then one row per sample.

``--field target=source,...`` says which field of a row holds what; unmapped targets read the
field of their own name. ``question`` and ``category`` must be non-empty strings in every row;
``reference`` (the gold answer) is optional unless mapped, then it must be there (a string,
empty allowed); ``id`` is taken from the row when it has one (a string or an integer), else it
is ``line-<N>``; ids must be unique.

Categories: a row's category that names a registered category (its id, or one of its
``source_names`` such as ``open qa``) is that category, with its judge prompt and its Table 5
column. Any other category is *its own* category and its own report column after the registered
ones, never mapped onto a Table 5 column; the LLM judge asks about it with BELLE's generic prompts
(open qa's when every sample of it has a gold answer, else generation's: no gold shown). See
:func:`adhoc_categories`.

The file's bytes are read once: the sha256 recorded in ``run.json`` (``dataset_sha256``, part of
the run's fingerprint) is that of the very bytes parsed, so a run's figures trace back to one
file, and a named run whose file has changed is not resumed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.component_bases import EvalDatasetComponent
from harness.data.json_text import LineCounter, raw_decode, skip_whitespace
from harness.data.jsonl import parse_jsonl
from harness.data.size_cap import read_capped
from harness.errors import DataError, UsageError
from harness.manager import get_registry
from harness.protocols import EvalSample
from harness.specs import CategorySpec

SUFFIXES = (".jsonl", ".json", ".csv")
TARGETS = ("question", "reference", "category", "id")
MAX_REPORTED = 10
FIELD_HINT = (
    "Fix those rows (or map the right fields with --field question=<f>,reference=<f>,category=<f>,id=<f>) "
    "and run the same command again."
)
# BELLE prompts an ad-hoc category borrows (see the module docstring)
GOLD_PROMPT_FROM, NO_GOLD_PROMPT_FROM = "open_qa", "generation"


def is_dataset_file(value: str | None) -> bool:
    """Whether ``--dataset`` names a file (by its suffix) rather than a registered dataset."""
    return bool(value) and str(value).lower().endswith(SUFFIXES)


def parse_fields(text: str | None) -> dict[str, str]:
    """``"question=q,reference=gold"`` -> ``{"question": "q", "reference": "gold"}``; exit 2 when malformed."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        target, sep, source = (s.strip() for s in part.partition("="))
        if not sep or not target or not source:
            raise UsageError(
                f"--field {part!r}: expected target=field, e.g. question=q",
                hint=f"Targets: {', '.join(TARGETS)}.",
            )
        if target not in TARGETS:
            raise UsageError(f"--field: unknown target {target!r}", hint=f"Targets: {', '.join(TARGETS)}.")
        if target in mapping:
            raise UsageError(f"--field: {target!r} is mapped twice")
        mapping[target] = source
    return mapping


def canonical_fields(text: str | None) -> str | None:
    """The mapping written in a fixed order (what the run's configuration records), ``None`` if empty."""
    mapping = parse_fields(text)
    return ",".join(f"{t}={mapping[t]}" for t in TARGETS if t in mapping) or None


@dataclass
class AdhocDataset(EvalDatasetComponent):
    """The eval samples of one file; :meth:`load` validates every row (see the module docstring)."""

    path: Path
    fields: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, CategorySpec] | None = None
    name: str = "file"
    _raw: bytes | None = None

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if isinstance(self.fields, str) or self.fields is None:
            self.fields = parse_fields(self.fields)

    # ----------------------------------------------------------------------------- the file

    def read(self) -> bytes:
        """The file's bytes, read once (the hash and the samples come from the same bytes), at most
        :func:`~harness.data.size_cap.max_dataset_bytes` of them."""
        if self._raw is None:
            if not self.path.is_file():
                raise UsageError(
                    f"--dataset {self.path}: no such file",
                    hint="Give a .jsonl, .json or .csv file, or a registered dataset (harness list).",
                )
            self._raw = read_capped(self.path)
        return self._raw

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.read()).hexdigest()

    def record(self) -> dict[str, Any]:
        """What ``run.json`` records about the file (``dataset_file``)."""
        return {
            "path": str(self.path.resolve()),
            "sha256": self.sha256,
            "bytes": len(self.read()),
            "format": self.path.suffix.lower().lstrip("."),
            "fields": dict(self.fields),
        }

    def _rows(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(where, line, row) for every row; where is ``"line N"`` or ``"item N (line L)"``."""
        suffix = self.path.suffix.lower()
        if suffix == ".jsonl":
            return [(f"line {n}", n, row) for n, row in parse_jsonl(self.read(), path=self.path)]
        text = _decode(self.path, self.read())
        if suffix == ".json":
            return _json_rows(self.path, text)
        return _csv_rows(self.path, text)

    # ---------------------------------------------------------------------------- samples

    def load(self) -> list[EvalSample]:
        categories = self.categories
        if categories is None:
            categories = get_registry().categories()
        by_source = {name.casefold(): spec.name for spec in categories.values() for name in spec.source_names}
        src = {t: self.fields.get(t, t) for t in TARGETS}
        problems: list[str] = []
        samples: list[EvalSample] = []
        first_seen: dict[str, str] = {}
        for where, line, row in self._rows():
            bad = _row_problems(row, src, reference_required="reference" in self.fields)
            if bad:
                problems.append(f"{self.path} {where}: {'; '.join(bad)}")
                continue
            raw_id = row.get(src["id"])
            sample_id = f"line-{line}" if raw_id in (None, "") else str(raw_id)
            if sample_id in first_seen:
                problems.append(
                    f"{self.path} {where}: duplicate id {sample_id!r} (first at {first_seen[sample_id]})"
                )
                continue
            first_seen[sample_id] = where
            category = row[src["category"]].strip()
            category = category if category in categories else by_source.get(category.casefold(), category)
            samples.append(
                EvalSample(
                    id=sample_id,
                    question=row[src["question"]],
                    category=category,
                    reference=row.get(src["reference"]) or "",
                    meta={"where": where},
                )
            )
        if problems:
            more = (
                f"\n... and {len(problems) - MAX_REPORTED} more bad rows"
                if len(problems) > MAX_REPORTED
                else ""
            )
            raise DataError(
                f"{len(problems)} bad row(s) in {self.path}:\n" + "\n".join(problems[:MAX_REPORTED]) + more,
                hint=FIELD_HINT,
            )
        if not samples:
            raise DataError(f"{self.path}: no rows", hint="A dataset file needs at least one question.")
        return samples


def adhoc_categories(
    samples: list[EvalSample], registered: Mapping[str, CategorySpec]
) -> dict[str, CategorySpec]:
    """A :class:`CategorySpec` for every category of ``samples`` that no plugin registers: its own
    group (its own report column, outside Table 5) and BELLE's open qa prompt with the gold answer
    shown when every sample of it has one, else the generation prompt without it."""
    out: dict[str, CategorySpec] = {}
    for name in sorted({s.category for s in samples} - set(registered)):
        has_gold = all(s.reference.strip() for s in samples if s.category == name)
        borrowed = registered.get(GOLD_PROMPT_FROM if has_gold else NO_GOLD_PROMPT_FROM)
        out[name] = CategorySpec(
            name=name,
            display_name=name,
            group=name,
            gold_shown=has_gold,
            prompt=borrowed.prompt if borrowed else "",
            description=f"ad-hoc category (judge prompt from {borrowed.name if borrowed else 'none'})",
        )
    return out


def _row_problems(row: dict[str, Any], src: Mapping[str, str], *, reference_required: bool) -> list[str]:
    bad = []
    for target in ("question", "category"):
        value = row.get(src[target])
        label = src[target] if src[target] == target else f"{src[target]!r} (the {target})"
        if src[target] not in row:
            bad.append(f"missing field {label}")
        elif not isinstance(value, str):
            bad.append(f"field {label} must be a string, not {_kind(value)}")
        elif not value.strip():
            bad.append(f"field {label} is empty")
    ref = src["reference"]
    if ref in row and row[ref] is not None and not isinstance(row[ref], str):
        bad.append(f"field {ref!r} (the reference) must be a string, not {_kind(row[ref])}")
    elif reference_required and ref not in row:
        bad.append(f"missing field {ref!r} (the reference)")
    raw_id = row.get(src["id"])
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        bad.append(f"field {src['id']!r} (the id) must be a string or an integer, not {_kind(raw_id)}")
    return bad


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        bool: "a boolean",
        type(None): "null",
        int: "an integer",
        float: "a number",
    }.get(type(value), f"a {type(value).__name__}")


def _decode(path: Path, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path} line {line}: not valid UTF-8 ({exc.reason})", hint="Save the file as UTF-8."
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _json_rows(path: Path, text: str) -> list[tuple[str, int, dict[str, Any]]]:
    decoder = json.JSONDecoder()
    lines = LineCounter(text)
    pos = skip_whitespace(text, 0)
    if not text.startswith("[", pos):
        raise DataError(
            f"{path} line {lines.at(pos)}: expected a JSON array of objects",
            hint='A .json dataset is one array: [{"question": ...}, ...]; or use .jsonl.',
        )
    rows: list[tuple[str, int, dict[str, Any]]] = []
    pos = skip_whitespace(text, pos + 1)
    item = 0
    while not text.startswith("]", pos):
        item += 1
        line = lines.at(pos)
        where = f"item {item} (line {line})"
        try:
            value, pos = raw_decode(decoder, text, pos, where=f"{path} {where}")
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{path} line {exc.lineno}: invalid JSON ({exc.msg} at column {exc.colno})",
                hint="Fix the JSON (a validator shows the spot) and run again.",
            ) from None
        if not isinstance(value, dict):
            raise DataError(f"{path} {where}: expected a JSON object, got {type(value).__name__}")
        rows.append((where, line, value))
        pos = skip_whitespace(text, pos)
        if text.startswith(",", pos):
            pos = skip_whitespace(text, pos + 1)
        elif not text.startswith("]", pos):
            raise DataError(f"{path} line {lines.at(pos)}: expected ',' or ']' after item {item}")
    if skip_whitespace(text, pos + 1) != len(text):
        raise DataError(f"{path} line {lines.at(pos)}: text after the closing ']'")
    return rows


def _csv_rows(path: Path, text: str) -> list[tuple[str, int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(
            f"{path}: empty file", hint="A .csv dataset starts with a header row naming the fields."
        ) from None
    except csv.Error as exc:
        raise DataError(f"{path} line 1: not CSV ({exc})") from None
    header = [h.strip() for h in header]
    rows: list[tuple[str, int, dict[str, Any]]] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(f"{path} line {start}: not CSV ({exc})") from None
        if any(c.strip() for c in cells):
            if len(cells) != len(header):
                raise DataError(
                    f"{path} line {start}: {len(cells)} cells, the header has {len(header)}",
                    hint="Quote cells that hold commas or line breaks.",
                )
            rows.append((f"line {start}", start, dict(zip(header, cells, strict=True))))
        start = reader.line_num + 1
    return rows
