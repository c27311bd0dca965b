"""Fixtures for the training-data tests (the local HTTP server and fresh cache are in tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def eval_questions(shared_data: Path) -> list[str]:
    """The 1,000 real BELLE eval questions, read straight from the JSON Lines file."""
    lines = (shared_data / "belle" / "eval_set.json").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
