"""The self-contained ``report.html``: a bar chart with CI whiskers and a browsable sample view.

Self-contained means one file with inline CSS, inline SVG and a few lines of inline script (for
the sample filters): no external JS, CSS or fonts, so it opens offline, from an e-mail, or from a
CI artifact. Every piece of run data is HTML-escaped -- questions, answers and judge replies are
untrusted text (a model may well answer with ``<script>``). The script only toggles rows and, once
it has run, marks ``<html data-report-ready="1">`` (the browser test checks that mark).

What a reader on any screen gets (each point is checked in headless chromium by
``tests/report/test_html_browser.py``):

* Chinese renders without an installed CJK web font: the font stack names the CJK fonts that ship
  with Linux (Noto / Source Han / WenQuanYi), macOS (PingFang, Hiragino) and Windows (YaHei).
  The interface is English (``<html lang="en">``); each text block holding Chinese carries
  ``lang="zh"``, so the browser picks Chinese glyph forms and screen readers the right voice.
* It fits a 390 px phone: tables and the chart scroll inside their own box, never the page (each
  box is a labelled region that takes keyboard focus, so it scrolls with the arrow keys too).
* Search stays under 50 ms a keystroke at 1,000 samples: each row's lowercase search text (id,
  category id and display name, question, gold where shown, answer) is built once at load, the
  filter runs after typing pauses, and only rows whose state changes are touched (``hidden``).
  Laying out 1,000 table rows again was the real cost (0.3 to 2.5 s when a search is cleared), so
  the sample rows are grid boxes with fixed column widths and ``content-visibility: auto``: the
  browser lays out only the rows on screen. ARIA roles keep them a table for screen readers.
* The chart is readable: every bar colour has at least 3:1 contrast against the white page (WCAG
  1.4.11), a legend names the bar kinds, and the axis runs from the scale's low end to a round
  value just above the highest interval (stated under the chart), so low scores are not squeezed
  into a few pixels of a fixed 0..1 axis.
* Without JavaScript everything is shown and the counter says so ("30 of 30 shown"); the filter
  controls, which need the script, appear only once it runs.
* A gold answer is shown only for categories whose judge prompt shows it (``gold_shown``); for the
  others the cell says the judge did not see one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from harness.report.calibration_html import calibration_html
from harness.report.escape import html_text
from harness.report.judge_trust import trust_html
from harness.report.rundir import RunDir
from harness.scales import ScoreScale, check_record
from harness.specs import CategorySpec

CHART_HEIGHT = 260
BAR_WIDTH = 34
BAR_GAP = 22
MARGIN_LEFT = 46
MARGIN_TOP = 16
LABEL_SPACE = 92


esc = html_text  # every piece of run data goes through the one escaping module (harness.report.escape)

# Latin UI fonts first, then a CJK font for each desktop system: Linux (Noto CJK / Source Han, the same
# font under two names; WenQuanYi), macOS (PingFang, Hiragino) and Windows (Microsoft YaHei).
FONT_STACK = ('system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","Source Han Sans SC",'
              '"WenQuanYi Micro Hei","PingFang SC","Hiragino Sans GB","Microsoft YaHei",sans-serif')

# Bar fills, each at least 3:1 against the white page (WCAG 1.4.11 non-text contrast):
# category #1f5fa8 6.4:1, pooled column (others) #b35806 4.9:1, macro average #2e7d32 5.1:1.
BAR_COLOURS = {"category": "#1f5fa8", "column": "#b35806", "macro": "#2e7d32"}
BAR_KIND_NAMES = {"category": "category", "column": "pooled column (others = math + code)", "macro": "macro average"}
PREVIEW_CHARS = 60
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def lang_attr(text: Any) -> str:
    """`` lang="zh"`` for text holding Chinese (the page itself is ``lang="en"``), else nothing."""
    return ' lang="zh"' if text is not None and _CJK.search(str(text)) else ""


def fmt_score(value: Any) -> str:
    """A judge's score as shown: a number to 3 decimals (``0.053``, not ``0.052532833020637895``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return fmt(float(value))
    return esc(value)


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


