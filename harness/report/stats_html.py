"""``harness data stats --html FILE``: the paper's Figures 1 and 3 as a self-contained HTML page.

Three horizontal bar charts in inline SVG (no script, no external file): samples per group
(Figure 1, with the paper's printed percentage beside ours for BELLE's eval set), average
instruction length and average gold-response length (Figure 3 a and b), in characters and, when a
tokenizer was given, in tokens. Accessibility: every chart has a title, an ``aria-label``, a
visible legend, value labels on the bars and a data table under it; the two series differ in
colour *and* pattern (solid vs hatched), and both colours have a contrast of at least 6:1 against
the white background (WCAG asks 3:1 for graphics). Dataset text is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.report.html import FONT_STACK, esc

ROW_HEIGHT = 22
BAR_HEIGHT = 16
LABEL_WIDTH = 150
PLOT_WIDTH = 420
VALUE_SPACE = 150
TOP = 8
SERIES_COLOURS = ("#1f5fa8", "#a34700")  # contrast vs white: 6.4:1 and 6.1:1


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
) -> str:
    """A horizontal grouped bar chart: one row per label, one bar per series (name, values, texts)."""
    values = [v for _, vals, _ in series for v in vals if v is not None]
    top = max(values) if values else 1.0
    scale = PLOT_WIDTH / top if top > 0 else 0.0
    per_row = ROW_HEIGHT * len(series) + 8
    height = TOP + per_row * len(labels) + 4
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_SPACE
    parts = [
        f'<svg id="{esc(chart_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        '<defs><pattern id="hatch-' + esc(chart_id) + '" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="' + SERIES_COLOURS[1] + '"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>',
        f'<line class="axis" x1="{LABEL_WIDTH}" y1="{TOP - 4}" x2="{LABEL_WIDTH}" y2="{height - 2}"/>',
    ]
    for row, label in enumerate(labels):
        y0 = TOP + row * per_row
        parts.append(f'<text class="label" x="{LABEL_WIDTH - 6}" y="{y0 + per_row / 2 + 1:.1f}" '
                     f'text-anchor="end">{esc(label)}</text>')
        for index, (name, vals, texts) in enumerate(series):
            value = vals[row]
            y = y0 + index * ROW_HEIGHT
            fill = SERIES_COLOURS[0] if index == 0 else f"url(#hatch-{esc(chart_id)})"
            if value is None:
                parts.append(f'<text class="value" x="{LABEL_WIDTH + 4}" y="{y + BAR_HEIGHT - 3}">'
                             f'{esc(texts[row])}</text>')
                continue
            bar = max(1.0, value * scale)
            parts.append(
                f'<rect class="bar series-{index}" x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{fill}"><title>{esc(label)}, {esc(name)}: {esc(texts[row])}</title></rect>'
            )
            parts.append(f'<text class="value" x="{LABEL_WIDTH + bar + 4:.1f}" y="{y + BAR_HEIGHT - 3}">'
                         f'{esc(texts[row])}</text>')
    parts.append("</svg>")
    swatches = []
    for i, (name, _, _) in enumerate(series):
        fill = SERIES_COLOURS[0] if i == 0 else f"url(#hatch-{esc(chart_id)})"
        swatches.append(
            f'<span class="key"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" '
            f'fill="{fill}"/></svg> {esc(name)}{" (hatched)" if i else ""}</span>'
        )
    legend = "".join(swatches)
    return f'<figure><figcaption>{esc(title)}</figcaption><div class="legend">{legend}</div>{"".join(parts)}</figure>'


def _data_table(table_id: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="data" id="{esc(table_id)}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


STYLE = """
body{font-family:FONTS;margin:1.5em;color:#222;
background:#fff}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 6px}
th{background:#f3f3f3}td{text-align:right}td:first-child{text-align:left}
.chart text{font-size:12px;fill:#222}.chart .axis{stroke:#555}figure{margin:1em 0}
figcaption{font-weight:600;margin-bottom:.3em}.legend{margin:.2em 0 .4em}.key{margin-right:1.2em}
.key svg{vertical-align:middle}small,.note{color:#555}
""".replace("FONTS", FONT_STACK)  # CJK fonts for Linux, macOS and Windows


def render_stats_html(stats: Mapping[str, Any]) -> str:
    """The whole HTML page for one :func:`harness.data.stats.dataset_stats` result."""
    groups = stats["groups"]
    labels = [g["label"] for g in groups]
    tokens = stats.get("tokenizer")
    unit = {"column": "column", "category": "category", "source": "source"}[stats["by"]]
    paper = stats.get("paper")

    counts_series = [(
        "share of samples (%)",
        [100.0 * g["share"] for g in groups],
        [f"{g['samples']} ({100 * g['share']:.1f}%)"
         + (f"; paper {g['paper_percent']}%" if g.get("paper_percent") is not None else "") for g in groups],
    )]

    def length_series(chars_key: str, tokens_key: str) -> list[tuple[str, list, list]]:
        series = [("characters", [g[chars_key] for g in groups],
                   [_num(g[chars_key]) if g[chars_key] is not None else "no gold" for g in groups])]
        if tokens:
            series.append((f"tokens ({tokens})", [g[tokens_key] for g in groups],
                           [_num(g[tokens_key]) if g[tokens_key] is not None else "no gold" for g in groups]))
        return series

    figure1 = bar_chart("figure1", f"Samples per {unit} (Figure 1)", labels, counts_series)
    figure3a = bar_chart("figure3a", "Average instruction length (Figure 3a)", labels,
                         length_series("instruction_chars", "instruction_tokens"))
    gold_rows = [g for g in groups if g["with_gold"]]
    figure3b = bar_chart(
        "figure3b", "Average gold-response length, samples with gold only (Figure 3b)", [g["label"] for g in gold_rows],
        [(name, [v for v, g in zip(vals, groups, strict=True) if g["with_gold"]],
          [t for t, g in zip(texts, groups, strict=True) if g["with_gold"]])
         for name, vals, texts in length_series("gold_chars", "gold_tokens")],
    ) if gold_rows else "<p>No sample has a gold response.</p>"

    head = [unit, "samples", "share", *(["paper (Fig. 1)"] if paper else []), "instr. chars",
            *(["instr. tokens"] if tokens else []), "with gold", "gold chars", *(["gold tokens"] if tokens else [])]
    rows = [
        [g["label"], str(g["samples"]), f"{100 * g['share']:.1f}%",
         *([f"{g['paper_percent']}%" if g["paper_percent"] is not None else "–"] if paper else []),
         _num(g["instruction_chars"]), *([_num(g["instruction_tokens"])] if tokens else []),
         str(g["with_gold"]), _num(g["gold_chars"]), *([_num(g["gold_tokens"])] if tokens else [])]
        for g in groups
    ]
    notes = "".join(f"<li>{esc(n)}</li>" for n in stats.get("notes", []))
    source = f"<p class=note>Paper figures: {esc(paper['source'])}.</p>" if paper else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness data stats: {esc(stats['dataset'])}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Dataset statistics: {esc(stats['dataset'])}</h1>
<p>{stats['samples']} samples, grouped by {esc(unit)}; lengths in {esc(stats['length_unit'])}
{f'(tokenizer {esc(tokens)})' if tokens else ''}.</p>
<ul class="notes">{notes}</ul>
{source}
<h2>Figure 1: distribution</h2>
{figure1}
<h2>Figure 3: lengths</h2>
{figure3a}
{figure3b}
<h2>Data</h2>
{_data_table("stats-table", head, rows)}
</body>
</html>
"""
