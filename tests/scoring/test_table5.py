"""Table 5 arithmetic: the paper's per-column figures in, its two printed macros out (within 0.001).

The figures are the project's own copy, ``registry/paper/table5.yaml`` (source: the paper's Table 5,
appendix 8.1), checked here against the typed-in copy in ``../shared/data/belle/paper_table5.tsv``.
Each row's nine column figures are turned into judgments on the real category registry (BELLE's own
per-category sample counts, every sample of a column scored at the published figure), scored by the
real scorer, and both macros compared with the printed ones. The printed column figures are rounded
to 3 decimals, so the recomputed macros differ from the printed ones by up to 0.0006.
"""

from __future__ import annotations

import csv
import math

import pytest
from pydantic import ValidationError

from harness.manager import get_registry
from harness.paper.table5 import PublishedRow, load_table5
from harness.scoring import TABLE5_COLUMNS, score_judgments

BELLE_COUNTS = {
    "math": 75,
    "code": 38,
    "rewrite": 131,
    "classification": 65,
    "generation": 98,
    "summarization": 40,
    "extract": 37,
    "open_qa": 285,
    "brainstorming": 179,
    "closed_qa": 52,
}
TABLE = load_table5()


def judgments_for(columns: dict[str, float]) -> list[dict]:
    categories = get_registry().categories()
    out = []
    for category, count in BELLE_COUNTS.items():
        value = columns[categories[category].group]
        out += [
            {"id": f"{category}-{i}", "category": category, "score": value, "status": "scored"}
            for i in range(count)
        ]
    return out


def check_row(columns: dict[str, float], macro: float, macro_wo_others: float) -> None:
    """Published column figures in, both published macros out (within 0.001), via the real scorer."""
    scores = score_judgments(judgments_for(columns), n_resamples=200)
    assert list(scores.column_order) == list(TABLE5_COLUMNS)
    for name, value in columns.items():
        assert scores.columns[name].mean == pytest.approx(value)
    assert abs(scores.macro.mean - macro) <= 0.001, (scores.macro.mean, macro)
    assert abs(scores.macro_wo_others.mean - macro_wo_others) <= 0.001, (
        scores.macro_wo_others.mean,
        macro_wo_others,
    )


def test_all_nine_rows_with_all_nine_columns():
    assert len(TABLE.rows) == 9
    assert all(list(row.scores) == list(TABLE5_COLUMNS) for row in TABLE.rows)
    assert "Table 5" in TABLE.source and "2304.07854" in TABLE.source


@pytest.mark.parametrize("row", TABLE.rows, ids=[r.id for r in TABLE.rows])
def test_published_macros_from_published_columns(row):
    check_row(row.scores, row.macro, row.macro_wo_others)


def test_the_check_fails_on_a_wrong_figure():
    """A wrong column figure (0.419 -> 0.519 in row 1) or a wrong macro must fail the check."""
    row = TABLE.rows[0]
    check_row(row.scores, row.macro, row.macro_wo_others)
    with pytest.raises(AssertionError):
        check_row({**row.scores, "rewrite": row.scores["rewrite"] + 0.1}, row.macro, row.macro_wo_others)
    with pytest.raises(AssertionError):
        check_row(row.scores, row.macro, row.macro_wo_others + 0.002)
    with pytest.raises(AssertionError):
        check_row(row.scores, row.macro - 0.002, row.macro_wo_others)


def test_registry_copy_equals_the_shared_typed_in_table(shared_data):
    path = shared_data / "belle" / "paper_table5.tsv"
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    tsv = list(csv.DictReader(lines, delimiter="\t"))
    assert len(tsv) == len(TABLE.rows)
    for record, row in zip(tsv, TABLE.rows, strict=True):
        assert record["base_model"] == row.model
        assert record["training_data"] == row.data
        assert {c: float(record[c]) for c in TABLE5_COLUMNS} == row.scores
        assert float(record["macro_ave"]) == row.macro
        assert float(record["macro_ave_wo_others"]) == row.macro_wo_others


@pytest.mark.parametrize(
    "bad",
    [
        {"rewrite": None},  # a missing column
        {"rewrite": math.nan},  # NaN
        {"rewrite": 1.5},  # out of range
        {"translation": 0.5},  # not a Table 5 column
    ],
)
def test_a_bad_published_row_is_refused(bad):
    data = TABLE.rows[0].model_dump()
    scores = {k: v for k, v in {**data["scores"], **bad}.items() if v is not None}
    with pytest.raises(ValidationError):
        PublishedRow.model_validate({**data, "scores": scores})
