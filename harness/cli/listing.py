"""The text of ``harness list``: one line per component, grouped by kind, fitted to the terminal.

Plain string formatting (no rich): the short listing is the common case and must start fast.
Names and descriptions come from plugins: control characters are shown escaped (:mod:`harness.terminal`).
``--long`` keeps the full table (aliases, plugin, whole descriptions) and ``--json`` the data.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any

from harness.terminal import inert

NAME_WIDTH = 30  # the longest name column; longer names are cut with "…"


def _cells(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes (CJK characters take two)."""
    return sum(_cells(c) for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, ending in "…" when cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        if used + _cells(char) > width - 1:
            break
        out.append(char)
        used += _cells(char)
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def short_listing(rows: list[dict[str, Any]], width: int) -> str:
    """Rows (as ``harness list --json`` gives them, plus ``parametric``) as one line each:
    ``  name (aliases)  description``, under a ``kind (n)`` heading. A name two plugins claim is
    marked ``[clash: a, b]``."""
    width = max(width, 40)
    claims = Counter((row["kind"], row["name"]) for row in rows)
    providers: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        providers.setdefault((row["kind"], row["name"]), []).append(row["plugin"])
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["kind"], []).append(row)
    lines: list[str] = []
    for kind, group in groups.items():
        labels = []
        for row in group:
            label = row["name"] + (":<arg>" if row.get("parametric") else "")
            if row["aliases"]:
                label += f" ({', '.join(row['aliases'])})"
            labels.append(_cut(inert(label), NAME_WIDTH))
        column = max(display_width(label) for label in labels)
        lines.append(f"{kind} ({len(group)})")
        seen: set[tuple[str, str]] = set()
        for row, label in zip(group, labels, strict=True):
            key = (row["kind"], row["name"])
            if claims[key] > 1:
                if key in seen:
                    continue
                seen.add(key)
                note = inert(f"[clash: {', '.join(sorted(providers[key]))}]")
            else:
                note = inert(row["description"])
            lines.append(_cut(f"  {_pad(label, column)}  {note}".rstrip(), width - 1))
    return "\n".join(lines) + "\n"
