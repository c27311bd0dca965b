"""The self-contained ``report.html``: a bar chart with CI whiskers and a browsable sample view.

Self-contained means one file with inline CSS, inline SVG and a few lines of inline script (for
the sample filters): no external JS, CSS or fonts, so it opens offline, from an e-mail, or from a
CI artifact. Every piece of run data is HTML-escaped -- questions, answers and judge replies are
untrusted text (a model may well answer with ``<script>``). The script only toggles rows and, once
it has run, marks ``<html data-report-ready="1">`` (the browser test checks that mark).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.report.escape import html_text
from harness.report.rundir import RunDir
from harness.scales import ScoreScale, check_record

CHART_HEIGHT = 260
BAR_WIDTH = 34
BAR_GAP = 22
MARGIN_LEFT = 46
MARGIN_TOP = 16
LABEL_SPACE = 92


esc = html_text  # every piece of run data goes through the one escaping module (harness.report.escape)


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def chart_bars(scores: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Bars in display order: every category, then pooled multi-category columns, then the macros."""
    bars = [
        {"label": row["display_name"], "kind": "category", **_ci(row)} for row in scores["categories"].values()
    ]
    for row in scores["columns"].values():
        if len(row["categories"]) > 1:
            bars.append({"label": row["label"], "kind": "column", **_ci(row)})
    bars.append({"label": "macro ave", "kind": "macro", **_ci(scores["macro"])})
    bars.append({"label": "macro ave w/o others", "kind": "macro", **_ci(scores["macro_wo_others"])})
    return bars


def _ci(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"mean": row.get("mean"), "ci_low": row.get("ci_low"), "ci_high": row.get("ci_high"), "n": row.get("n")}


