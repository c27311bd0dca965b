"""Rich tables for the terminal: Table 5 layout (rows: runs), paired deltas, judge agreement.

Run names, column labels (a third-party category's display name) and judge names are data, not
markup: they pass through :func:`harness.report.escape.terminal_text`, so ``[bold]`` prints as written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from harness.report.escape import terminal_text as _t
from harness.scoring.columns import paper_columns
from harness.scoring.comparison_records import Comparison, Delta
from harness.scoring.headline import scores_macro_name
from harness.scoring.records import Scores


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


# Short headers for the nine Table 5 columns, so that the runs-as-rows layout fits 80 columns.
ABBREVIATIONS = {
    "others": "oth",
    "rewrite": "rew",
    "classification": "cls",
    "generation": "gen",
    "summarization": "sum",
    "extract": "ext",
    "open_qa": "oQA",
    "brainstorming": "brn",
    "closed_qa": "cQA",
}
CELL = 5  # "0.643"
RUN_MIN = 12


def _abbreviation(group: str, label: str, taken: set[str]) -> str:
    short = ABBREVIATIONS.get(group) or label[:3]
    while short in taken:  # a third-party column whose first letters clash
        short = label[: len(short) + 1] if len(short) < len(label) else short + "'"
    taken.add(short)
    return short


def table5(
    rows: list[tuple[str, Scores]],
    *,
    title: str = "scores (Table 5 layout)",
    width: int | None = None,
) -> Table:
    """Table 5: runs as rows under abbreviated column headers (a legend explains them), as long as that
    fits ``width``; else categories as rows and one column per run, which fits any width."""
    order: list[str] = []
    labels: dict[str, str] = {}  # escaped for the console
    raw_labels: dict[str, str] = {}
    for _, scores in rows:
        for group in scores.column_order:
            if group not in order:
                order.append(group)
            raw_labels.setdefault(group, scores.columns[group].label)
            labels.setdefault(group, _t(scores.columns[group].label))
    ci_lines = [
        f"{_t(name)}: macro ave 95% CI {fmt(s.macro.ci_low)}–{fmt(s.macro.ci_high)}, "
        f"w/o others {fmt(s.macro_wo_others.ci_low)}–{fmt(s.macro_wo_others.ci_high)}"
        for name, s in rows
    ]
    note = "mean over scored samples; per-column n and CIs in scores.json / report.html"

    def value(scores: Scores, group: str) -> str:
        column = scores.columns.get(group)
        return "–" if column is None else fmt(column.mean)

    needed = RUN_MIN + 1 + (len(order) + 2) * (CELL + 1)
    if width is None or needed <= width:
        taken: set[str] = set()
        short = {g: _t(_abbreviation(g, raw_labels[g], taken)) for g in order}
        macro = " / ".join(
            dict.fromkeys(scores_macro_name(s) for _, s in rows)
        )  # of category or of column means
        legend = (
            ", ".join(f"{short[g]} = {labels[g]}" for g in order)
            + f", macro = {macro}, w/o = macro ave w/o others"
        )
        table = Table(
            title=title,
            caption="\n".join([legend, note, *ci_lines]),
            box=None,
            padding=(0, 1, 0, 0),
            pad_edge=False,
            caption_justify="left",
        )
        table.add_column("run", overflow="fold", min_width=RUN_MIN, ratio=1)
        for group in order:
            table.add_column(short[group], justify="right", min_width=CELL, no_wrap=True)
        table.add_column("macro", justify="right", style="bold", min_width=CELL, no_wrap=True)
        table.add_column("w/o", justify="right", style="bold", min_width=CELL, no_wrap=True)
        for name, scores in rows:
            table.add_row(
                _t(name),
                *[value(scores, g) for g in order],
                fmt(scores.macro.mean),
                fmt(scores.macro_wo_others.mean),
            )
        return table
    table = Table(
        title=title,
        caption="\n".join([note, *ci_lines]),
        box=None,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        caption_justify="left",
    )
    table.add_column("column", overflow="fold", min_width=10)
    for name, _ in rows:
        table.add_column(_t(name), justify="right", overflow="fold", min_width=CELL)
    for group in order:
        table.add_row(labels[group], *[value(scores, group) for _, scores in rows])
    table.add_row("macro ave", *[fmt(s.macro.mean) for _, s in rows], style="bold")
    table.add_row("macro ave w/o others", *[fmt(s.macro_wo_others.mean) for _, s in rows], style="bold")
    return table


def paper_comparison(paper: Mapping[str, Any], *, name: str = "") -> Table:
    """Published next to measured for one run: one row per Table 5 column and macro, with the verdict.

    ``paper`` is the ``paper`` section of ``scores.json`` (:mod:`harness.paper.side_by_side`).
    """
    caption = [f"published: {paper['source']}", f"verdict: {paper['verdict']}"]
    caption += [f"  - {d}" for d in paper["differences"]]
    title = f"published vs measured{' for ' + name if name else ''}: {paper['paper_model']}"
    if paper["paper_data"] not in ("", "-"):
        title += f" on {paper['paper_data']}"
    table = Table(
        title=title,
        caption="\n".join(caption),
        caption_justify="left",
        box=None,
        padding=(0, 2, 0, 0),
        pad_edge=False,
    )
    table.add_column("column", overflow="fold")
    for col in ("measured", "published", "Δ", "n"):
        table.add_column(col, justify="right", no_wrap=True)
    entries = [*paper["columns"].values(), paper["macro"], paper["macro_wo_others"]]
    for i, entry in enumerate(entries):
        delta = entry["delta"]
        table.add_row(
            entry["label"],
            fmt(entry["measured"]),
            fmt(entry["published"]),
            "–" if delta is None else f"{'+' if delta >= 0 else ''}{delta:.3f}",
            "" if entry["n"] is None else str(entry["n"]),
            style="bold" if i >= len(entries) - 2 else None,
        )
    return table


def _delta_rows(comparison: Comparison) -> list[tuple[str, Delta]]:
    """The table's rows: the headline (when the runs have one), each column, both macros."""
    headline = comparison.headline
    rows = [(f"headline ({_t(headline.aggregation)})", headline.delta)] if headline else []
    rows += [(_t(comparison.columns[g].label), comparison.columns[g].delta) for g in comparison.column_order]
    return rows + [
        ("macro ave", comparison.macro.delta),
        ("macro ave w/o others", comparison.macro_wo_others.delta),
    ]


