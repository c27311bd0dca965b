"""``harness compare --html FILE``: two or more runs side by side, with the paper's Table 4 cases.

One self-contained page (inline CSS, no script, no external file): the runs' Table 5 scores in one
table, the paired deltas of each run against the first (B - A, bootstrap CI, p-value), and per
category the questions on which the two runs' scores differ most (:mod:`harness.scoring.cases`),
each with both answers and both judge replies in two columns. Every question, answer and judge
reply is untrusted text and is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.report.html import FONT_STACK, esc, fmt, lang_attr, paper_html
from harness.report.judge_trust import trust_html

STYLE = """
body{font-family:FONTS;margin:1.5em;color:#222;
background:#fff}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3}.text{white-space:pre-wrap;word-break:break-word}.empty{color:#767676}
.case{border:1px solid #bbb;border-radius:4px;margin:.8em 0;padding:.6em}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.8em}.pair>div{border-top:3px solid #1f5fa8;padding-top:.3em}
.pair>div.b{border-top-color:#a34700}.reply{background:#f7f7f7;margin-top:.4em;padding:.3em}
.up{color:#1a6b1a}.down{color:#b00020}small{color:#555}
""".replace("FONTS", FONT_STACK)  # CJK fonts for Linux, macOS and Windows


def _text(text: Any) -> str:
    if text in (None, ""):
        return '<span class="empty">(empty)</span>'
    return f'<div class="text"{lang_attr(text)}>{esc(text)}</div>'


def _scores_table(names: Sequence[str], scores: Sequence[Mapping[str, Any]]) -> str:
    order = scores[0]["column_order"]
    labels = {g: scores[0]["columns"][g]["label"] for g in order}
    head = "".join(f"<th>{esc(labels[g])}</th>" for g in order) + "<th>macro ave</th><th>macro ave w/o others</th>"
    rows = []
    for name, s in zip(names, scores, strict=True):
        cells = "".join(f"<td>{fmt(s['columns'].get(g, {}).get('mean'))}</td>" for g in order)
        rows.append(f"<tr><th>{esc(name)}</th>{cells}<td>{fmt(s['macro']['mean'])}</td>"
                    f"<td>{fmt(s['macro_wo_others']['mean'])}</td></tr>")
    return f'<table id="scores"><thead><tr><th>run</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _delta_cell(row: Mapping[str, Any]) -> str:
    if row.get("delta") is None:
        return "<td>–</td>"
    cls = "up" if row["delta"] > 0 else ("down" if row["delta"] < 0 else "")
    return (f'<td class="{cls}">{row["delta"]:+.3f}<br><small>[{fmt(row["ci_low"])}, {fmt(row["ci_high"])}] '
            f'p={fmt(row["p_value"])} n={row["n_pairs"]}</small></td>')


def _deltas_table(comparison: Mapping[str, Any]) -> str:
    order = comparison["column_order"]
    head = "".join(f"<th>{esc(comparison['columns'][g]['label'])}</th>" for g in order)
    cells = "".join(_delta_cell(comparison["columns"][g]) for g in order)
    return (f'<table class="deltas"><thead><tr>{head}<th>macro ave</th><th>macro ave w/o others</th></tr></thead>'
            f"<tbody><tr>{cells}{_delta_cell(comparison['macro'])}{_delta_cell(comparison['macro_wo_others'])}"
            "</tr></tbody></table>")


def _replies(replies: Sequence[Mapping[str, Any]]) -> str:
    if not replies:
        return '<div class="reply"><span class="empty">(no judgment)</span></div>'
    return "".join(
        f'<div class="reply"><small>{esc(r.get("judge") or "judge")} #{esc(r.get("repeat") or 0)} '
        f'[{esc(r.get("status"))}{"" if r.get("score") is None else " " + esc(r.get("score"))}]</small>'
        f'{_text(r.get("raw"))}</div>'
        for r in replies
    )


def _case(case: Mapping[str, Any], name_a: str, name_b: str) -> str:
    delta = case["delta"]
    cls = "up" if delta > 0 else ("down" if delta < 0 else "")
    gold = (f"<details><summary>gold answer</summary>{_text(case['reference'])}</details>"
            if case.get("reference") else "<p><small>no gold answer</small></p>")
    return (
        f'<div class="case" data-id="{esc(case["id"])}"><p><b>{esc(case["id"])}</b> '
        f'<span class="{cls}">Δ {delta:+.3f}</span> ({esc(name_a)} {fmt(case["score_a"])} → '
        f'{esc(name_b)} {fmt(case["score_b"])})</p>'
        f'<div class="question">{_text(case["question"])}</div>{gold}'
        f'<div class="pair"><div class="a"><b>{esc(name_a)}</b> <small>score {fmt(case["score_a"])}</small>'
        f'{_text(case["answer_a"])}{_replies(case["judge_a"])}</div>'
        f'<div class="b"><b>{esc(name_b)}</b> <small>score {fmt(case["score_b"])}</small>'
        f'{_text(case["answer_b"])}{_replies(case["judge_b"])}</div></div></div>'
    )


def render_compare_html(
    names: Sequence[str],
    runs: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, Any]],
    comparisons: Sequence[Mapping[str, Any]],
    cases: Sequence[Mapping[str, Any]],
    *,
    display_names: Mapping[str, str],
    notes: Sequence[str] = (),
) -> str:
    """The page. ``runs`` are :meth:`RunDir.describe` dicts; ``comparisons`` and ``cases`` are for
    each run after the first against the first."""
    meta = "".join(
        f"<tr><th>{esc(name)}</th><td>{esc(run.get('model'))}</td><td>{esc(run.get('judge'))}</td>"
        f"<td>{esc(run.get('dataset'))}</td><td>{esc(run.get('dir'))}</td></tr>"
        for name, run in zip(names, runs, strict=True)
    )
    sections = []
    for name_b, comparison, picked in zip(names[1:], comparisons, cases, strict=True):
        parts = [f"<h2>{esc(names[0])} → {esc(name_b)}</h2>",
                 "<p>Paired deltas (B − A) over samples scored in both runs:</p>", _deltas_table(comparison),
                 f"<p>Largest per-question score differences, up to {picked['per_category']} per category "
                 f"({picked['n_paired']} paired samples; {picked['n_unpaired']} not scored in both runs and "
                 "left out).</p>"]
        for category, category_cases in picked["categories"].items():
            label = display_names.get(category, category)
            parts.append(f'<h3 id="cases-{esc(category)}">{esc(label)} <small>({esc(category)})</small></h3>')
            parts.extend(_case(case, names[0], name_b) for case in category_cases)
        sections.append(f'<section class="comparison">{"".join(parts)}</section>')
    note_items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    # a run linked to a published Table 5 row: the paper's figures beside it, under the verdict
    paper = "".join(
        f'<section class="paper-row"><h2>{esc(name)} vs the paper</h2>{paper_html(s["paper"], heading="h3")}</section>'
        for name, s in zip(names, scores, strict=True) if s.get("paper")
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness compare: {esc(" vs ".join(names))}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Comparison: {esc(" vs ".join(names))}</h1>
<table class="meta"><thead><tr><th>run</th><th>model</th><th>judge</th><th>dataset</th><th>directory</th></tr>
</thead><tbody>{meta}</tbody></table>
{f'<ul class="notes">{note_items}</ul>' if note_items else ''}
<h2>Scores (Table 5 layout)</h2>
{_scores_table(names, scores)}
{paper}
{"".join(sections)}
{"".join(trust_html(s.get("judge_bias"), title=f"Trusting the judge: {n}") for n, s in zip(names, scores, strict=True))}
</body>
</html>
"""
