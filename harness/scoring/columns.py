"""The report's columns and the paper's two macro averages, defined once.

BELLE's Table 5 reports nine columns: ``others`` (math and code together), rewrite,
classification, generation, summarization, extract, open qa, brainstorming, closed qa. A column is
a category *group* (``CategorySpec.group``): every category is its own group except math and
code, whose YAML puts them in ``others``. Third-party categories become extra columns after the
nine, in name order.

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

OTHERS = "others"
TABLE5_COLUMNS: tuple[str, ...] = (
    "others",
    "rewrite",
    "classification",
    "generation",
    "summarization",
    "extract",
    "open_qa",
    "brainstorming",
    "closed_qa",
)
TABLE5_LABELS: dict[str, str] = {
    "others": "others",
    "open_qa": "open qa",
    "closed_qa": "closed qa",
}


def column_order(groups: Iterable[str]) -> list[str]:
    """Table 5 order for the nine known columns, then any other group by name."""
    present = set(groups)
    known = [c for c in TABLE5_COLUMNS if c in present]
    return known + sorted(present - set(TABLE5_COLUMNS))


def macro_from_columns(columns: Mapping[str, float | None]) -> tuple[float | None, float | None]:
    """``(macro ave, macro ave w/o others)`` from column scores; columns without a score are left out."""
    scored = {name: value for name, value in columns.items() if value is not None}
    macro = sum(scored.values()) / len(scored) if scored else None
    rest = [value for name, value in scored.items() if name != OTHERS]
    macro_wo = sum(rest) / len(rest) if rest else None
    return macro, macro_wo


def column_label(group: str, display_names: Mapping[str, str]) -> str:
    """A column's header: the Table 5 label, else the display name of its only category."""
    if group in TABLE5_LABELS:
        return TABLE5_LABELS[group]
    return display_names.get(group, group)


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
