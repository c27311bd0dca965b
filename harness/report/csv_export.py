"""``scores.csv``: one row per figure, for spreadsheets and plots: the headline first (``kind``
``headline``, ``id`` its aggregation, ``label`` its name), then categories, columns and macros.

Every text cell goes through :func:`harness.report.escape.csv_cell`: a display name such as
``=HYPERLINK(...)`` is written quoted, so a spreadsheet shows it instead of running it."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from harness.report.escape import csv_cell

FIELDS = ("kind", "id", "label", "mean", "ci_low", "ci_high", "n", "n_samples", "n_unscored", "n_failed")


def render_csv(scores: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()

    def write(row: Mapping[str, Any]) -> None:
        writer.writerow({key: csv_cell(value) for key, value in row.items()})

    headline = scores.get("headline")  # absent from a scores dict older than headlines
    if headline:
        write({"kind": "headline", "id": headline["aggregation"], "label": headline["name"], **headline})
    for cid, row in scores["categories"].items():
        write({"kind": "category", "id": cid, "label": row["display_name"], **row})
    for group in scores["column_order"]:
        row = scores["columns"][group]
        write({"kind": "column", "id": group, **row})
    for key, label in (("macro", "macro ave"), ("macro_wo_others", "macro ave w/o others")):
        write({"kind": "macro", "id": key, "label": label, **scores[key]})
    return buffer.getvalue()
