"""The self-contained ``report.html``: a bar chart with CI whiskers and a browsable sample view.

Self-contained means one file with inline CSS, inline SVG and a few lines of inline script (for
the sample filters): no external JS, CSS or fonts, so it opens offline, from an e-mail, or from a
CI artifact. Every piece of run data is HTML-escaped -- questions, answers and judge replies are
untrusted text (a model may well answer with ``<script>``). The script only toggles rows and, once
it has run, marks ``<html data-report-ready="1">`` (the browser test checks that mark).
The markup is ``templates/report.html.j2`` (its pieces: ``report_parts.html.j2``), the CSS and
script ``static/report.css`` and ``static/report.js``, inlined when the page is written; this
module computes what the template lays out (chart geometry, sample rows).

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
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from harness.manager import get_registry
from harness.report.calibration_html import calibration_html
from harness.report.cells import fmt
from harness.report.cells import lang_attr as lang_attr
from harness.report.escape import html_text
from harness.report.judge_trust import trust_html
from harness.report.rundir import RunDir
from harness.report.templating import environment, render
from harness.scales import ScoreScale, check_record
from harness.scoring.records import CategoryScore, ColumnScore, MacroScore, Scores
from harness.specs import CategorySpec

CHART_HEIGHT = 260
BAR_WIDTH = 34
BAR_GAP = 22
MARGIN_LEFT = 46
MARGIN_TOP = 16
LABEL_SPACE = 92


# for a fragment still built in Python: every piece of run data goes through the one escaping module
esc = html_text

# Latin UI fonts first, then a CJK font for each desktop system: Linux (Noto CJK / Source Han, the same
# font under two names; WenQuanYi), macOS (PingFang, Hiragino) and Windows (Microsoft YaHei).
FONT_STACK = (
    'system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","Source Han Sans SC",'
    '"WenQuanYi Micro Hei","PingFang SC","Hiragino Sans GB","Microsoft YaHei",sans-serif'
)

# Bar fills, each at least 3:1 against the white page (WCAG 1.4.11 non-text contrast):
# category #1f5fa8 6.4:1, pooled column (others) #b35806 4.9:1, macro average #2e7d32 5.1:1.
BAR_COLOURS = {"category": "#1f5fa8", "column": "#b35806", "macro": "#2e7d32"}
BAR_KIND_NAMES = {
    "category": "category",
    "column": "pooled column (others = math + code)",
    "macro": "macro average",
}


def chart_bars(scores: Scores) -> list[dict[str, Any]]:
    """Bars in display order: every category, then pooled multi-category columns, then the macros."""
    bars = [_bar(row.display_name, "category", row, row.n) for row in scores.categories.values()]
    for column in scores.columns.values():
        if len(column.categories) > 1:
            bars.append(_bar(column.label, "column", column, column.n))
    bars.append(_bar("macro ave", "macro", scores.macro, None))
    bars.append(_bar("macro ave w/o others", "macro", scores.macro_wo_others, None))
    return bars


def _bar(
    label: str, kind: str, figure: CategoryScore | ColumnScore | MacroScore, n: int | None
) -> dict[str, Any]:
    """One bar: a figure's mean and interval (a macro has no ``n``)."""
    return {
        "label": label,
        "kind": kind,
        "mean": figure.mean,
        "ci_low": figure.ci_low,
        "ci_high": figure.ci_high,
        "n": n,
    }


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


def _parts() -> Any:
    """The macros of ``templates/report_parts.html.j2``, callable from Python."""
    return environment().get_template("report_parts.html.j2").make_module()


def _legend_kinds() -> list[tuple[str, str, str]]:
    return [(kind, colour, BAR_KIND_NAMES[kind]) for kind, colour in BAR_COLOURS.items()]


def chart_legend() -> str:
    """The chart's legend: one swatch per bar kind, and what the whiskers are."""
    return str(_parts().legend(_legend_kinds()))


