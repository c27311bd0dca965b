"""Terminal tables of ``harness calibrate``: the people's mean three ways, and the agreement figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table

from harness.report.escape import terminal_text


def _decimals(result: Mapping[str, Any]) -> int:
    scale = result.get("scale") or {}
    return 2 if float(scale.get("high", 1)) - float(scale.get("low", 0)) >= 2 else 3


def _number(value: Any, decimals: int) -> str:
    return "–" if value is None else f"{value:.{decimals}f}"


def _interval(ci: Any, decimals: int) -> str:
    return "–" if not ci else f"{ci[0]:.{decimals}f}–{ci[1]:.{decimals}f}"


def _add_column(table: Table, name: str) -> None:
    """The category column folds long names; the figures are right-aligned."""
    if name == "category":
        table.add_column(name, overflow="fold")
    else:
        table.add_column(name, justify="right")


def _rows(result: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [*((terminal_text(c), g) for c, g in result["categories"].items()), ("overall", result["overall"])]


def means_table(result: Mapping[str, Any]) -> Table:
    """Per category: the judge's mean, the people's on the labels, and the prediction-powered mean."""
    d = _decimals(result)
    table = Table(
        title="people's mean: judge, labels, prediction-powered (95% CI)",
        caption="ppi: the people's mean over every scored sample, from the labels and the judge; "
        "labels CI: from the labels alone",
    )
    if (result.get("scale") or {}).get("kind") == "pairwise":
        table.title = "people's win rate of B: judge, labels, prediction-powered (95% CI)"
        table.caption = (
            "b = 1, tie = 0.5, a = 0; n: the judge's decided pairs; ppi: the people's win rate over "
            "them, from the labels and the judge; labels CI: from the labels alone"
        )
    for name in ("category", "n", "labels", "judge", "people", "ppi", "ppi CI", "labels CI"):
        _add_column(table, name)
    for name, g in _rows(result):
        table.add_row(
            name,
            str(g["n"]),
            str(g["n_labels"]),
            _number(g["judge_mean"], d),
            _number(g["human_mean"], d),
            _number(g["ppi_mean"], d),
            _interval(g["ppi_ci"], d),
            _interval(g["human_only_ci"], d),
        )
    return table


def agreement_table(result: Mapping[str, Any]) -> Table:
    """Per category: agreement between judge and people on the labelled samples."""
    table = Table(
        title="judge vs people on the labelled samples",
        caption="kappa: quadratic weights on the scale's points; exact, ±1: share of labels on the "
        "judge's point or within one; --json for every interval",
    )
    for name in ("category", "labels", "bias", "spearman", "pearson", "kappa", "exact", "±1"):
        _add_column(table, name)
    d = _decimals(result)
    for name, g in _rows(result):
        table.add_row(
            name,
            str(g["n_labels"]),
            _number(g["judge_bias"], d),
            _number(g["spearman"], 2),
            _number(g["pearson"], 2),
            _number(g["kappa"], 2),
            _number(g["exact_agreement"], 2),
            _number(g["within_1_agreement"], 2),
        )
    return table


def pair_agreement_table(result: Mapping[str, Any]) -> Table:
    """Per category: FastChat's agreement of the judge's outcomes with people's verdicts."""
    table = Table(
        title="judge vs people on the labelled pairs",
        caption="with ties: every labelled pair; without: pairs where neither said tie "
        "(FastChat); --json for every interval",
    )
    for name in ("category", "labels", "bias", "with ties", "n", "without ties", "n "):
        _add_column(table, name)
    for name, g in _rows(result):
        table.add_row(
            name,
            str(g["n_labels"]),
            _number(g["judge_bias"], 3),
            _number(g["agreement_with_ties"], 2),
            str(g["agreement_with_ties_n"]),
            _number(g["agreement_without_ties"], 2),
            str(g["agreement_without_ties_n"]),
        )
    return table
