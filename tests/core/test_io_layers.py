"""Shared helpers live low: one atomic writer (:mod:`harness.io`) and nothing below the run layer
reaching up into it.

Read from the source with ``ast`` (nothing is imported), like ``test_import_layers``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .test_import_layers import ROOT, _graph, _modules

# the renames that are not a file written whole, each for its own reason
RENAME_EXCEPTIONS = {
    "harness.io": "the one atomic writer",
    "harness.data.fetch": "verified downloads moved from their staging folder into the cache",
    "harness.models.materialize": "a built folder renamed into place exactly once, racing builders",
    "harness.api.cache": "a corrupt response cache moved aside, never deleted",
}
# the layers above the run pipeline: the only modules that may import harness.runs / harness.report
# (harness.testing: the judge author's kit builds a judge exactly as `harness run` does)
ABOVE_RUNS = (
    "harness.cli",
    "harness.__main__",
    "harness.runs",
    "harness.report",
    "harness.experiments",
    "harness.testing",
)
# components reaching up into a peer they sit below
FORBIDDEN = {
    "harness.data": ("harness.scoring", "harness.judging"),
    "harness.scoring": ("harness.judging",),
}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _renames(path: Path) -> list[int]:
    """Lines that rename a file: ``os.replace/rename/renames``, ``shutil.move``, ``Path.replace(t)``
    and ``Path.rename(t)`` (``str.replace`` takes two arguments, so it is not counted)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value.id if isinstance(node.func.value, ast.Name) else None
        attr = node.func.attr
        if (owner == "os" and attr in ("replace", "rename", "renames")) or (
            owner == "shutil" and attr == "move"
        ):
            lines.append(node.lineno)
        elif attr in ("replace", "rename") and len(node.args) == 1 and not node.keywords:
            lines.append(node.lineno)
    return lines


def test_the_rename_finder_sees_a_rename() -> None:
    assert _renames(ROOT / "io.py"), "harness.io renames its temporary file into place"
    assert _renames(ROOT / "data" / "fetch.py")


def test_no_module_defines_its_own_atomic_write() -> None:
    offenders = sorted(
        f"{name}:{line}"
        for name, path in _modules().items()
        if name not in RENAME_EXCEPTIONS
        for line in _renames(path)
    )
    assert offenders == [], "write files with harness.io (or list the reason here): " + ", ".join(offenders)


def test_nothing_below_the_run_layer_imports_runs_or_report() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        if not _within(name, ABOVE_RUNS)
        for target in targets
        if _within(target, ("harness.runs", "harness.report"))
    )
    assert offenders == []


def test_components_do_not_reach_up_into_a_peer() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for low, high in FORBIDDEN.items()
        if _within(name, (low,))
        for target in targets
        if _within(target, high)
    )
    assert offenders == []
