"""The judge's bias diagnostics in words: one terminal line per notable figure, and an HTML fragment.

Why: a number leaves the harness with a statement of how far its judge can be trusted; the
terminal shows only what is flagged (by :data:`harness.scoring.bias.THRESHOLDS`), the reports show
every figure. The HTML is one self-contained, escaped fragment so that any page can embed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

LABELS = {
    "length_correlation": "score vs answer length (Spearman rho)",
    "unscored": "judgments without a usable score (share)",
    "position_first_wins": "P(the first-shown answer wins), decisive verdicts",
    "flip_rate": "pairs whose winner flips with the order (share)",
    "length_longer_wins": "P(the longer answer wins), decided pairs",
}


def _ci(row: Mapping[str, Any], pct: bool) -> str:
    def fmt(v: Any) -> str:
        return "–" if v is None else (f"{100 * v:.0f}%" if pct else f"{v:+.2f}")

    return f"{fmt(row.get('estimate'))} (95% CI {fmt(row.get('ci_low'))} to {fmt(row.get('ci_high'))}, n={row.get('n')})"


def self_preference_line(row: Mapping[str, Any] | None) -> str | None:
    if not row or not row.get("flagged"):
        return None
    pairs = "; ".join(
        f"judge {m['judge_model']} and model {m['model']}: {m['why']}" for m in row["same_family"]
    )
    return f"self-preference risk: the judge is of one family with an evaluated model ({pairs})"


def pointwise_lines(bias: Mapping[str, Any] | None) -> list[str]:
    """Terminal lines for a pointwise run: only the flagged figures."""
    if not bias:
        return []
    lines = []
    corr = bias.get("length_correlation") or {}
    if corr.get("flagged"):
        lines.append(f"judge bias: score follows answer length, Spearman {_ci(corr, False)}")
    for category, row in (corr.get("categories") or {}).items():
        if row.get("flagged"):
            lines.append(f"judge bias in {category}: score follows answer length, Spearman {_ci(row, False)}")
    unscored = bias.get("unscored") or {}
    if unscored.get("flagged"):
        why = "; ".join(f"{reason} ×{count}" for reason, count in (unscored.get("reasons") or {}).items())
        lines.append(f"judge: {_ci(unscored, True)} of judgments got no usable score ({why})")
    line = self_preference_line(bias.get("self_preference"))
    return lines + ([line] if line else [])


def pairwise_lines(result: Mapping[str, Any]) -> list[str]:
    """Terminal lines for ``compare --judge``: the LC win rate always, flagged biases only."""
    lines = []
    lc = result.get("length_controlled") or {}
    if lc.get("estimate") is not None:
        lines.append(
            f"length-controlled win rate of b {lc['estimate']:.3f} ({lc['ci_low']:.3f}–{lc['ci_high']:.3f}) "
            f"beside the raw {result.get('win_rate_b') or 0:.3f} (AlpacaEval 2 GLM, length term at 0)"
        )
        if lc.get("separated_by_length"):
            lines.append(
                "length decided every non-tied pair: length and quality cannot be told apart here, "
                "so read the length-controlled rate by its interval"
            )
    bias = result.get("judge_bias") or {}
    texts = {
        "position_first_wins": "the first-shown answer wins",
        "flip_rate": "the winner flips with the order in",
        "length_longer_wins": "the longer answer wins",
    }
    for key, text in texts.items():
        row = bias.get(key) or {}
        if row.get("flagged"):
            lines.append(f"judge bias: {text} {_ci(row, True)}")
    line = self_preference_line(bias.get("self_preference"))
    lines += [line] if line else []
    if not any(line.startswith(("judge bias", "self-preference")) for line in lines):
        lines.append("judge checks: no position, order or length bias flagged (figures in --json)")
    return lines


def figure_lines(bias: Mapping[str, Any] | None) -> list[str]:
    """Every overall figure in words with its flag, and the self-preference verdict (report.md)."""
    if not bias:
        return []
    lines = [
        f"{label}: {_ci(bias[key], key != 'length_correlation')}"
        f"{' — flagged' if bias[key].get('flagged') else ''}"
        for key, label in LABELS.items()
        if isinstance(bias.get(key), Mapping)
    ]
    sp = bias.get("self_preference") or {}
    lines.append(
        self_preference_line(sp)
        or (
            "no evaluated model is of the judge's family"
            if sp.get("checked")
            else "the judge's model is not recorded: self-preference not checked"
        )
    )
    return lines + [str(v) for v in (bias.get("thresholds") or {}).values()]


def trust_html(
    bias: Mapping[str, Any] | None, lc: Mapping[str, Any] | None = None, title: str = "Trusting the judge"
) -> str:
    """A "Trusting the judge" section: every figure with its CI and flag, escaped."""
    if not bias:
        return ""
    rows = []
    for key, label in LABELS.items():
        row = bias.get(key)
        if not isinstance(row, Mapping):
            continue
        rows.append((label, row, key != "length_correlation"))
        for category, sub in (row.get("categories") or {}).items():
            rows.append((f"{label}: {category}", sub, False))
    body = "".join(
        f"<tr><td>{escape(label)}</td><td>{escape(_ci(row, pct))}</td>"
        f"<td>{'flagged' if row.get('flagged') else 'no'}</td></tr>"
        for label, row, pct in rows
    )
    extra = ""
    if lc and lc.get("estimate") is not None:
        extra += (
            f"<p>Length-controlled win rate of b: {lc['estimate']:.3f} "
            f"({lc['ci_low']:.3f}–{lc['ci_high']:.3f}). {escape(str(lc.get('method', '')))}</p>"
        )
    sp = bias.get("self_preference") or {}
    line = self_preference_line(sp) or (
        "No evaluated model is of the judge's family."
        if sp.get("checked")
        else "The judge's model is not recorded: self-preference not checked."
    )
    extra += f"<p>{escape(line)} Rule: {escape(str(sp.get('rule', '')))}</p>"
    rules = "".join(f"<li>{escape(str(v))}</li>" for v in (bias.get("thresholds") or {}).values())
    anchor = (
        "judge-trust"
        if title == "Trusting the judge"
        else "judge-trust-" + "".join(c if c.isalnum() else "-" for c in title)
    )
    return (
        f'<section id="{escape(anchor)}" class="judge-trust"><h2>{escape(title)}</h2><table><tr><th>figure</th><th>estimate</th>'
        f"<th>flagged</th></tr>{body}</table>{extra}<ul>{rules}</ul></section>"
    )


def jury_lines(jury: Mapping[str, Any] | None) -> list[str]:
    """Terminal lines for a pairwise jury (``compare --judge --judge-model a,b,c``): who judged, how
    the outcomes were combined, how far the jurors agree, and each juror's own win rate of b."""
    if not jury:
        return []
    alpha = jury.get("krippendorff_alpha_nominal")
    rates = ", ".join(f"{j} {'–' if r is None else f'{r:.3f}'}" for j, r in jury["win_rate_b"].items())
    return [
        f"jury of {len(jury['jurors'])} ({', '.join(jury['jurors'])}), {jury['aggregation']} of their "
        f"outcomes ({jury['no_majority']} pairs with no majority counted as ties); agreement: "
        f"Krippendorff's alpha (nominal) {'–' if alpha is None else f'{alpha:.3f}'} over "
        f"{jury['pairs_by_two_or_more']} pairs decided by two or more",
        f"win rate of b by juror: {rates}",
    ]
