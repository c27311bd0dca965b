"""``scores.csv``: one row per figure, for spreadsheets and plots: the headline first (``kind``
``headline``, ``id`` its aggregation, ``label`` its name), then categories, columns and macros.

Every text cell goes through :func:`harness.report.escape.csv_cell`: a display name such as
``=HYPERLINK(...)`` is written quoted, so a spreadsheet shows it instead of running it."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

from harness.report.escape import csv_cell
from harness.scoring.records import Scores

FIELDS = ("kind", "id", "label", "mean", "ci_low", "ci_high", "n", "n_samples", "n_unscored", "n_failed")


def render_csv(scores: Scores) -> str:
    """The CSV text: headline (when the scores have one), categories, columns, macros."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()

    def write(kind: str, key: str, label: str, figure: Any) -> None:
        row = {"kind": kind, "id": key, "label": label, **dataclasses.asdict(figure)}
        writer.writerow({name: csv_cell(value) for name, value in row.items()})

    if scores.headline:  # absent from scores older than headlines
        write("headline", scores.headline.aggregation, scores.headline.name, scores.headline)
    for cid, category in scores.categories.items():
        write("category", cid, category.display_name, category)
    for group in scores.column_order:
        write("column", group, scores.columns[group].label, scores.columns[group])
    write("macro", "macro", "macro ave", scores.macro)
    write("macro", "macro_wo_others", "macro ave w/o others", scores.macro_wo_others)
    return buffer.getvalue()