def chart_model(scores: Scores) -> dict[str, Any]:
    """Where everything of the bar chart goes (the template draws it; see :func:`render_chart`)."""
    bars = chart_bars(scores)
    width = MARGIN_LEFT + len(bars) * (BAR_WIDTH + BAR_GAP) + BAR_GAP
    height = MARGIN_TOP + CHART_HEIGHT + LABEL_SPACE
    scale = scores.scale_or_default  # the axis is the judge's declared scale
    axis_max, step = nice_axis(scale, _chart_top(bars))

    def y(value: float) -> float:
        unit = (value - scale.low) / (axis_max - scale.low)
        return MARGIN_TOP + CHART_HEIGHT * (1.0 - max(0.0, min(1.0, unit)))

    ticks = [scale.low + i * step for i in range(int(round((axis_max - scale.low) / step + 1e-9)) + 1)]
    if ticks[-1] < axis_max - 1e-9:
        ticks.append(axis_max)
    zoomed = axis_max < scale.high
    note = (
        f"Axis: {scale.low:g} to {axis_max:g} of the judge's {scale.low:g}..{scale.high:g} scale"
        + (", zoomed to just above the highest bar or interval." if zoomed else " (the whole scale).")
        + " Bars: mean over scored samples; whiskers: 95% bootstrap confidence interval."
    )
    return {
        "width": width,
        "height": height,
        "left": MARGIN_LEFT,
        "grid_end": width - 4,
        "tick_x": MARGIN_LEFT - 6,
        "bar_width": BAR_WIDTH,
        "mid": f"{MARGIN_TOP + CHART_HEIGHT / 2:.1f}",
        "na_y": MARGIN_TOP + CHART_HEIGHT - 4,
        "label_y": MARGIN_TOP + CHART_HEIGHT + 12,
        "note": note,
        "aria": f"Mean score per category with 95% confidence intervals, axis {scale.low:g} to {axis_max:g}",
        "ticks": [
            {"y": f"{y(t):.1f}", "text_y": f"{y(t) + 4:.1f}", "label": f"{round(t, 6):g}"} for t in ticks
        ],
        "bars": [
            _bar_model(bar, MARGIN_LEFT + BAR_GAP + i * (BAR_WIDTH + BAR_GAP), y)
            for i, bar in enumerate(bars)
        ],
    }


def _bar_model(bar: Mapping[str, Any], x: float, y: Any) -> dict[str, Any]:
    cx = x + BAR_WIDTH / 2
    model = {"kind": bar["kind"], "label": bar["label"], "mean": bar["mean"], "x": x, "cx": cx}
    if bar["mean"] is None:
        return model
    top = y(bar["mean"])
    n = f", n={bar['n']}" if bar.get("n") is not None else ""
    model.update(
        top=f"{top:.1f}",
        height=f"{MARGIN_TOP + CHART_HEIGHT - top:.1f}",
        mean_text=fmt(bar["mean"]),
        tooltip=f"{bar['label']}: {fmt(bar['mean'])} (95% CI {fmt(bar['ci_low'])}–{fmt(bar['ci_high'])}{n})",
        whiskers=[],
    )
    if bar["ci_low"] is not None and bar["ci_high"] is not None:
        lo, hi = f"{y(bar['ci_low']):.1f}", f"{y(bar['ci_high']):.1f}"
        model["whiskers"] = [(cx, lo, cx, hi), *((cx - 6, cap, cx + 6, cap) for cap in (lo, hi))]
    high = bar["ci_high"] if bar["ci_high"] is not None else bar["mean"]
    model["value_y"] = f"{min(top, y(high)) - 4:.1f}"
    return model


def render_chart(scores: Scores) -> str:
    """An inline SVG bar chart of the means with 95% CI whiskers, its legend and its axis note.

    The axis is on the judge's declared scale, from its low end to a round value just above the
    highest bar or whisker (the note under the chart says so): a fixed 0..1 axis would squeeze a
    run scoring 0.05 into a few pixels. The SVG scales to its box and scrolls inside it on a phone.
    """
    return str(_parts().chart(chart_model(scores), _legend_kinds()))


