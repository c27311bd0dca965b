"""Table 5 arithmetic: the paper's per-column figures in, its two macro figures out (within 0.001).

The fixture ``table5.json`` says where each number came from. Each row's published column
figures are turned into judgments on the real category registry (BELLE's own per-column sample
counts, every sample of a column scored at the published figure), scored by the real pipeline,
and both macros compared with the published ones. A row whose column figures are not in the
fixture yet is skipped with that reason -- never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.manager import get_registry
from harness.scoring import TABLE5_COLUMNS, score_judgments

FIXTURE = json.loads((Path(__file__).parent / "table5.json").read_text(encoding="utf-8"))
BELLE_COUNTS = {
    "math": 75, "code": 38, "rewrite": 131, "classification": 65, "generation": 98, "summarization": 40,
    "extract": 37, "open_qa": 285, "brainstorming": 179, "closed_qa": 52,
}


def judgments_for(columns: dict[str, float]) -> list[dict]:
    categories = get_registry().categories()
    out = []
    for category, count in BELLE_COUNTS.items():
        value = columns[categories[category].group]
        out += [
            {"id": f"{category}-{i}", "category": category, "score": value, "status": "scored"} for i in range(count)
        ]
    return out


def test_fixture_lists_every_table5_row():
    assert FIXTURE["columns"] == list(TABLE5_COLUMNS)
    assert len(FIXTURE["rows"]) == 9
    assert all(row["macro_wo_others"] is not None for row in FIXTURE["rows"])


@pytest.mark.parametrize("row", FIXTURE["rows"], ids=lambda r: f"{r['model']} {r['data']}")
def test_published_macros_from_published_columns(row):
    if not row["columns"]:
        pytest.skip("Table 5 per-column figures for this row are not in tests/scoring/table5.json yet")
    columns = dict(zip(FIXTURE["columns"], row["columns"], strict=True))
    scores = score_judgments(judgments_for(columns), n_resamples=200)
    assert scores["column_order"] == list(TABLE5_COLUMNS)
    for name, value in columns.items():
        assert scores["columns"][name]["mean"] == pytest.approx(value)
    if row["macro"] is not None:
        assert abs(scores["macro"]["mean"] - row["macro"]) <= 0.001
    assert abs(scores["macro_wo_others"]["mean"] - row["macro_wo_others"]) <= 0.001
