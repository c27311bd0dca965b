"""``summary.html`` of ``harness experiment``: every experiment's measured figures beside the paper's.

One self-contained page (inline CSS, no script): an overview table with one measured and one
published line per experiment under the nine Table 5 columns and both macros, each marked with its
comparability verdict, then each experiment's verdict, what differs from the paper's setup and its
published-vs-measured table (:func:`harness.report.html.paper_html`). All text is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.report.html import STYLE, esc, fmt, paper_html
from harness.scoring.columns import paper_columns


def _overview(rows: list[Mapping[str, Any]]) -> str:
    order, labels = paper_columns(rows)
    head = "".join(f"<th>{esc(labels[g])}</th>" for g in order)
    body = []
    for i, row in enumerate(rows, 1):
        paper = row["paper"]
        entries = [paper["columns"].get(g) for g in order] + [paper["macro"], paper["macro_wo_others"]]
        verdict_class = "comparable" if paper["comparable"] else "not-comparable"
        measured = "".join(f"<td>{fmt(None if e is None else e['measured'])}</td>" for e in entries)
        published = "".join(f"<td>{fmt(None if e is None else e['published'])}</td>" for e in entries)
        body.append(
            f'<tr class="measured"><td rowspan="2"><a href="#exp-{i}">#{i}</a> {esc(row["name"])}</td>'
            f"<td>measured</td>{measured}<td rowspan=\"2\" class=\"verdict {verdict_class}\">"
            f"{esc(paper['verdict'])}</td></tr>"
            f'<tr class="published"><td>published</td>{published}</tr>'
        )
    return (
        f'<table class="scores" id="experiments"><thead><tr><th>experiment</th><th></th>{head}'
        f"<th>macro ave</th><th>macro ave w/o others</th><th>verdict</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_experiments_html(rows: list[Mapping[str, Any]]) -> str:
    """The whole page for :func:`harness.experiments.summary_rows`."""
    sections = []
    for i, row in enumerate(rows, 1):
        what = f"{row['model']} on {row['data']}" if row.get("data") not in (None, "-") else str(row["model"])
        sections.append(
            f'<section id="exp-{i}"><h2>#{i} {esc(row["name"])}</h2>'
            f"<p>{esc(what)}; training {esc(row['trained'])}, evaluation {esc(row['eval'])}; run "
            f"<code>{esc(row.get('run_dir'))}</code></p>{paper_html(row['paper'], heading='h3')}</section>"
        )
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness experiments: measured vs published</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Experiments: measured vs published (Table 2/5)</h1>
<p><small>Published figures: the paper's Table 5 (registry/paper/table5.yaml). A measured figure is comparable
with a published one only when the model, training data, eval set and judge are the paper's; every row
that differs says so and what differs.</small></p>
{_overview(rows)}
{''.join(sections)}
</body>
</html>
"""
