"""``harness data stats --html FILE``: the paper's Figures 1 and 3 as a self-contained HTML page.

Three horizontal bar charts in inline SVG (no script, no external file): samples per group
(Figure 1, with the paper's printed percentage beside ours for BELLE's eval set), average
instruction length and average gold-response length (Figure 3 a and b), in characters and, when a
tokenizer was given, in tokens. Accessibility: every chart has a title, an ``aria-label``, a
visible legend, value labels on the bars and a data table under it; the two series differ in
colour *and* pattern (solid vs hatched), and both colours have a contrast of at least 6:1 against
the white background (WCAG asks 3:1 for graphics). Dataset text is HTML-escaped
(``templates/stats.html.j2``, autoescape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.report.templating import render

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
) -> dict[str, Any]:
    """Where a horizontal grouped bar chart's parts go: one row per label, one bar per series
    (name, values, texts); ``templates/stats.html.j2`` draws it."""
    values = [v for _, vals, _ in series for v in vals if v is not None]
    top = max(values) if values else 1.0
    scale = PLOT_WIDTH / top if top > 0 else 0.0
    per_row = ROW_HEIGHT * len(series) + 8
    height = TOP + per_row * len(labels) + 4
    hatch = f"url(#hatch-{chart_id})"
    rows = []
    for row, label in enumerate(labels):
        y0 = TOP + row * per_row
        bars = []
        for index, (name, vals, texts) in enumerate(series):
            y = y0 + index * ROW_HEIGHT
            value = vals[row]
            width = None if value is None else max(1.0, value * scale)
            bars.append(
                {
                    "index": index,
                    "name": name,
                    "text": texts[row],
                    "y": y,
                    "text_y": y + BAR_HEIGHT - 3,
                    "fill": SERIES_COLOURS[0] if index == 0 else hatch,
                    "width": None if width is None else f"{width:.1f}",
                    "text_x": None if width is None else f"{LABEL_WIDTH + width + 4:.1f}",
                }
            )
        rows.append({"label": label, "y": f"{y0 + per_row / 2 + 1:.1f}", "bars": bars})
    keys = [
        {"name": name, "fill": SERIES_COLOURS[0] if i == 0 else hatch, "hatched": i > 0}
        for i, (name, _, _) in enumerate(series)
    ]
    return {
        "id": chart_id,
        "title": title,
        "width": LABEL_WIDTH + PLOT_WIDTH + VALUE_SPACE,
        "height": height,
        "left": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 6,
        "axis_top": TOP - 4,
        "axis_bottom": height - 2,
        "bar_height": BAR_HEIGHT,
        "hatch_colour": SERIES_COLOURS[1],
        "rows": rows,
        "legend": keys,
    }


def render_stats_html(stats: Mapping[str, Any]) -> str:
    """The whole HTML page for one :func:`harness.data.stats.dataset_stats` result."""
    groups = stats["groups"]
    labels = [g["label"] for g in groups]
    tokens = stats.get("tokenizer")
    unit = {"column": "column", "category": "category", "source": "source"}[stats["by"]]
    paper = stats.get("paper")

    counts_series = [
        (
            "share of samples (%)",
            [100.0 * g["share"] for g in groups],
            [
                f"{g['samples']} ({100 * g['share']:.1f}%)"
                + (f"; paper {g['paper_percent']}%" if g.get("paper_percent") is not None else "")
                for g in groups
            ],
        )
    ]

    def length_series(chars_key: str, tokens_key: str) -> list[tuple[str, list, list]]:
        series = [
            (
                "characters",
                [g[chars_key] for g in groups],
                [_num(g[chars_key]) if g[chars_key] is not None else "no gold" for g in groups],
            )
        ]
        if tokens:
            series.append(
                (
                    f"tokens ({tokens})",
                    [g[tokens_key] for g in groups],
                    [_num(g[tokens_key]) if g[tokens_key] is not None else "no gold" for g in groups],
                )
            )
        return series

    figure1 = bar_chart("figure1", f"Samples per {unit} (Figure 1)", labels, counts_series)
    figure3a = bar_chart(
        "figure3a",
        "Average instruction length (Figure 3a)",
        labels,
        length_series("instruction_chars", "instruction_tokens"),
    )
    gold_rows = [g for g in groups if g["with_gold"]]
    figure3b = (
        bar_chart(
            "figure3b",
            "Average gold-response length, samples with gold only (Figure 3b)",
            [g["label"] for g in gold_rows],
            [
                (
                    name,
                    [v for v, g in zip(vals, groups, strict=True) if g["with_gold"]],
                    [t for t, g in zip(texts, groups, strict=True) if g["with_gold"]],
                )
                for name, vals, texts in length_series("gold_chars", "gold_tokens")
            ],
        )
        if gold_rows
        else None
    )

    head = [
        unit,
        "samples",
        "share",
        *(["paper (Fig. 1)"] if paper else []),
        "instr. chars",
        *(["instr. tokens"] if tokens else []),
        "with gold",
        "gold chars",
        *(["gold tokens"] if tokens else []),
    ]
    rows = [
        [
            g["label"],
            str(g["samples"]),
            f"{100 * g['share']:.1f}%",
            *([f"{g['paper_percent']}%" if g["paper_percent"] is not None else "–"] if paper else []),
            _num(g["instruction_chars"]),
            *([_num(g["instruction_tokens"])] if tokens else []),
            str(g["with_gold"]),
            _num(g["gold_chars"]),
            *([_num(g["gold_tokens"])] if tokens else []),
        ]
        for g in groups
    ]
    return render(
        "stats.html.j2",
        stats=stats,
        unit=unit,
        tokens=tokens,
        paper=paper,
        figure1=figure1,
        figure3a=figure3a,
        figure3b=figure3b,
        head=head,
        rows=rows,
    )
