"""`harness list` fits the screen: one line per component grouped by kind, at 80 and 120 columns;
``--long`` keeps the full table and ``--json`` the data."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from harness.cli.listing import display_width, short_listing
from tests.harness_cli import run_harness


def harness(*args: str, columns: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    proc = run_harness(args, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("columns", [80, 120])
def test_one_line_per_component_grouped_by_kind(columns: int) -> None:
    rows = json.loads(harness("list", "--json", columns=columns).stdout)
    lines = harness("list", columns=columns).stdout.splitlines()
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    assert len(lines) == len(rows) + len(kinds)
    assert [line for line in lines if not line.startswith(" ")] == [
        f"{k} ({sum(r['kind'] == k for r in rows)})" for k in kinds
    ]
    assert all(display_width(line) < columns for line in lines), max(lines, key=display_width)
    assert any(line.split()[0] == "gpt35" for line in lines)
    judge_only = harness("list", "judge", columns=columns).stdout.splitlines()
    assert judge_only[0].startswith("judge (") and len(judge_only) == 1 + sum(
        r["kind"] == "judge" for r in rows
    )


def test_long_is_the_table_with_plugins() -> None:
    out = harness("list", "judge", "--long", columns=120).stdout
    assert "plugin" in out and "judges" in out and "llm, chatgpt" in out


def test_short_listing_cuts_wide_text_and_marks_clashes() -> None:
    rows = [
        {"kind": "judge", "name": "twin", "aliases": [], "plugin": "b", "description": "B"},
        {"kind": "judge", "name": "twin", "aliases": [], "plugin": "a", "description": "A"},
        {"kind": "category", "name": "zh", "aliases": [], "plugin": "p", "description": "中文描述" * 30},
    ]
    text = short_listing(rows, 40)
    assert "  twin  [clash: a, b]" in text and text.count("twin") == 1
    assert all(display_width(line) < 40 for line in text.splitlines())
    assert text.splitlines()[-1].endswith("…")
