"""Typed records of ``scores.json`` (schema ``harness.scores/1``, see :mod:`.aggregate`).

Why records: the scores travel from scoring through every report and ``compare``; attribute access
lets the type checker see a misspelt key that a dict would hide until a run reached it. They are
converted to and from dicts only at the file boundary (:meth:`Scores.from_dict`,
:meth:`Scores.to_dict`, :func:`load_scores`), and ``to_dict`` gives back the keys in the order the
dict-based writer used, so ``scores.json`` is byte for byte what it was.

Files written by older versions still load: ``headline``, ``scale`` and ``rejected_scores`` (which
older versions did not write) are optional and stay absent when written back. Top-level keys other
than the figures computed here (``run``, ``notes``, ``judge_bias``, ``paper``... and any unknown
key, from a newer version or another tool) are *kept* verbatim, in order, in :attr:`Scores.sections`;
unknown keys *inside* a figure are ignored (a figure is what this module computes, nothing else).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from harness.data.json_text import read_json_object
from harness.errors import UsageError
from harness.scales import ScoreScale

SCHEMA = "harness.scores/1"
_OPTIONAL_TOP = ("headline", "scale", "rejected_scores")  # keys older versions did not write
_R = TypeVar("_R")


class ScoresFormatError(ValueError):
    """A scores dict that is not what ``harness.scores/1`` holds (the message says where)."""


@dataclass(frozen=True)
class CategoryScore:
    """One category's figures: mean over its scored samples, its interval, counts and repeats."""

    display_name: str
    group: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_samples: int
    n_unscored: int
    n_failed: int
    unscored_rate: float
    failed_rate: float
    repeats: int
    repeat_sd: float | None


@dataclass(frozen=True)
class ColumnScore:
    """One report column (a category group): mean over its categories' pooled scored samples."""

    label: str
    categories: tuple[str, ...]
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_samples: int
    n_unscored: int
    n_failed: int


