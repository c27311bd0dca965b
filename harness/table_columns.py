"""The report's columns: Table 5's order and labels for category groups, defined once.

BELLE's Table 5 reports nine columns: ``others`` (math and code together), rewrite,
classification, generation, summarization, extract, open qa, brainstorming, closed qa. A column is
a category *group* (``CategorySpec.group``): every category is its own group except math and
code, whose YAML puts them in ``others``. Third-party categories become extra columns after the
nine, in name order.

Why here, below every component: dataset statistics and scoring both lay categories out in these
columns, and neither may import the other. How a column is scored: :mod:`harness.scoring.columns`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def column_label(group: str, display_names: Mapping[str, str]) -> str:
    """A column's header: the Table 5 label, else the display name of its only category."""
    if group in TABLE5_LABELS:
        return TABLE5_LABELS[group]
    return display_names.get(group, group)
