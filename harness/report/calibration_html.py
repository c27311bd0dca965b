"""``report.html``'s calibration section: the judge's mean beside the people's, estimated from the
human labels ``harness calibrate`` stored in the run (as report.md shows it)."""

from __future__ import annotations

from typing import Any

from harness.report.escape import html_text as esc
from harness.scoring.records import Scores


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _interval(ci: Any) -> str:
    return "–" if not ci else f"{ci[0]:.3f}–{ci[1]:.3f}"


def calibration_html(scores: Scores) -> str:
    """Per category and overall; empty without stored labels."""
    calibration = scores.section("calibration")
    if not calibration:
        return ""
    rows = [
        *((esc(c), g) for c, g in calibration["categories"].items()),
        ("<b>overall</b>", calibration["overall"]),
    ]
    body = "".join(
        f"<tr><td>{name}</td><td>{_fmt(g['judge_mean'])}</td><td>{_fmt(g['human_mean'])}</td>"
        f"<td><b>{_fmt(g['ppi_mean'])}</b> ({_interval(g['ppi_ci'])})</td><td>{_interval(g['human_only_ci'])}</td>"
        f"<td>{g['n_labels']} of {g['n']}</td><td>{_fmt(g['spearman'])}</td><td>{_fmt(g['kappa'])}</td></tr>"
        for name, g in rows
    )
    head = (
        "<th>category</th><th>judge mean</th><th>people, labelled</th><th>people, prediction-powered (95% CI)</th>"
        "<th>labels only (95% CI)</th><th>labels</th><th>spearman</th><th>kappa</th>"
    )
    return (
        '<h2 id="calibration">Calibrated against people</h2><div class="scroll" tabindex="0" role="region" '
        f'aria-label="calibration"><table class="scores"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div><p><small>From the human labels stored by <code>harness calibrate</code>: the "
        "prediction-powered figure estimates the people's mean over every scored sample from the labels and "
        "the judge's scores (Angelopoulos et al., 2023), assuming the labelled samples are a random sample of "
        "the run's.</small></p>"
    )