def nice_axis(scale: ScoreScale, top: float | None) -> tuple[float, float]:
    """The axis end and tick step, in score units: from ``scale.low`` to a round value just above
    ``top`` (the highest mean or interval end), never past ``scale.high``; at most 5 steps."""
    span = scale.high - scale.low
    reach = span if top is None else min(max(top - scale.low, span * 0.01), span)
    exponent = math.floor(math.log10(reach / 5))
    for power in (exponent, exponent + 1, exponent + 2):
        for mantissa in (1, 2, 2.5, 5):
            step = mantissa * 10.0**power
            steps = max(1, math.ceil(reach * 1.02 / step - 1e-9))
            if steps <= 5:
                return scale.low + min(span, steps * step), step
    return scale.high, span / 4


def _chart_top(bars: list[dict[str, Any]]) -> float | None:
    values = [v for bar in bars for v in (bar["mean"], bar["ci_high"]) if v is not None]
    return max(values) if values else None


def chart_legend() -> str:
    """The chart's legend: one swatch per bar kind, and what the whiskers are."""
    keys = "".join(
        f'<span class="key"><svg width="14" height="14" aria-hidden="true"><rect class="swatch {kind}" width="14" '
        f'height="14" fill="{colour}"/></svg> {esc(BAR_KIND_NAMES[kind])}</span>'
        for kind, colour in BAR_COLOURS.items()
    )
    return (f'<div class="legend" id="chart-legend">{keys}<span class="key"><svg width="14" height="14" '
            'aria-hidden="true"><line x1="7" y1="1" x2="7" y2="13" stroke="#222" stroke-width="1.5"/></svg> '
            "95% confidence interval</span></div>")


