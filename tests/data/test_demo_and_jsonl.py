"""The shipped demo set, and the JSON Lines reader's error and torn-line policies."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from harness.data.jsonl import read_jsonl_records
from harness.errors import DataError
from harness.manager import get_registry
from harness.scoring.columns import TABLE5_COLUMNS


def test_demo_dataset_covers_every_report_column_with_gold():
    registry = get_registry()
    samples = registry.create("dataset", "demo").load()
    categories = registry.categories()
    assert len(samples) == 30
    assert len({s.id for s in samples}) == 30
    assert set(Counter(categories[s.category].group for s in samples)) == set(TABLE5_COLUMNS)
    assert all(s.reference.strip() and s.question.strip() for s in samples)
    # Chinese text
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s.question) for s in samples)


def test_cli_show_demo(cli):
    result = cli("data", "show", "demo", "--json")
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert sum(counts.values()) == 30 and counts["math"] == 3
    refused = cli("data", "show", "demo", "--data-dir", "/tmp")
    assert refused.returncode == 2 and "takes no --data-dir" in refused.stderr


def test_jsonl_errors_and_torn_tail(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, "b"', encoding="utf-8")
    with pytest.raises(DataError, match=r"j\.jsonl line 3: invalid JSON"):
        read_jsonl_records(path)
    records = read_jsonl_records(path, tolerate_torn_tail=True)
    assert [r["a"] for r in records.dicts()] == [1, 2] and records.torn_last_line == 3
    # a bad line that is not the last one is an error even when tolerating a torn tail
    path.write_text('{"a": 1}\n{"a": \n{"a": 3}\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        read_jsonl_records(path, tolerate_torn_tail=True)
    # a bad last line followed by a newline was written whole: not a torn append
    path.write_text('{"a": 1}\n[1, 2\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        read_jsonl_records(path, tolerate_torn_tail=True)
    path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2: expected a JSON object, got list"):
        read_jsonl_records(path)