def paper_html(paper: Mapping[str, Any], *, heading: str = "h2") -> str:
    """Published beside measured, per Table 5 column and macro, under the comparability verdict.

    ``paper`` is the ``paper`` section of ``scores.json`` (:mod:`harness.paper.side_by_side`). The
    verdict ("substitute data: not comparable") and every difference from the paper's setup come
    first, so nobody reads the figures without it.
    """
    return str(_parts().paper(paper, heading))


def _column_label(scores: Scores, group: str) -> str:
    column = scores.columns.get(group)
    return column.label if column else group


def _category_rows(scores: Scores) -> list[tuple[str, CategoryScore, str]]:
    return [(cid, row, _column_label(scores, row.group)) for cid, row in scores.categories.items()]


def _text_block(text: Any, *, collapsed: bool) -> str:
    """A text cell: short text (and any text with ``collapsed`` False) as it is; longer text as a
    one-line preview that opens to the whole text (the preview is hidden then, so nothing shows twice)."""
    return str(_parts().text_block(text, collapsed))


def _sample_rows(
    run: RunDir, scores: Scores, categories: Mapping[str, CategorySpec]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The sample table's rows (what each cell shows) and the categories present (id -> display name)."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for judgment in run.judgments:
        by_id.setdefault(str(judgment.get("id")), []).append(judgment)
    rows = []
    present: dict[str, str] = {}
    for sample_id in sorted(set(by_id) | set(run.generations)):
        generation = run.generations.get(sample_id, {})
        # a NaN or out-of-range score on disk is shown as what it counts as: unscored, with the reason
        judgments = sorted(
            (check_record(j)[0] for j in by_id.get(sample_id, [])), key=lambda j: int(j.get("repeat") or 0)
        )
        category = str(generation.get("category") or (judgments[0].get("category") if judgments else ""))
        spec = categories.get(category)
        known = scores.categories.get(category)
        display = (known.display_name if known else "") or (
            spec.display_name if spec is not None else category
        )
        present[category] = display
        scored = [
            float(j["score"]) for j in judgments if j.get("status") == "scored" and j.get("score") is not None
        ]
        statuses = sorted({str(j.get("status")) for j in judgments}) or ["not judged"]
        status = "scored" if scored else statuses[0]
        rows.append(
            {
                "id": sample_id,
                "category": category,
                "display": display,
                "status": status,
                "score": fmt(sum(scored) / len(scored)) if scored else status,
                "question": generation.get("question"),
                "reference": generation.get("reference"),
                "answer": generation.get("answer"),
                "judgments": judgments,
                # the judge saw the gold answer only where the category's prompt shows it
                "gold_shown": spec is None or spec.gold_shown,
            }
        )
    return rows, present


def turns_html(scores: Scores) -> str:
    """Per-turn means (runs of multi-turn samples, the ``turns`` section), as in report.md."""
    return str(_parts().turns(scores))


def headline_html(scores: Scores) -> str:
    """The figure the run is quoted by, as in report.md (nothing for a scores dict without one)."""
    return str(_parts().headline(scores))


def published_html(scores: Scores) -> str:
    """Scores published for the dataset with this judge: for reference, marked as not measured here."""
    return str(_parts().published(scores))


def render_html(run: RunDir, scores: Scores, categories: Mapping[str, CategorySpec] | None = None) -> str:
    """The whole ``report.html`` document. ``categories`` (the registry's when ``None``) says each
    category's display name and whether its judge saw the gold answer."""
    if categories is None:
        categories = get_registry().categories()
    rows, present = _sample_rows(run, scores, categories)
    return render(
        "report.html.j2",
        run_name=run.name,
        info=[(k, v) for k, v in run.describe().items() if v is not None],
        totals=scores.totals,
        notes=run.notes,
        scores=scores,
        bootstrap=scores.bootstrap,
        chart=chart_model(scores),
        legend_kinds=_legend_kinds(),
        category_rows=_category_rows(scores),
        category_options=sorted(present.items(), key=lambda item: (item[1], item[0])),
        sample_rows=rows,
        calibration=Markup(calibration_html(scores)),
        trust=Markup(trust_html(scores.section("judge_bias"))),
    )