def _delta_cells(row: Delta) -> tuple[str, str, str, str]:
    """Δ (green/red when p < 0.05), its interval, p and n."""
    delta = row.delta
    significant = delta is not None and row.p_value is not None and row.p_value < 0.05
    style = ("green" if delta is not None and delta > 0 else "red") if significant else ""
    shown = f"[{style}]{'' if delta is None or delta < 0 else '+'}{fmt(delta)}[/]" if style else fmt(delta)
    return shown, f"{fmt(row.ci_low)} – {fmt(row.ci_high)}", fmt(row.p_value, 4), str(row.n_pairs)


def deltas(comparison: Comparison, *, name_a: str, name_b: str) -> Table:
    """Paired deltas ``B - A`` per column and macro, with CIs and p-values."""
    pairs, boot, headline = comparison.pairs, comparison.bootstrap, comparison.headline
    table = Table(
        title=f"paired deltas: {_t(name_b)} − {_t(name_a)}",
        caption=f"{pairs.n_paired} samples scored in both runs ({pairs.n_common} shared ids); "
        f"{boot.n_resamples} bootstrap resamples, seed {boot.seed}"
        + (f"; headline: {_t(headline.name)}" if headline else ""),
    )
    table.add_column("column", justify="left")
    for col in ("Δ", "95% CI", "p", "n"):
        table.add_column(col, justify="right")
    for label, row in _delta_rows(comparison):
        table.add_row(label, *_delta_cells(row))
    return table


def agreement_table(results: Sequence[tuple[str, str, Mapping[str, Any]]]) -> Table:
    """Judge agreement: one row per pair of judgment sets, one column per statistic returned."""
    shown = ("n", "pearson", "spearman", "krippendorff_alpha_interval", "mean_a", "mean_b", "mean_abs_diff")
    keys = [k for k in shown if any(k in result for _, _, result in results)]
    table = Table(
        title="judge agreement", caption="samples scored by both judges; --json for p-values and counts"
    )
    table.add_column("judge A")
    table.add_column("judge B")
    for key in keys:
        table.add_column(key, justify="right")
    for a, b, result in results:
        cells = []
        for key in keys:
            value = result.get(key)
            cells.append(fmt(value) if isinstance(value, float) else ("–" if value is None else str(value)))
        table.add_row(_t(a), _t(b), *cells)
    return table


def experiments_side_by_side(
    rows: Sequence[Mapping[str, Any]],
    *,
    width: int | None = None,
    title: str = "Table 2/5: measured vs published, per column",
) -> list[Table]:
    """``harness experiment``'s summary: for each experiment a measured line and a published line under
    the nine Table 5 columns and both macros, the verdict marked in the last column and spelled out
    (what differs) in the caption.

    ``rows`` are :func:`harness.experiments.summary_rows`. When even the abbreviated layout is wider
    than ``width``, each experiment gets its own narrow :func:`paper_comparison` table instead.
    """
    order, labels = paper_columns(rows)
    label_width = max(8, len(f"#{len(rows)} paper"))
    needed = label_width + 1 + (len(order) + 2) * (CELL + 1) + 3
    if width is not None and needed > width:
        return [paper_comparison(row["paper"], name=f"#{i} {row['name']}") for i, row in enumerate(rows, 1)]
    taken: set[str] = set()
    short = {g: _abbreviation(g, labels[g], taken) for g in order}
    legend = (
        ", ".join(f"{short[g]} = {labels[g]}" for g in order)
        + ", macro = macro ave, w/o = macro ave w/o others; cmp: comparable with the paper's figure?"
    )
    caption = [legend]
    for i, row in enumerate(rows, 1):
        paper = row["paper"]
        what = f"{row['model']} on {row['data']}" if row.get("data") not in (None, "-") else str(row["model"])
        caption.append(f"#{i} {row['name']} ({what}; eval {row['eval']}): {paper['verdict']}")
        caption += [f"   - {d}" for d in paper["differences"]]
    table = Table(
        title=title,
        caption="\n".join(caption),
        box=None,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        caption_justify="left",
    )
    table.add_column("", no_wrap=True, min_width=label_width)
    for group in order:
        table.add_column(short[group], justify="right", min_width=CELL, no_wrap=True)
    table.add_column("macro", justify="right", style="bold", min_width=CELL, no_wrap=True)
    table.add_column("w/o", justify="right", style="bold", min_width=CELL, no_wrap=True)
    table.add_column("cmp", no_wrap=True, min_width=3)
    for i, row in enumerate(rows, 1):
        paper = row["paper"]
        entries = [paper["columns"].get(g) for g in order] + [paper["macro"], paper["macro_wo_others"]]
        mark = "yes" if paper["comparable"] else "[yellow]no[/]"
        table.add_row(f"#{i} ours", *[fmt(None if e is None else e["measured"]) for e in entries], mark)
        table.add_row(
            f"#{i} paper",
            *[fmt(None if e is None else e["published"]) for e in entries],
            "",
            style="dim",
            end_section=i < len(rows),
        )
    return [table]
