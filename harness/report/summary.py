"""The small table ``harness run`` ends with: per category n, scored, unscored (and why), score.

Why a table of counts and not only the means: a mean says nothing about the samples it leaves
out. With ``ref-f1`` on the demo 30% of the samples are unscored (categories that show the judge no
gold answer); a macro average alone hides that. So every category shows how many samples it has,
how many were scored, how many were not and the most common reason, and its mean over the scored
ones. It fits 80 columns: the reason column is capped and cut with an ellipsis.

Reasons are read from the judgments file (the scores only count them). A reason is shortened to
its first clause (``"out of range: 8.0 ..."`` -> ``"out of range"``), which is what the judges
put first, so that different numbers in otherwise equal reasons count together.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.report.escape import terminal_text as _t
from harness.scales import check_record
from harness.scoring.records import Scores, Totals

REASON_CHARS = 40  # keeps the table within 80 columns; longer reasons end in an ellipsis


@dataclass(frozen=True)
class CategoryLine:
    """One row: ``category`` (its display name as ``label``), sample counts, main reason, mean."""

    category: str
    label: str
    n: int
    scored: int
    unscored: int
    failed: int
    reason: str
    score: float | None


def short_reason(reason: Any) -> str:
    text = " ".join(str(reason or "").split())
    head = text.split(": ", 1)[0].strip()
    return (head or "no reason given")[:REASON_CHARS]


def main_reasons(judgments: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Category -> the most common short reason among its unscored and failed judgments."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for record in judgments:
        status = record.get("status")
        reason = record.get("reason")
        if status == "scored":
            _, rejected = check_record(record)  # a score on disk no mean may use: counted unscored
            if not rejected:
                continue
            reason = rejected
        elif status not in ("unscored", "failed"):
            continue
        counts[str(record.get("category"))][short_reason(reason)] += 1
    return {category: counter.most_common(1)[0][0] for category, counter in counts.items()}


def category_lines(scores: Scores, judgments: Iterable[Mapping[str, Any]]) -> list[CategoryLine]:
    """The rows, in the order of ``scores.json``'s categories."""
    reasons = main_reasons(judgments)
    return [
        CategoryLine(
            category=category,
            label=entry.display_name or category,
            n=entry.n_samples,
            scored=entry.n,
            unscored=entry.n_unscored,
            failed=entry.n_failed,
            reason=reasons.get(category, "") if entry.n_unscored or entry.n_failed else "",
            score=entry.mean,
        )
        for category, entry in scores.categories.items()
    ]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def summary_table(lines: list[CategoryLine], totals: Totals) -> Any:
    """A rich table of ``lines`` plus an ``all`` row from ``totals`` (``scores.json``'s)."""
    from rich.table import Table

    show_failed = any(line.failed for line in lines) or bool(totals.n_failed)
    table = Table(title="per category", title_justify="left", box=None, padding=(0, 1, 0, 0), pad_edge=False)
    table.add_column("category", overflow="fold", max_width=18)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("scored", justify="right", no_wrap=True)
    table.add_column("unscored", justify="right", no_wrap=True)
    if show_failed:
        table.add_column("failed", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("why not scored (most often)", overflow="ellipsis", no_wrap=True, max_width=REASON_CHARS)
    for line in lines:
        cells = [_t(line.label), str(line.n), str(line.scored), str(line.unscored)]
        if show_failed:
            cells.append(str(line.failed))
        table.add_row(*cells, _fmt(line.score), _t(line.reason))
    cells = [
        "all",
        str(totals.n_samples),
        str(totals.n),
        str(totals.n_unscored),
    ]
    if show_failed:
        cells.append(str(totals.n_failed))
    table.add_section()
    table.add_row(*cells, "", "")
    return table