def render_chart(scores: Mapping[str, Any]) -> str:
    """An inline SVG bar chart of the means with 95% CI whiskers, its legend and its axis note.

    The axis is on the judge's declared scale, from its low end to a round value just above the
    highest bar or whisker (the note under the chart says so): a fixed 0..1 axis would squeeze a
    run scoring 0.05 into a few pixels. The SVG scales to its box and scrolls inside it on a phone.
    """
    bars = chart_bars(scores)
    width = MARGIN_LEFT + len(bars) * (BAR_WIDTH + BAR_GAP) + BAR_GAP
    height = MARGIN_TOP + CHART_HEIGHT + LABEL_SPACE

    scale = ScoreScale.from_value(scores.get("scale"))  # the axis is the judge's declared scale
    axis_max, step = nice_axis(scale, _chart_top(bars))

    def y(value: float) -> float:
        unit = (value - scale.low) / (axis_max - scale.low)
        return MARGIN_TOP + CHART_HEIGHT * (1.0 - max(0.0, min(1.0, unit)))

    parts = [
        f'<svg id="category-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'style="max-width:{width}px" role="img" '
        f'aria-label="Mean score per category with 95% confidence intervals, axis {scale.low:g} to {axis_max:g}">'
    ]
    ticks = [scale.low + i * step for i in range(int(round((axis_max - scale.low) / step + 1e-9)) + 1)]
    if ticks[-1] < axis_max - 1e-9:
        ticks.append(axis_max)
    for tick in ticks:
        ty = y(tick)
        parts.append(f'<line class="grid" x1="{MARGIN_LEFT}" y1="{ty:.1f}" x2="{width - 4}" y2="{ty:.1f}"/>')
        parts.append(f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">'
                     f"{round(tick, 6):g}</text>")
    mid = MARGIN_TOP + CHART_HEIGHT / 2
    parts.append(f'<text class="axis-title" x="12" y="{mid:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {mid:.1f})">mean score</text>')
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
            high = bar["ci_high"] if bar["ci_high"] is not None else bar["mean"]
            parts.append(f'<text class="value" x="{cx}" y="{min(top, y(high)) - 4:.1f}" '
                         f'text-anchor="middle">{fmt(bar["mean"])}</text>')
        else:
            parts.append(f'<text class="value" x="{cx}" y="{MARGIN_TOP + CHART_HEIGHT - 4}" text-anchor="middle">n/a</text>')
        ly = MARGIN_TOP + CHART_HEIGHT + 12
        parts.append(
            f'<text class="label" x="{cx}" y="{ly}" text-anchor="end" transform="rotate(-40 {cx} {ly})"'
            f'{lang_attr(bar["label"])}>{label}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    zoomed = axis_max < scale.high
    note = (
        f"Axis: {scale.low:g} to {axis_max:g} of the judge's {scale.low:g}..{scale.high:g} scale"
        + (", zoomed to just above the highest bar or interval." if zoomed else " (the whole scale).")
        + " Bars: mean over scored samples; whiskers: 95% bootstrap confidence interval."
    )
    return (f'<figure class="chart">{chart_legend()}<div class="scroll chart-box" tabindex="0" role="region" aria-label="chart">{"".join(parts)}</div>'
            f'<figcaption id="axis-note"><small>{esc(note)}</small></figcaption></figure>')


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
        f'<div class="scroll" tabindex="0" role="region" aria-label="scores, Table 5 layout"><table class="scores" id="table5"><thead><tr>{head}<th>macro ave</th><th>macro ave w/o others</th></tr>'
        f"</thead><tbody><tr>{cells}"
        f"<td><b>{fmt(macro['mean'])}</b><br><small>[{fmt(macro['ci_low'])}, {fmt(macro['ci_high'])}]</small></td>"
        f"<td><b>{fmt(macro_wo['mean'])}</b><br><small>[{fmt(macro_wo['ci_low'])}, {fmt(macro_wo['ci_high'])}]"
        "</small></td></tr></tbody></table></div>"
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
            f'<tr><td title="{esc(cid)}"{lang_attr(row["display_name"])}>{esc(row["display_name"])}</td>'
            f"<td>{esc(_column_label(scores, row['group']))}</td>"
            f"<td>{fmt(row['mean'])}</td><td>{fmt(row['ci_low'])} – {fmt(row['ci_high'])}</td>"
            f"<td>{row['n']}</td><td>{row['n_unscored']} ({row['unscored_rate']:.1%})</td>"
            f"<td>{row['n_failed']} ({row['failed_rate']:.1%})</td>"
            f"<td>{row['repeats']}{'' if row['repeat_sd'] is None else ' (sd ' + fmt(row['repeat_sd']) + ')'}</td></tr>"
        )
    return (
        '<div class="scroll" tabindex="0" role="region" aria-label="per category"><table class="scores" id="categories"><thead><tr><th>category</th><th>column</th>'
        "<th>mean</th><th>95% CI</th><th>n scored</th><th>unscored</th><th>failed</th><th>repeats</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _column_label(scores: Mapping[str, Any], group: str) -> str:
    column = scores.get("columns", {}).get(group)
    return column["label"] if column else group


def _text_block(text: Any, *, collapsed: bool) -> str:
    """A text cell: short text (and any text with ``collapsed`` False) as it is; longer text as a
    one-line preview that opens to the whole text (the preview is hidden then, so nothing shows twice)."""
    if text in (None, ""):
        return '<span class="empty">(empty)</span>'
    text = str(text)
    lang = lang_attr(text)
    if not collapsed or (len(text) <= PREVIEW_CHARS and "\n" not in text):
        return f'<div class="text"{lang}>{esc(text)}</div>'
    preview = esc(text.splitlines()[0][:PREVIEW_CHARS]) + "…"
    return (f'<details><summary><span class="preview"{lang}>{preview}</span></summary>'
            f'<div class="text"{lang}>{esc(text)}</div></details>')


NOT_SHOWN = ('<span class="empty" title="this category\'s judge prompt shows no gold answer, so none is shown here">'
             "not shown to the judge</span>")


def _sample_rows(
    run: RunDir, scores: Mapping[str, Any], categories: Mapping[str, CategorySpec]
) -> tuple[str, int, dict[str, str]]:
    """The sample table's rows, their number, and the categories present (id -> display name)."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for judgment in run.judgments:
        by_id.setdefault(str(judgment.get("id")), []).append(judgment)
    ids = sorted(set(by_id) | set(run.generations))
    rows = []
    present: dict[str, str] = {}
    for sample_id in ids:
        generation = run.generations.get(sample_id, {})
        # a NaN or out-of-range score on disk is shown as what it counts as: unscored, with the reason
        judgments = sorted((check_record(j)[0] for j in by_id.get(sample_id, [])),
                           key=lambda j: int(j.get("repeat") or 0))
        category = str(generation.get("category") or (judgments[0].get("category") if judgments else ""))
        spec = categories.get(category)
        display = (scores["categories"].get(category) or {}).get("display_name") or (
            spec.display_name if spec is not None else category)
        present[category] = display
        scored = [float(j["score"]) for j in judgments if j.get("status") == "scored" and j.get("score") is not None]
        statuses = sorted({str(j.get("status")) for j in judgments}) or ["not judged"]
        status = "scored" if scored else statuses[0]
        score_text = fmt(sum(scored) / len(scored)) if scored else esc(status)
        replies = "".join(
            f'<div class="reply"><small>{esc(j.get("judge") or "judge")} #{esc(j.get("repeat") or 0)} '
            f'[{esc(j.get("status"))}{"" if j.get("score") is None else " " + fmt_score(j.get("score"))}]'
            f'{" – " + esc(j.get("reason")) if j.get("reason") else ""}</small>'
            f'{_text_block(j.get("raw"), collapsed=True) if j.get("raw") not in (None, "") else ""}</div>'
            for j in judgments
        )
        # the judge saw the gold answer only where the category's prompt shows it
        gold_shown = spec is None or spec.gold_shown
        gold = _text_block(generation.get("reference"), collapsed=True) if gold_shown else NOT_SHOWN
        rows.append(
            f'<tr class="sample" role="row" data-category="{esc(category)}" data-status="{esc(status)}">'
            f'<td role="cell" class="sid">{esc(sample_id)}</td>'
            f'<td role="cell" class="cat"{lang_attr(display)}>{esc(display)}</td>'
            f'<td role="cell" class="score {esc(status)}">{score_text}</td>'
            f'<td role="cell" class="q">{_text_block(generation.get("question"), collapsed=False)}</td>'
            f'<td role="cell" class="{"gold" if gold_shown else "no-gold"}">{gold}</td>'
            f'<td role="cell" class="answer">{_text_block(generation.get("answer"), collapsed=True)}</td>'
            f'<td role="cell" class="replies">{replies}</td></tr>'
        )
    return "".join(rows), len(ids), present


STYLE = """
html{-webkit-text-size-adjust:100%}
body{font-family:FONTS;margin:1.5em;color:#222;background:#fff}
.meta td,.notes,h1{overflow-wrap:anywhere}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.scroll{overflow-x:auto;max-width:100%}.scroll:focus-visible{outline:2px solid #1f5fa8}
table{border-collapse:collapse;font-size:.9em}table.scores th,table.scores td{white-space:nowrap}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3}.text{white-space:pre-wrap;word-break:break-word}
table.samples{display:block;min-width:60em;border-left:1px solid #ccc;border-top:1px solid #ccc}
table.samples thead,table.samples tbody{display:block}
table.samples tr{display:grid;grid-template-columns:8em 8.5em 5em repeat(4,minmax(0,1fr))}
table.samples tr[hidden]{display:none}table.samples th,table.samples td{border-width:0 1px 1px 0;text-align:left;overflow-wrap:anywhere}
table.samples tbody tr{content-visibility:auto;contain-intrinsic-size:auto 4em}
.empty{color:#666}.score.unscored,.score.failed{color:#b00}small{color:#555}
details>summary{cursor:pointer}details[open]>summary .preview{display:none}
details[open]>summary::after{content:"hide";color:#555;font-size:.85em}
#category-chart{display:block;width:100%;min-width:40em;height:auto}
#category-chart .category .bar{fill:CATEGORY}#category-chart .column .bar{fill:COLUMN}
#category-chart .macro .bar{fill:MACRO}
#category-chart .whisker{stroke:#222;stroke-width:1.5}#category-chart .grid{stroke:#e3e3e3}
#category-chart text{font-size:12px;fill:#333}figure.chart{margin:.5em 0}
.legend{margin:.3em 0;font-size:.9em}.key{margin-right:1.2em;white-space:nowrap}.key svg{vertical-align:middle}
.meta td:first-child{font-weight:600}
.filters{margin:.6em 0;display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:center}
.filters input,.filters select{max-width:100%}.filters[hidden]{display:none}
.verdict.not-comparable{color:#a15c00}.verdict.comparable{color:#2a7a2a}.paper{overflow-x:auto;max-width:100%}
@media (max-width:600px){body{margin:.6em}table{font-size:.8em}table.samples{min-width:48em}}
""".replace("FONTS", FONT_STACK).replace("CATEGORY", BAR_COLOURS["category"]).replace(
    "COLUMN", BAR_COLOURS["column"]).replace("MACRO", BAR_COLOURS["macro"])

SEARCH_DELAY_MS = 150  # the filter runs once typing pauses this long, not on every keystroke

SCRIPT = """
(function () {
  var rows = document.getElementById("samples").tBodies[0].rows;
  var category = document.getElementById("category-filter");
  var status = document.getElementById("status-filter");
  var search = document.getElementById("search");
  var count = document.getElementById("shown-count");
  var n = rows.length, text = new Array(n), cat = new Array(n), st = new Array(n), shown = new Array(n);
  function cellText(row, name) { var cell = row.querySelector("td." + name); return cell ? cell.textContent : ""; }
  // built once: what a search can match in each row, lowercased
  for (var i = 0; i < n; i++) {
    var row = rows[i];
    cat[i] = row.getAttribute("data-category");
    st[i] = row.getAttribute("data-status");
    shown[i] = !row.hidden;
    text[i] = [cellText(row, "sid"), cat[i], cellText(row, "cat"), cellText(row, "q"),
               cellText(row, "gold"), cellText(row, "answer")].join(" ").toLowerCase();
  }
  function apply() {
    performance.clearMarks("harness-filter");
    performance.mark("harness-filter");  // User Timing: how long a filter run takes (the browser test reads it)
    var c = category.value, s = status.value, q = search.value.trim().toLowerCase(), total = 0;
    for (var i = 0; i < n; i++) {
      var ok = (!c || cat[i] === c) && (!s || st[i] === s) && (!q || text[i].indexOf(q) !== -1);
      if (ok !== shown[i]) { rows[i].hidden = !ok; shown[i] = ok; }
      if (ok) { total += 1; }
    }
    count.textContent = String(total);
  }
  var timer = 0;
  function later() { clearTimeout(timer); timer = setTimeout(apply, DELAY); }
  [category, status].forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", later);
  if (category.value || status.value || search.value) { apply(); }  // a browser may restore the fields
  document.getElementById("filters").hidden = false;
  document.documentElement.setAttribute("data-report-ready", "1");
})();
""".replace("DELAY", str(SEARCH_DELAY_MS))


def turns_html(scores: Mapping[str, Any]) -> str:
    """Per-turn means (runs of multi-turn samples, ``scores["turns"]``), as in report.md."""
    turns = scores.get("turns")
    if not turns or not turns.get("overall"):
        return ""
    numbers = sorted(turns["overall"], key=int)
    head = "".join(f"<th>turn {esc(t)}</th>" for t in numbers)
    rows = []
    for cid, row in scores["categories"].items():
        cells = "".join(f"<td>{fmt(turns['categories'].get(cid, {}).get(t))}</td>" for t in numbers)
        rows.append(f"<tr><td{lang_attr(row['display_name'])}>{esc(row['display_name'])}</td>{cells}"
                    f"<td>{fmt(row['mean'])}</td></tr>")
    overall = turns["overall"]
    cells = "".join(f"<td>{fmt(overall[t]['mean'])} ({fmt(overall[t]['ci_low'])}–{fmt(overall[t]['ci_high'])})</td>"
                    for t in numbers)
    rows.append(f"<tr><td><b>overall</b></td>{cells}<td></td></tr>")
    return ('<h2>Per turn</h2><div class="scroll" tabindex="0" role="region" aria-label="per turn">'
            f'<table class="scores"><thead><tr><th>category</th>{head}<th>both turns</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div><p><small>Each turn is judged on its own, the whole "
            "conversation shown; turn intervals: 95% percentile bootstrap.</small></p>")


def headline_html(scores: Mapping[str, Any]) -> str:
    """The figure the run is quoted by, as in report.md (nothing for a scores dict without one)."""
    headline = scores.get("headline")
    if not headline:
        return ""
    return (f'<p class="headline" id="headline"><b>Headline: {fmt(headline["mean"])}</b> (95% CI '
            f'{fmt(headline["ci_low"])}–{fmt(headline["ci_high"])}), {esc(headline["name"])}, over '
            f'{esc(headline["n"])} scored items; the interval resamples each {esc(headline["bootstrap_unit"])}.</p>')


def published_html(scores: Mapping[str, Any]) -> str:
    """Scores published for the dataset with this judge: for reference, marked as not measured here."""
    published = scores.get("published")
    if not published:
        return ""
    rows = "".join(f"<tr><td>{esc(name)}</td><td>{value:.2f}</td></tr>" for name, value in published["scores"].items())
    return ("<h2>Published scores (for reference, not measured by this run)</h2>"
            f'<table class="scores"><thead><tr><th>model</th><th>published overall</th></tr></thead>'
            f"<tbody>{rows}</tbody></table><p><small>Source: {esc(published['source'])}. Judge: "
            f"{esc(published['judge'])}. {esc(published['note'])}.</small></p>" + (
                f"<p><small>Their answers: {esc(published['protocol'])}. This run's answers: "
                f"{esc(published.get('run_decoding') or 'not recorded')}.</small></p>"
                if published.get("protocol") else ""))


def render_html(run: RunDir, scores: Mapping[str, Any], categories: Mapping[str, CategorySpec] | None = None) -> str:
    """The whole ``report.html`` document. ``categories`` (the registry's when ``None``) says each
    category's display name and whether its judge saw the gold answer."""
    if categories is None:
        from harness.manager import get_registry

        categories = get_registry().categories()
    info = run.describe()
    meta_rows = "".join(
        f"<tr><td>{esc(k)}</td><td{lang_attr(v)}>{esc(v)}</td></tr>" for k, v in info.items() if v is not None
    )
    totals = scores["totals"]
    meta_rows += (
        f"<tr><td>samples</td><td>{totals['n_samples']} ({totals['n']} scored, {totals['n_unscored']} unscored "
        f"{totals['unscored_rate']:.1%}, {totals['n_failed']} failed {totals['failed_rate']:.1%})</td></tr>"
    )
    boot = scores["bootstrap"]
    notes = "".join(f"<li{lang_attr(note)}>{esc(note)}</li>" for note in run.notes)
    rows, n_rows, present = _sample_rows(run, scores, categories)
    options = "".join(
        f'<option value="{esc(c)}">{esc(name)}</option>'
        for c, name in sorted(present.items(), key=lambda item: (item[1], item[0]))
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness report: {esc(run.name)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Evaluation report: <span{lang_attr(run.name)}>{esc(run.name)}</span></h1>
<div class="scroll" tabindex="0" role="region" aria-label="run"><table class="meta">{meta_rows}</table></div>
{f'<ul class="notes">{notes}</ul>' if notes else ''}
{headline_html(scores)}
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
{turns_html(scores)}
{calibration_html(scores)}
{published_html(scores)}
{trust_html(scores.get("judge_bias"))}
<h2>Samples</h2>
<div class="filters" id="filters" hidden>
<label>category <select id="category-filter"><option value="">all</option>{options}</select></label>
<label>status <select id="status-filter"><option value="">all</option><option value="scored">scored</option>
<option value="unscored">unscored</option><option value="failed">failed</option></select></label>
<label>search <input id="search" type="search" placeholder="id, category, question, gold or answer"></label>
</div>
<noscript><p><small>Filtering and search need JavaScript; every sample is listed below.</small></p></noscript>
<p class="counter"><span id="shown-count">{n_rows}</span> of {n_rows} shown</p>
<div class="scroll" tabindex="0" role="region" aria-label="samples"><table class="samples" id="samples" role="table"><thead role="rowgroup"><tr role="row">
<th role="columnheader">id</th><th role="columnheader">category</th><th role="columnheader">score</th>
<th role="columnheader">question</th><th role="columnheader">gold</th><th role="columnheader">answer</th>
<th role="columnheader">judge reply</th></tr></thead>
<tbody role="rowgroup">{rows}</tbody></table></div>
<script>{SCRIPT}</script>
</body>
</html>
"""
