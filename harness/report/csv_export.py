"""``scores.csv``: one row per figure (category, column, macro), for spreadsheets and plots."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

FIELDS = ("kind", "id", "label", "mean", "ci_low", "ci_high", "n", "n_samples", "n_unscored", "n_failed")


def render_csv(scores: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for cid, row in scores["categories"].items():
        writer.writerow({"kind": "category", "id": cid, "label": row["display_name"], **row})
    for group in scores["column_order"]:
        row = scores["columns"][group]
        writer.writerow({"kind": "column", "id": group, **row})
    for key, label in (("macro", "macro ave"), ("macro_wo_others", "macro ave w/o others")):
        writer.writerow({"kind": "macro", "id": key, "label": label, **scores[key]})
    return buffer.getvalue()
