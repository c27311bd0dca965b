"""Typed records of a paired comparison of two runs (``harness compare``; :mod:`.paired`).

Why records: the comparison goes from :mod:`.paired` to the terminal table, the ``--html`` page and
``--json``; attribute access lets the type checker see every key each of them reads. The records are
only ever written (``--json``), never read back, so there is :meth:`Comparison.to_dict` and no
``from_dict``; it gives the keys in the order the dict-based code printed them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.scales import ScoreScale
from harness.scoring.records import BootstrapSettings


def _plain(record: Any) -> dict[str, Any]:
    """A flat record as a dict, in field order, tuples as lists."""
    return {
        f.name: list(v) if isinstance(v := getattr(record, f.name), tuple) else v
        for f in dataclasses.fields(record)
    }


@dataclass(frozen=True)
class Delta:
    """``B - A`` of one figure over the pairs scored in both runs, with its interval and p-value."""

    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_pairs: int


@dataclass(frozen=True)
class CategoryDelta:
    display_name: str
    delta: Delta

    def to_dict(self) -> dict[str, Any]:
        return {"display_name": self.display_name, **_plain(self.delta)}


@dataclass(frozen=True)
class ColumnDelta:
    label: str
    delta: Delta
    categories: tuple[str, ...] = ()  # what the column pools (names the macro; not in --json)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, **_plain(self.delta)}


@dataclass(frozen=True)
class MacroDelta:
    """A macro's delta, and the columns it averaged (those with pairs in both runs)."""

    delta: Delta
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**_plain(self.delta), "columns": list(self.columns)}


@dataclass(frozen=True)
class HeadlineDelta:
    """The delta of the runs' shared headline; a macro headline also names the macro's columns."""

    aggregation: str
    name: str
    delta: Delta
    bootstrap_unit: str
    columns: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        columns = {} if self.columns is None else {"columns": list(self.columns)}
        figure = {**_plain(self.delta), **columns}
        return {
            "aggregation": self.aggregation,
            "name": self.name,
            **figure,
            "bootstrap_unit": self.bootstrap_unit,
        }


@dataclass(frozen=True)
class PairCounts:
    """How many samples were paired, and why the others were not."""

    n_common: int
    n_paired: int
    n_only_a: int
    n_only_b: int
    n_unpaired_unscored: int


@dataclass(frozen=True)
class Comparison:
    """Deltas ``B - A`` per category, column, macro and headline (see :mod:`.paired`)."""

    categories: Mapping[str, CategoryDelta]
    columns: Mapping[str, ColumnDelta]
    column_order: tuple[str, ...]
    macro: MacroDelta
    macro_wo_others: MacroDelta
    pairs: PairCounts
    bootstrap: BootstrapSettings
    headline: HeadlineDelta | None = None
    scale: ScoreScale | None = None
    judge_differs: Mapping[str, Any] | None = None  # the runs' judge backends differ (judge_drift)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``compare --json`` prints for this comparison."""
        out: dict[str, Any] = {"delta": "B - A"}
        if self.headline is not None:
            out["headline"] = self.headline.to_dict()
        out |= {
            "categories": {k: v.to_dict() for k, v in self.categories.items()},
            "columns": {k: v.to_dict() for k, v in self.columns.items()},
            "column_order": list(self.column_order),
            "macro": self.macro.to_dict(),
            "macro_wo_others": self.macro_wo_others.to_dict(),
            "pairs": _plain(self.pairs),
            "bootstrap": _plain(self.bootstrap),
        }
        if self.scale is not None:
            out["scale"] = self.scale.to_dict()
        if self.judge_differs:
            out["judge_differs"] = dict(self.judge_differs)
        return out
