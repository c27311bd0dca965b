"""``summary.html`` of ``harness experiment``: every experiment's measured figures beside the paper's.

One self-contained page (inline CSS, no script): an overview table with one measured and one
published line per experiment under the nine Table 5 columns and both macros, each marked with its
comparability verdict, then each experiment's verdict, what differs from the paper's setup and its
published-vs-measured table (``paper`` in ``templates/report_parts.html.j2``). All text is
HTML-escaped (``templates/experiments.html.j2``, autoescape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.report.templating import render
from harness.scoring.columns import paper_columns


def render_experiments_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """The whole page for :func:`harness.experiments.summary_rows`."""
    order, labels = paper_columns(rows)

    def columns_of(paper: Mapping[str, Any]) -> list[Any]:
        return [paper["columns"].get(g) for g in order] + [paper["macro"], paper["macro_wo_others"]]

    return render("experiments.html.j2", rows=rows, order=order, labels=labels, columns_of=columns_of)