@dataclass(frozen=True)
class MacroScore:
    """A macro average of column means, and the columns it averaged."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Headline:
    """The figure a run is quoted by (:mod:`.headline`)."""

    aggregation: str
    name: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    bootstrap_unit: str


@dataclass(frozen=True)
class Totals:
    """Counts over every sample of the run."""

    n_samples: int
    n: int
    n_unscored: int
    n_failed: int
    unscored_rate: float
    failed_rate: float


@dataclass(frozen=True)
class BootstrapSettings:
    """How the intervals were drawn (to redraw them)."""

    method: str
    n_resamples: int
    seed: int
    confidence: float


def _accepts(kind: Any, value: Any) -> bool:
    """Whether ``value`` (read from JSON) fits the annotation ``kind`` (a number never a bool)."""
    if kind is Any:
        return True
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return any(_accepts(k, value) for k in typing.get_args(kind))
    if kind is type(None):
        return value is None
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typing.get_origin(kind) is tuple:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, kind)


def _flat(cls: type[_R], data: Any, where: str) -> _R:
    """A flat record of ``cls`` from ``data``; every field required and of its annotated type."""
    if not isinstance(data, Mapping):
        raise ScoresFormatError(f"{where}: expected an object, got {type(data).__name__}")
    values = {}
    for name, kind in typing.get_type_hints(cls).items():
        if name not in data:
            raise ScoresFormatError(f"{where}: no {name!r}")
        if not _accepts(kind, data[name]):
            raise ScoresFormatError(f"{where}.{name}: not a {kind}: {data[name]!r:.60}")
        value = data[name]
        values[name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


def _plain(record: Any) -> dict[str, Any]:
    """A flat record as the dict written (tuples as lists), in field order."""
    return {
        f.name: list(v) if isinstance(v := getattr(record, f.name), tuple) else v
        for f in dataclasses.fields(record)
    }


def _table(cls: type[_R], data: Any, where: str) -> dict[str, _R]:
    if not isinstance(data, Mapping):
        raise ScoresFormatError(f"{where}: expected an object, got {type(data).__name__}")
    return {str(key): _flat(cls, row, f"{where}.{key}") for key, row in data.items()}


def _strings(data: Any, where: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        raise ScoresFormatError(f"{where}: expected a list of strings")
    return tuple(data)


def _scale(data: Any) -> ScoreScale | None:
    try:
        return None if data is None else ScoreScale.from_value(data)
    except (ValueError, TypeError) as exc:
        raise ScoresFormatError(f"scale: {exc}") from None


@dataclass(frozen=True)
class Scores:
    """What ``scores.json`` holds: the figures scoring computed, then the report's sections."""

    schema: str
    headline: Headline | None
    categories: Mapping[str, CategoryScore]
    columns: Mapping[str, ColumnScore]
    column_order: tuple[str, ...]
    macro: MacroScore
    macro_wo_others: MacroScore
    totals: Totals
    bootstrap: BootstrapSettings
    scale: ScoreScale | None
    rejected_scores: tuple[str, ...] | None
    # the report step's sections (run, notes, jury, turns, published, judge_bias, calibration,
    # paper) and unknown keys, in file order: each is owned by the module that computes it
    sections: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scores:
        """The record of a scores dict; :class:`ScoresFormatError` saying which key is wrong."""
        if not isinstance(data, Mapping):
            raise ScoresFormatError(f"expected an object, got {type(data).__name__}")
        top = {f.name for f in dataclasses.fields(cls)} - {"sections"}
        headline = data.get("headline")
        rejected = data.get("rejected_scores")
        return cls(
            schema=str(data.get("schema", SCHEMA)),
            headline=None if headline is None else _flat(Headline, headline, "headline"),
            categories=_table(CategoryScore, data.get("categories"), "categories"),
            columns=_table(ColumnScore, data.get("columns"), "columns"),
            column_order=_strings(data.get("column_order"), "column_order"),
            macro=_flat(MacroScore, data.get("macro"), "macro"),
            macro_wo_others=_flat(MacroScore, data.get("macro_wo_others"), "macro_wo_others"),
            totals=_flat(Totals, data.get("totals"), "totals"),
            bootstrap=_flat(BootstrapSettings, data.get("bootstrap"), "bootstrap"),
            scale=_scale(data.get("scale")),
            rejected_scores=None if rejected is None else _strings(rejected, "rejected_scores"),
            sections={k: v for k, v in data.items() if k not in top},
        )

    def to_dict(self) -> dict[str, Any]:
        """The dict ``scores.json`` holds, keys in the order the writer has always used."""
        out: dict[str, Any] = {
            "schema": self.schema,
            "headline": None if self.headline is None else _plain(self.headline),
            "categories": {k: _plain(v) for k, v in self.categories.items()},
            "columns": {k: _plain(v) for k, v in self.columns.items()},
            "column_order": list(self.column_order),
            "macro": _plain(self.macro),
            "macro_wo_others": _plain(self.macro_wo_others),
            "totals": _plain(self.totals),
            "bootstrap": _plain(self.bootstrap),
            "scale": None if self.scale is None else self.scale.to_dict(),
            "rejected_scores": None if self.rejected_scores is None else list(self.rejected_scores),
        }
        for key in _OPTIONAL_TOP:  # absent in an older file: stays absent
            if out[key] is None:
                del out[key]
        return {**out, **self.sections}

    def with_sections(self, **sections: Any) -> Scores:
        """These scores with ``sections`` set (an existing one keeps its place, as a dict would)."""
        return dataclasses.replace(self, sections={**self.sections, **sections})

    def section(self, key: str) -> Any:
        """A report section (``None`` when absent): the record of the module that wrote it."""
        return self.sections.get(key)

    @property
    def run(self) -> Mapping[str, Any]:
        """Who produced the run (:meth:`harness.report.rundir.RunDir.describe`); ``{}`` without."""
        return self.sections.get("run") or {}

    @property
    def notes(self) -> list[str]:
        return list(self.sections.get("notes") or [])

    @property
    def scale_or_default(self) -> ScoreScale:
        """The judge's declared scale; 0..1 pointwise for a file older than declared scales."""
        return self.scale or ScoreScale()


def load_scores(path: Path) -> Scores:
    """The scores of ``path`` (a ``scores*.json``); a damaged or foreign file is a usage error naming
    it (and the line, for bad JSON) -- never a traceback."""

    data = read_json_object(path)
    try:
        return Scores.from_dict(data)
    except ScoresFormatError as exc:
        raise UsageError(
            f"{path}: not a scores file: {exc}", hint="Write it again: harness report RUN_DIR."
        ) from None
