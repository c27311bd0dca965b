"""``harness compare --html FILE``: two or more runs side by side, with the paper's Table 4 cases.

One self-contained page (inline CSS, no script, no external file): the runs' Table 5 scores in one
table, the paired deltas of each run against the first (B - A, bootstrap CI, p-value), and per
category the questions on which the two runs' scores differ most (:mod:`harness.scoring.cases`),
each with both answers and both judge replies in two columns. Every question, answer and judge
reply is untrusted text and is HTML-escaped (``templates/compare.html.j2``, autoescape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from harness.report.judge_trust import trust_html
from harness.report.templating import render
from harness.scoring.comparison_records import Comparison
from harness.scoring.records import Scores


def _direction(delta: float) -> str:
    return "up" if delta > 0 else ("down" if delta < 0 else "")


def render_compare_html(
    names: Sequence[str],
    runs: Sequence[Mapping[str, Any]],
    scores: Sequence[Scores],
    comparisons: Sequence[Comparison],
    cases: Sequence[Mapping[str, Any]],
    *,
    display_names: Mapping[str, str],
    notes: Sequence[str] = (),
) -> str:
    """The page. ``runs`` are :meth:`RunDir.describe` dicts; ``comparisons`` and ``cases`` are for
    each run after the first against the first."""
    order = scores[0].column_order
    return render(
        "compare.html.j2",
        names=list(names),
        runs=list(zip(names, runs, strict=True)),
        scored=list(zip(names, scores, strict=True)),
        order=order,
        labels={g: scores[0].columns[g].label for g in order},
        sections=list(zip(names[1:], comparisons, cases, strict=True)),
        display_names=display_names,
        notes=list(notes),
        direction=_direction,
        trusts=[
            Markup(trust_html(s.section("judge_bias"), title=f"Trusting the judge: {n}"))
            for n, s in zip(names, scores, strict=True)
        ],
    )
