"""Plugins and examples are written on the public surface only: no import from ``harness.api``,
``harness.runs`` or of any underscore name (what a third-party author can rely on is what ours use)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_MODULES = ("harness.api", "harness.runs")


def private_imports(source: str) -> list[str]:
    """Every import in ``source`` of a private module or an underscore name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
            names: list[str] = []
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            modules = [node.module or ""] if node.level == 0 else []
            names = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if any(module == p or module.startswith(p + ".") for p in PRIVATE_MODULES) or any(
                part.startswith("_") for part in parts
            ):
                found.append(module)
        found += [name for name in names if name.startswith("_")]
    return found


def plugin_files() -> list[Path]:
    """The plugins' sources (not a build/ copy a local `pip install` left beside them)."""
    files = [*(ROOT / "plugins").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]
    return sorted(f for f in files if not any(p == "build" or p.endswith(".egg-info") for p in f.parts))


def test_the_check_sees_private_imports():
    assert private_imports(
        "from harness.api import ChatClient\nimport harness.runs.pipeline\n"
        "from harness.judging.llm_judge import _sum_or_none\nfrom harness import _x\n"
    ) == ["harness.api", "harness.runs.pipeline", "_sum_or_none", "_x"]
    assert (
        private_imports("from harness.judging import PointwiseLLMJudge\nfrom . import mt_bench_data\n") == []
    )


@pytest.mark.parametrize("path", plugin_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_plugin_imports_only_public_names(path):
    assert private_imports(path.read_text(encoding="utf-8")) == [], (
        f"{path} reaches into the harness's internals"
    )
