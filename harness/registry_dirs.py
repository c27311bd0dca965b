"""The registry directories the current plugin manager knows, and the data sources they define.

Kept apart from :mod:`harness.registry_yaml` (which only reads and validates files) so that the
plugin manager can read registry files while this module asks the manager for its directories:
the import graph stays one-way, ``registry_dirs -> manager -> registry_yaml``.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import UsageError
from harness.manager import get_manager
from harness.registry_yaml import SourceDef, load_defs


def all_registry_dirs() -> list[Path]:
    """Every registry directory known to the current plugin manager, built-in first."""
    return [d for d, _ in get_manager().registry_dirs()]


def find_source(name: str) -> SourceDef:
    """The source named ``name`` in any registry directory; unknown names list the known ones."""
    known: dict[str, SourceDef] = {}
    for directory in all_registry_dirs():
        for source in load_defs(directory, "sources", SourceDef):
            known.setdefault(source.name, source)
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=3)
        raise UsageError(
            f"unknown data source {name!r}." + (f" Did you mean {close[0]!r}?" if close else ""),
            hint=f"Known sources: {', '.join(sorted(known)) or '(none)'}",
        )
    return known[name]


def all_sources() -> list[SourceDef]:
    seen: dict[str, SourceDef] = {}
    for directory in all_registry_dirs():
        for source in load_defs(directory, "sources", SourceDef):
            seen.setdefault(source.name, source)
    return [seen[k] for k in sorted(seen)]
