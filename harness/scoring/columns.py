"""How the report's columns (:mod:`harness.table_columns`) are scored, and the paper's two macro averages.

Definitions (what the Table 5 test checks against the published figures):

* a column's score is the mean over the *pooled* scored samples of its categories -- for
  ``others``, the mean over all math and code samples together (113 in BELLE's set), not the mean
  of the math and code means. The paper describes "others" as one merged category with 113 samples
  (its eval-set distribution), and Table 5 gives one number for it.
* ``macro ave`` = unweighted mean of the column scores (the nine columns for BELLE);
* ``macro ave w/o others`` = unweighted mean of every column except ``others`` (eight).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.table_columns import OTHERS as OTHERS
from harness.table_columns import TABLE5_COLUMNS as TABLE5_COLUMNS
from harness.table_columns import TABLE5_LABELS as TABLE5_LABELS
from harness.table_columns import column_label as column_label
from harness.table_columns import column_order as column_order


def macro_from_columns(columns: Mapping[str, float | None]) -> tuple[float | None, float | None]:
    """``(macro ave, macro ave w/o others)`` from column scores; columns without a score are left out."""
    scored = {name: value for name, value in columns.items() if value is not None}
    macro = sum(scored.values()) / len(scored) if scored else None
    rest = [value for name, value in scored.items() if name != OTHERS]
    macro_wo = sum(rest) / len(rest) if rest else None
    return macro, macro_wo


def paper_columns(rows: Iterable[Mapping[str, Any]]) -> tuple[list[str], dict[str, str]]:
    """The Table 5 column groups of experiment summary rows (:func:`harness.experiments.summary_rows`),
    in first-seen order, with their labels."""
    order: list[str] = []
    labels: dict[str, str] = {}
    for row in rows:
        for group, entry in row["paper"]["columns"].items():
            if group not in order:
                order.append(group)
            labels.setdefault(group, entry["label"])
    return order, labels
