"""The type checker checks the oldest Python the package claims to run on.

``requires-python`` said 3.10 while the judge client used ``asyncio.timeout`` (3.11+), so every judge
request would have failed on 3.10; mypy, run for that floor, is what caught it. This keeps the two
in step, so a claim below what the code needs is a CI failure rather than a user's traceback.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def _floor() -> tuple[int, int]:
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)", _project()["project"]["requires-python"])
    assert match, "requires-python is a plain floor (>=X.Y)"
    return int(match[1]), int(match[2])


def test_mypy_checks_the_claimed_floor() -> None:
    major, minor = _floor()
    assert _project()["tool"]["mypy"]["python_version"] == f"{major}.{minor}"


def test_the_floor_is_one_the_code_runs_on() -> None:
    # asyncio.timeout (the judge client's per-request deadline) exists from 3.11 on
    assert _floor() >= (3, 11)
    assert sys.version_info >= _floor()