def render_chart(scores: Mapping[str, Any]) -> str:
    """An inline SVG bar chart of the means (on the judge's scale, 0..1 by default) with 95% CI whiskers."""
    bars = chart_bars(scores)
    width = MARGIN_LEFT + len(bars) * (BAR_WIDTH + BAR_GAP) + BAR_GAP
    height = MARGIN_TOP + CHART_HEIGHT + LABEL_SPACE

    scale = ScoreScale.from_value(scores.get("scale"))  # the axis is the judge's declared scale

    def y(value: float) -> float:
        return MARGIN_TOP + CHART_HEIGHT * (1.0 - max(0.0, min(1.0, scale.to_unit(value))))

    parts = [
        f'<svg id="category-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Mean score per category with 95% confidence intervals">'
    ]
    for tick in (scale.low + f * (scale.high - scale.low) for f in (0.0, 0.25, 0.5, 0.75, 1.0)):
        ty = y(tick)
        parts.append(f'<line class="grid" x1="{MARGIN_LEFT}" y1="{ty:.1f}" x2="{width - 4}" y2="{ty:.1f}"/>')
        tick_text = f"{tick:.2f}" if scale.high - scale.low <= 1 else f"{tick:g}"
        parts.append(f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick_text}</text>')
    for i, bar in enumerate(bars):
        x = MARGIN_LEFT + BAR_GAP + i * (BAR_WIDTH + BAR_GAP)
        cx = x + BAR_WIDTH / 2
        label = esc(bar["label"])
        parts.append(f'<g class="bar-group {esc(bar["kind"])}">')
        if bar["mean"] is not None:
            top = y(bar["mean"])
            tooltip = (
                f'{label}: {fmt(bar["mean"])} (95% CI {fmt(bar["ci_low"])}–{fmt(bar["ci_high"])}'
                + (f', n={bar["n"]}' if bar.get("n") is not None else "")
                + ")"
            )
            parts.append(
                f'<rect class="bar" x="{x}" y="{top:.1f}" width="{BAR_WIDTH}" '
                f'height="{MARGIN_TOP + CHART_HEIGHT - top:.1f}"><title>{tooltip}</title></rect>'
            )
            if bar["ci_low"] is not None and bar["ci_high"] is not None:
                lo, hi = y(bar["ci_low"]), y(bar["ci_high"])
                parts.append(f'<line class="whisker" x1="{cx}" y1="{lo:.1f}" x2="{cx}" y2="{hi:.1f}"/>')
                for cap in (lo, hi):
                    parts.append(f'<line class="whisker" x1="{cx - 6}" y1="{cap:.1f}" x2="{cx + 6}" y2="{cap:.1f}"/>')
            parts.append(f'<text class="value" x="{cx}" y="{min(top, y(bar["ci_high"] or 0)) - 4:.1f}" '
                         f'text-anchor="middle">{fmt(bar["mean"])}</text>')
        else:
            parts.append(f'<text class="value" x="{cx}" y="{MARGIN_TOP + CHART_HEIGHT - 4}" text-anchor="middle">n/a</text>')
        ly = MARGIN_TOP + CHART_HEIGHT + 12
        parts.append(
            f'<text class="label" x="{cx}" y="{ly}" text-anchor="end" transform="rotate(-40 {cx} {ly})">{label}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _table5_html(scores: Mapping[str, Any]) -> str:
    order = scores["column_order"]
    head = "".join(f"<th>{esc(scores['columns'][g]['label'])}</th>" for g in order)
    cells = "".join(
        f"<td>{fmt(scores['columns'][g]['mean'])}<br><small>[{fmt(scores['columns'][g]['ci_low'])}, "
        f"{fmt(scores['columns'][g]['ci_high'])}] n={scores['columns'][g]['n']}</small></td>"
        for g in order
    )
    macro, macro_wo = scores["macro"], scores["macro_wo_others"]
    return (
        f'<table class="scores" id="table5"><thead><tr>{head}<th>macro ave</th><th>macro ave w/o others</th></tr>'
        f"</thead><tbody><tr>{cells}"
        f"<td><b>{fmt(macro['mean'])}</b><br><small>[{fmt(macro['ci_low'])}, {fmt(macro['ci_high'])}]</small></td>"
        f"<td><b>{fmt(macro_wo['mean'])}</b><br><small>[{fmt(macro_wo['ci_low'])}, {fmt(macro_wo['ci_high'])}]"
        "</small></td></tr></tbody></table>"
    )


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{'+' if value >= 0 else ''}{value:.3f}"


def paper_html(paper: Mapping[str, Any], *, heading: str = "h2") -> str:
    """Published beside measured, per Table 5 column and macro, under the comparability verdict.

    ``paper`` is the ``paper`` section of ``scores.json`` (:mod:`harness.paper.side_by_side`). The
    verdict ("substitute data: not comparable") and every difference from the paper's setup come
    first, so nobody reads the figures without it.
    """
    if paper.get("row"):
        what = f"{paper['paper_model']}" + (f" on {paper['paper_data']}" if paper.get("paper_data") not in
                                            (None, "", "-") else "")
        title = f"Published vs measured: {esc(what)} <small>(row {esc(paper['row'])})</small>"
    else:
        title = "Measured (no published row)"
    verdict_class = "comparable" if paper.get("comparable") else "not-comparable"
    diffs = "".join(f"<li>{esc(d)}</li>" for d in paper.get("differences") or [])
    rows = []
    entries = [*paper["columns"].values(), paper["macro"], paper["macro_wo_others"]]
    for i, entry in enumerate(entries):
        tag = "b" if i >= len(entries) - 2 else "span"
        rows.append(
            f"<tr><td><{tag}>{esc(entry['label'])}</{tag}></td><td>{fmt(entry['measured'])}</td>"
            f"<td>{fmt(entry['published'])}</td><td>{_signed(entry['delta'])}</td>"
            f"<td>{'' if entry.get('n') is None else esc(entry['n'])}</td></tr>"
        )
    source = f"<p><small>published: {esc(paper['source'])}</small></p>" if paper.get("source") else ""
    return (
        f'<div class="paper"><{heading}>{title}</{heading}>'
        f'<p class="verdict {verdict_class}"><b>{esc(paper["verdict"])}</b></p>'
        + (f'<ul class="differences">{diffs}</ul>' if diffs else "")
        + '<table class="scores paper-table"><thead><tr><th>column</th><th>measured</th><th>published</th>'
        f"<th>Δ</th><th>n</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{source}</div>"
    )


def _category_table_html(scores: Mapping[str, Any]) -> str:
    rows = []
    for cid, row in scores["categories"].items():
        rows.append(
            f"<tr><td>{esc(row['display_name'])} <small>({esc(cid)})</small></td><td>{esc(row['group'])}</td>"
            f"<td>{fmt(row['mean'])}</td><td>{fmt(row['ci_low'])} – {fmt(row['ci_high'])}</td>"
            f"<td>{row['n']}</td><td>{row['n_unscored']} ({row['unscored_rate']:.1%})</td>"
            f"<td>{row['n_failed']} ({row['failed_rate']:.1%})</td>"
            f"<td>{row['repeats']}{'' if row['repeat_sd'] is None else ' (sd ' + fmt(row['repeat_sd']) + ')'}</td></tr>"
        )
    return (
        '<table class="scores" id="categories"><thead><tr><th>category</th><th>column</th><th>mean</th>'
        "<th>95% CI</th><th>n scored</th><th>unscored</th><th>failed</th><th>repeats</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _text_block(text: Any, *, collapsed: bool) -> str:
    body = esc(text) if text not in (None, "") else '<span class="empty">(empty)</span>'
    if not collapsed:
        return f'<div class="text">{body}</div>'
    preview = esc(str(text)[:60]) + ("…" if text and len(str(text)) > 60 else "")
    return f'<details><summary>{preview or "(empty)"}</summary><div class="text">{body}</div></details>'


def _sample_rows(run: RunDir, scores: Mapping[str, Any]) -> tuple[str, list[str]]:
    by_id: dict[str, list[dict[str, Any]]] = {}
    for judgment in run.judgments:
        by_id.setdefault(str(judgment.get("id")), []).append(judgment)
    ids = sorted(set(by_id) | set(run.generations))
    rows = []
    categories: set[str] = set()
    for sample_id in ids:
        generation = run.generations.get(sample_id, {})
        # a NaN or out-of-range score on disk is shown as what it counts as: unscored, with the reason
        judgments = sorted((check_record(j)[0] for j in by_id.get(sample_id, [])),
                           key=lambda j: int(j.get("repeat") or 0))
        category = str(generation.get("category") or (judgments[0].get("category") if judgments else ""))
        categories.add(category)
        scored = [float(j["score"]) for j in judgments if j.get("status") == "scored" and j.get("score") is not None]
        statuses = sorted({str(j.get("status")) for j in judgments}) or ["not judged"]
        status = "scored" if scored else statuses[0]
        score_text = fmt(sum(scored) / len(scored)) if scored else esc(status)
        replies = "".join(
            f'<div class="reply"><small>{esc(j.get("judge") or "judge")} #{esc(j.get("repeat") or 0)} '
            f'[{esc(j.get("status"))}{"" if j.get("score") is None else " " + esc(j.get("score"))}]'
            f'{" – " + esc(j.get("reason")) if j.get("reason") else ""}</small>'
            f'{_text_block(j.get("raw"), collapsed=True)}</div>'
            for j in judgments
        )
        search = " ".join(str(generation.get(k) or "") for k in ("question", "reference", "answer"))
        rows.append(
            f'<tr class="sample" data-category="{esc(category)}" data-status="{esc(status)}" '
            f'data-search="{esc(search.lower())}"><td>{esc(sample_id)}</td><td>{esc(category)}</td>'
            f'<td class="score {esc(status)}">{score_text}</td>'
            f"<td>{_text_block(generation.get('question'), collapsed=False)}</td>"
            f"<td>{_text_block(generation.get('reference'), collapsed=True)}</td>"
            f"<td>{_text_block(generation.get('answer'), collapsed=True)}</td>"
            f"<td>{replies}</td></tr>"
        )
    return "".join(rows), sorted(categories)


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3}table.samples td{max-width:28em}.text{white-space:pre-wrap;word-break:break-word}
.empty{color:#999}.score.unscored,.score.failed{color:#b00}small{color:#555}
#category-chart .bar{fill:#4e79a7}#category-chart .column .bar{fill:#f28e2b}#category-chart .macro .bar{fill:#59a14f}
#category-chart .whisker{stroke:#222;stroke-width:1.5}#category-chart .grid{stroke:#e3e3e3}
#category-chart text{font-size:11px;fill:#333}.meta td:first-child{font-weight:600}
.filters{margin:.6em 0}.filters *{margin-right:.6em}
.verdict.not-comparable{color:#a15c00}.verdict.comparable{color:#2a7a2a}
"""

SCRIPT = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.sample"));
  var category = document.getElementById("category-filter");
  var status = document.getElementById("status-filter");
  var search = document.getElementById("search");
  var count = document.getElementById("shown-count");
  function apply() {
    var c = category.value, s = status.value, q = search.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var ok = (!c || row.getAttribute("data-category") === c) &&
               (!s || row.getAttribute("data-status") === s) &&
               (!q || row.getAttribute("data-search").indexOf(q) !== -1);
      row.style.display = ok ? "" : "none";
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown);
  }
  [category, status].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  apply();
  document.documentElement.setAttribute("data-report-ready", "1");
})();
"""


def render_html(run: RunDir, scores: Mapping[str, Any]) -> str:
    """The whole ``report.html`` document."""
    info = run.describe()
    meta_rows = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in info.items() if v is not None
    )
    totals = scores["totals"]
    meta_rows += (
        f"<tr><td>samples</td><td>{totals['n_samples']} ({totals['n']} scored, {totals['n_unscored']} unscored "
        f"{totals['unscored_rate']:.1%}, {totals['n_failed']} failed {totals['failed_rate']:.1%})</td></tr>"
    )
    boot = scores["bootstrap"]
    notes = "".join(f"<li>{esc(note)}</li>" for note in run.notes)
    rows, categories = _sample_rows(run, scores)
    options = "".join(f'<option value="{esc(c)}">{esc(c)}</option>' for c in categories)
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness report: {esc(run.name)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Evaluation report: {esc(run.name)}</h1>
<table class="meta">{meta_rows}</table>
{f'<ul class="notes">{notes}</ul>' if notes else ''}
<h2>Scores (Table 5 layout)</h2>
{_table5_html(scores)}
<p><small>Means over scored samples; unscored and failed samples are excluded, not counted as 0.
others = math and code pooled. macro ave = mean of the columns; w/o others = mean of the columns
except others. 95% intervals: {esc(boot['method'])} bootstrap, {boot['n_resamples']} resamples, seed
{boot['seed']}.</small></p>
{paper_html(scores["paper"]) if scores.get("paper") else ""}
<h2>Per category</h2>
{render_chart(scores)}
{_category_table_html(scores)}
<h2>Samples</h2>
<div class="filters">
<label>category <select id="category-filter"><option value="">all</option>{options}</select></label>
<label>status <select id="status-filter"><option value="">all</option><option value="scored">scored</option>
<option value="unscored">unscored</option><option value="failed">failed</option></select></label>
<label>search <input id="search" type="search" placeholder="question, gold or answer"></label>
<span><span id="shown-count">0</span> shown</span>
</div>
<table class="samples" id="samples"><thead><tr><th>id</th><th>category</th><th>score</th><th>question</th>
<th>gold</th><th>answer</th><th>judge reply</th></tr></thead>
<tbody>{rows}</tbody></table>
<script>{SCRIPT}</script>
</body>
</html>
"""
