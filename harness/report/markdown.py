"""``report.md``: the Table 5 row, the per-category figures and the run's notes, as Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.report.escape import markdown_text
from harness.report.judge_trust import figure_lines
from harness.report.rundir import RunDir
from harness.scoring.headline import macro_name


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _cell(text: Any) -> str:
    """Untrusted text (names, notes) as inert Markdown: no HTML, no emphasis or links, no extra columns."""
    return markdown_text(text)


def _code(text: Any) -> str:
    """An identifier as inline code, unless it could close the code span (then as escaped text)."""
    text = str(text)
    return f"`{text}`" if "`" not in text and "\n" not in text and "|" not in text else _cell(text)


def table5_markdown(rows: list[tuple[str, Mapping[str, Any]]]) -> str:
    """Table 5 layout: one row per run, the report columns, then both macros."""
    order: list[str] = []
    for _, scores in rows:
        order += [g for g in scores["column_order"] if g not in order]
    labels: dict[str, str] = {}
    for _, scores in rows:
        for g in scores["column_order"]:
            labels.setdefault(g, scores["columns"][g]["label"])
    header = ["run", *[_cell(labels[g]) for g in order], "macro ave", "macro ave w/o others"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, scores in rows:
        cells = [_cell(name)]
        cells += [fmt(scores["columns"][g]["mean"]) if g in scores["columns"] else "–" for g in order]
        cells += [fmt(scores["macro"]["mean"]), fmt(scores["macro_wo_others"]["mean"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{'+' if value >= 0 else ''}{value:.3f}"


def paper_markdown(paper: Mapping[str, Any]) -> str:
    """Published beside measured per Table 5 column and macro, under the comparability verdict."""
    what = str(paper.get("paper_model") or "")
    if paper.get("paper_data") not in (None, "", "-"):
        what += f" on {paper['paper_data']}"
    out = [
        f"## Published vs measured: {_cell(what)} (row `{_cell(paper.get('row'))}`)",
        "",
        f"**{_cell(paper['verdict'])}**",
        "",
    ]
    differences = paper.get("differences") or []
    if differences:
        out += [f"- {_cell(d)}" for d in differences] + [""]
    out += ["| column | measured | published | Δ | n |", "|---|---|---|---|---|"]
    for entry in [*paper["columns"].values(), paper["macro"], paper["macro_wo_others"]]:
        n = "" if entry.get("n") is None else str(entry["n"])
        out.append(
            f"| {_cell(entry['label'])} | {fmt(entry['measured'])} | {fmt(entry['published'])} | "
            f"{_signed(entry['delta'])} | {n} |"
        )
    if paper.get("source"):
        out += ["", f"Published: {_cell(paper['source'])}."]
    return "\n".join(out)


def turns_markdown(scores: Mapping[str, Any]) -> list[str]:
    """Per-turn columns, for runs of multi-turn samples (``scores["turns"]``)."""
    turns = scores.get("turns")
    if not turns or not turns.get("overall"):
        return []
    numbers = sorted(turns["overall"], key=int)
    out = [
        "",
        "## Per turn",
        "",
        "| category | " + " | ".join(f"turn {t}" for t in numbers) + " | both turns |",
        "|" + "---|" * (len(numbers) + 2),
    ]
    for cid, row in scores["categories"].items():
        cells = [fmt(turns["categories"].get(cid, {}).get(t)) for t in numbers]
        out.append(f"| {_cell(row['display_name'])} | " + " | ".join(cells) + f" | {fmt(row['mean'])} |")
    overall = turns["overall"]
    total = scores["totals"]["n"]
    pooled = (sum(overall[t]["mean"] * overall[t]["n"] for t in numbers) / total) if total else None
    out.append(
        "| **overall** | "
        + " | ".join(
            f"{fmt(overall[t]['mean'])} ({fmt(overall[t]['ci_low'])}–{fmt(overall[t]['ci_high'])})"
            for t in numbers
        )
        + f" | {fmt(pooled)} |"
    )
    out += [
        "",
        "Each turn is judged on its own (the whole conversation shown); a category's figure pools both "
        "turns, and overall is the mean over every scored turn"
        + (" (the headline)" if (scores.get("headline") or {}).get("aggregation") == "pooled" else "")
        + ". Turn intervals: 95% percentile bootstrap.",
    ]
    return out


def published_markdown(scores: Mapping[str, Any]) -> list[str]:
    """Scores published for the dataset with this judge, shown for reference and marked as such."""
    published = scores.get("published")
    if not published:
        return []
    out = [
        "",
        "## Published scores (for reference, not measured by this run)",
        "",
        "| model | published overall |",
        "|---|---|",
    ]
    out += [f"| {_cell(name)} | {value:.2f} |" for name, value in published["scores"].items()]
    out += [
        "",
        f"Source: {_cell(published['source'])}. Judge: {_code(published['judge'])}. "
        f"{_cell(published['note'])}.",
    ]
    if published.get("protocol"):
        out += [
            "",
            f"Their answers: {_cell(published['protocol'])}. "
            f"This run's answers: {_cell(published.get('run_decoding') or 'not recorded')}.",
        ]
    return out


def calibration_markdown(scores: Mapping[str, Any]) -> list[str]:
    """The judge's mean beside the people's, estimated from the labels ``harness calibrate`` stored."""
    calibration = scores.get("calibration")
    if not calibration:
        return []
    out = [
        "",
        "## Calibrated against people (harness calibrate)",
        "",
        "| category | judge mean | people, labelled | people, prediction-powered (95% CI) | labels only (95% CI) "
        "| labels | spearman | kappa |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [
        *((_code(c), g) for c, g in calibration["categories"].items()),
        ("**overall**", calibration["overall"]),
    ]
    for name, g in rows:
        ppi, alone = g["ppi_ci"] or [None, None], g["human_only_ci"] or [None, None]
        out.append(
            f"| {name} | {fmt(g['judge_mean'])} | {fmt(g['human_mean'])} | {fmt(g['ppi_mean'])} "
            f"({fmt(ppi[0])}–{fmt(ppi[1])}) | {fmt(alone[0])}–{fmt(alone[1])} | "
            f"{g['n_labels']} | {fmt(g['spearman'])} | {fmt(g['kappa'])} |"
        )
    out += [
        "",
        "The prediction-powered figure estimates the people's mean over every scored sample from the human "
        "labels and the judge's scores (Angelopoulos et al., 2023); it assumes the labelled samples are a "
        "random sample of the run's.",
    ]
    return out


def headline_markdown(scores: Mapping[str, Any]) -> list[str]:
    """The figure the run is quoted by, with what it averages and how its interval resamples."""
    headline = scores.get("headline")
    if not headline:
        return []
    return [
        "",
        f"**Headline: {fmt(headline['mean'])}** (95% CI {fmt(headline['ci_low'])}–"
        f"{fmt(headline['ci_high'])}), {_cell(headline['name'])}, over {headline['n']} scored items; "
        f"the interval resamples each {_cell(headline['bootstrap_unit'])}.",
    ]


def render_markdown(run: RunDir, scores: Mapping[str, Any]) -> str:
    info = run.describe()
    totals = scores["totals"]
    boot = scores["bootstrap"]
    out = [f"# Evaluation report: {_cell(run.name)}", ""]
    out += [f"- **{k}**: {_cell(v)}" for k, v in info.items() if v is not None]
    out.append(
        f"- **samples**: {totals['n_samples']} ({totals['n']} scored, {totals['n_unscored']} unscored "
        f"({totals['unscored_rate']:.1%}), {totals['n_failed']} failed ({totals['failed_rate']:.1%}))"
    )
    scale = scores.get("scale") or {"low": 0.0, "high": 1.0, "kind": "pointwise"}
    out.append(
        f"- **scale**: {scale['low']:g}..{scale['high']:g} ({_cell(scale['kind'])}, as the judge declared it)"
    )
    out += headline_markdown(scores)
    out += ["", "## Scores (Table 5 layout)", "", table5_markdown([(run.name, scores)]), ""]
    macro, macro_wo = scores["macro"], scores["macro_wo_others"]
    out.append(
        f"{macro_name(scores)} {fmt(macro['mean'])} (95% CI {fmt(macro['ci_low'])}–{fmt(macro['ci_high'])}); "
        f"macro ave w/o others {fmt(macro_wo['mean'])} (95% CI {fmt(macro_wo['ci_low'])}–{fmt(macro_wo['ci_high'])})."
    )
    if scores.get("paper"):
        out += ["", paper_markdown(scores["paper"])]
    out += [
        "",
        "## Per category",
        "",
        "| category | column | mean | 95% CI | n scored | unscored | failed | repeats (sd) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cid, row in scores["categories"].items():
        sd = "" if row["repeat_sd"] is None else f" ({row['repeat_sd']:.3f})"
        out.append(
            f"| {_cell(row['display_name'])} ({_code(cid)}) | {_cell(row['group'])} | {fmt(row['mean'])} | "
            f"{fmt(row['ci_low'])}–{fmt(row['ci_high'])} | {row['n']} | {row['n_unscored']} ({row['unscored_rate']:.1%}) | "
            f"{row['n_failed']} ({row['failed_rate']:.1%}) | {row['repeats']}{sd} |"
        )
    out += [
        "",
        "Means are over scored samples; unscored and failed samples are excluded (never counted as 0) and their "
        "rates reported. `others` pools math and code. 95% intervals: "
        f"{boot['method']} bootstrap, {boot['n_resamples']} resamples, seed {boot['seed']}.",
    ]
    out += turns_markdown(scores) + calibration_markdown(scores) + published_markdown(scores)
    trust = figure_lines(scores.get("judge_bias"))
    if trust:
        out += ["", "## Trusting the judge", ""] + [f"- {_cell(line)}" for line in trust]
    if run.notes:
        out += ["", "## Notes", ""] + [f"- {_cell(note)}" for note in run.notes]
    return "\n".join(out) + "\n"
