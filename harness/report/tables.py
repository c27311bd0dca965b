"""Rich tables for the terminal: Table 5 layout (rows: runs), paired deltas, judge agreement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table5(rows: list[tuple[str, Mapping[str, Any]]], *, title: str = "scores (Table 5 layout)") -> Table:
    """Rows are runs; columns the report columns in Table 5 order, macro ave, macro ave w/o others."""
    order: list[str] = []
    labels: dict[str, str] = {}
    for _, scores in rows:
        for group in scores["column_order"]:
            if group not in order:
                order.append(group)
            labels.setdefault(group, scores["columns"][group]["label"])
    ci_lines = [
        f"{name}: macro ave 95% CI {fmt(s['macro']['ci_low'])}–{fmt(s['macro']['ci_high'])}, "
        f"w/o others {fmt(s['macro_wo_others']['ci_low'])}–{fmt(s['macro_wo_others']['ci_high'])}"
        for name, s in rows
    ]
    table = Table(
        title=title,
        caption="mean over scored samples; per-column n and CIs in scores.json / report.html\n" + "\n".join(ci_lines),
        box=None,
        padding=(0, 1, 0, 0),
        pad_edge=False,
    )
    table.add_column("run", overflow="fold", max_width=28)
    for group in order:
        table.add_column(labels[group], justify="right", min_width=5, overflow="fold")
    table.add_column("macro ave", justify="right", style="bold", min_width=5, overflow="fold")
    table.add_column("macro ave w/o others", justify="right", style="bold", min_width=5, overflow="fold")
    for name, scores in rows:
        cells = []
        for group in order:
            column = scores["columns"].get(group)
            cells.append("–" if column is None else fmt(column["mean"]))
        cells.append(fmt(scores["macro"]["mean"]))
        cells.append(fmt(scores["macro_wo_others"]["mean"]))
        table.add_row(name, *cells)
    return table


def deltas(comparison: Mapping[str, Any], *, name_a: str, name_b: str) -> Table:
    """Paired deltas ``B - A`` per column and macro, with CIs and p-values."""
    pairs = comparison["pairs"]
    table = Table(
        title=f"paired deltas: {name_b} − {name_a}",
        caption=f"{pairs['n_paired']} samples scored in both runs ({pairs['n_common']} shared ids); "
        f"{comparison['bootstrap']['n_resamples']} bootstrap resamples, seed {comparison['bootstrap']['seed']}",
    )
    for col, justify in (("column", "left"), ("Δ", "right"), ("95% CI", "right"), ("p", "right"), ("n", "right")):
        table.add_column(col, justify=justify)
    rows = [(comparison["columns"][g]["label"], comparison["columns"][g]) for g in comparison["column_order"]]
    rows += [("macro ave", comparison["macro"]), ("macro ave w/o others", comparison["macro_wo_others"])]
    for label, row in rows:
        delta = row["delta"]
        style = "" if delta is None or row["p_value"] is None or row["p_value"] >= 0.05 else ("green" if delta > 0 else "red")
        table.add_row(
            label,
            f"[{style}]{'' if delta is None or delta < 0 else '+'}{fmt(delta)}[/]" if style else fmt(delta),
            f"{fmt(row['ci_low'])} – {fmt(row['ci_high'])}",
            fmt(row["p_value"], 4),
            str(row["n_pairs"]),
        )
    return table


def agreement_table(results: list[tuple[str, str, Mapping[str, Any]]]) -> Table:
    """Judge agreement: one row per pair of judgment sets, one column per statistic returned."""
    shown = ("n", "pearson", "spearman", "krippendorff_alpha_interval", "mean_a", "mean_b", "mean_abs_diff")
    keys = [k for k in shown if any(k in result for _, _, result in results)]
    table = Table(title="judge agreement", caption="samples scored by both judges; --json for p-values and counts")
    table.add_column("judge A")
    table.add_column("judge B")
    for key in keys:
        table.add_column(key, justify="right")
    for a, b, result in results:
        cells = []
        for key in keys:
            value = result.get(key)
            cells.append(fmt(value) if isinstance(value, float) else ("–" if value is None else str(value)))
        table.add_row(a, b, *cells)
    return table
