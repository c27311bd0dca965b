"""How far a judge's numbers can be trusted: its biases, measured on the run itself, each with a CI.

Why: every figure the harness prints comes from an LLM judge, and LLM judges are known to favour
longer answers, the answer shown first, and answers from their own model family (AlpacaEval's
annotator analysis, Zheng et al. 2023). These diagnostics measure what this judge did on this run:

- pointwise: Spearman correlation of score with answer length (characters), overall and per
  category; the share of judgments that got no score, and why;
- pairwise: P(the first-shown answer wins) among decisive verdicts, the flip rate (pairs whose
  winner changed with the order), P(the longer answer wins) among decided pairs.

Every figure has a seeded 95% percentile bootstrap interval (over samples, or over pairs with both
orders kept together) and ``flagged`` by the rules in :data:`THRESHOLDS` (stated in the README):
a bias is flagged only when it is large enough to matter *and* its interval excludes "no bias".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_interval
from harness.scoring.family import self_preference

# figure -> (value meaning "no bias", smallest distance from it that is flagged)
THRESHOLDS: dict[str, tuple[float, float]] = {
    "length_correlation": (0.0, 0.3),  # |Spearman rho| >= 0.3, CI excluding 0
    "unscored_share": (0.0, 0.05),  # 5% or more of judgments without a score
    "position_first_wins": (0.5, 0.1),  # P(first shown wins) outside 0.4..0.6, CI excluding 0.5
    "flip_rate": (0.0, 0.2),  # 20% or more of pairs change winner with the order
    "length_longer_wins": (0.5, 0.1),  # P(longer wins) outside 0.4..0.6, CI excluding 0.5
}
MIN_N = 3  # fewer observations than this: no figure (None)
MIN_FLAG_N = 10  # fewer: a correlation or P(...) is shown but never flagged (its bootstrap CI is unreliable)
REASONS_KEPT = 5  # the most common reasons for no score, each cut to REASON_CHARS
REASON_CHARS = 120


def flagged(name: str, estimate: float | None, low: float | None, high: float | None, n: int) -> bool:
    """Whether a figure passes its threshold: a share at or above its margin; a correlation or
    probability far enough from "no bias", its CI excluding it, from at least MIN_FLAG_N observations."""
    if estimate is None or low is None or high is None:
        return False
    null, margin = THRESHOLDS[name]
    if name in ("unscored_share", "flip_rate"):  # a plain share: the count is the fact, at any n
        return estimate >= margin
    if n < MIN_FLAG_N:
        return False
    return abs(estimate - null) >= margin and not (low <= null <= high)


def figure(name: str, estimate: float | None, interval: tuple[float, float] | None, n: int) -> dict[str, Any]:
    """One figure as reports show it: estimate, CI, n and its flag."""
    low, high = interval if interval is not None else (None, None)
    return {
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "n": n,
        "flagged": flagged(name, estimate, low, high, n),
    }


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, ties given their average rank (``scipy.stats.rankdata``'s default,
    which the tests check this against). In numpy because importing ``scipy.stats`` costs seconds
    on every report, several times what the ranks themselves cost."""
    order = np.argsort(values, axis=-1)  # tied values share one rank, so the sort need not be stable
    ordered = np.take_along_axis(values, order, axis=-1)
    n = values.shape[-1]
    positions = np.broadcast_to(np.arange(n), values.shape)
    starts = np.ones(values.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    ends = np.ones(values.shape, dtype=bool)
    ends[..., :-1] = starts[..., 1:]
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=-1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, positions, n), axis=-1), axis=-1), axis=-1)
    ranks = np.empty(values.shape, dtype=float)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=-1)
    return ranks


def _row_correlations(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``rx`` with the same row of ``ry`` (NaN where one is constant)."""
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((rx * rx).sum(axis=-1) * (ry * ry).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (rx * ry).sum(axis=-1) / denominator, np.nan)


def spearman_interval(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_resamples: int
) -> tuple[float | None, tuple[float, float] | None]:
    """Spearman's rho of ``x`` and ``y`` (Pearson's of their average ranks) and a percentile
    bootstrap interval over observations (resamples where either side is constant are left out)."""
    if len(x) < MIN_N or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None, None
    rho = float(_row_correlations(average_ranks(x), average_ranks(y)))
    index = rng.integers(0, len(x), size=(n_resamples, len(x)))
    replicates = _row_correlations(average_ranks(x[index]), average_ranks(y[index]))
    replicates = replicates[~np.isnan(replicates)]
    return rho, (percentile_interval(replicates) if len(replicates) else None)


def ratio_interval(
    hits: np.ndarray, totals: np.ndarray, rng: np.random.Generator, n_resamples: int
) -> tuple[float | None, tuple[float, float] | None]:
    """sum(hits) / sum(totals) with a bootstrap over units (a unit: one sample, or one pair with its
    two orders, so that the two verdicts on one pair are resampled together)."""
    if totals.sum() < MIN_N:
        return None, None
    index = rng.integers(0, len(totals), size=(n_resamples, len(totals)))
    sums = totals[index].sum(axis=1)
    ok = sums > 0
    replicates = hits[index].sum(axis=1)[ok] / sums[ok]
    return float(hits.sum() / totals.sum()), percentile_interval(replicates)


def scored_value(record: Mapping[str, Any], scale: Mapping[str, Any] | None) -> float | None:
    """A judgment's score when it counts as scored (a finite number inside the scale), else None."""
    score = record.get("score")
    if record.get("status") != "scored" or isinstance(score, bool) or not isinstance(score, (int, float)):
        return None
    if not np.isfinite(score):
        return None
    if scale and not (float(scale.get("low", -np.inf)) <= score <= float(scale.get("high", np.inf))):
        return None
    return float(score)


def _answer_length(generation: Mapping[str, Any] | None) -> int | None:
    answer = (generation or {}).get("answer")
    return len(answer) if isinstance(answer, str) else None


def _per_sample(
    judgments: Iterable[Mapping[str, Any]], scale: Mapping[str, Any] | None
) -> dict[str, tuple[str, list[float]]]:
    """Judged id -> (category, its valid scores); repeats of one sample are averaged later."""
    out: dict[str, tuple[str, list[float]]] = {}
    for record in judgments:
        key = str(record.get("id"))
        category, scores = out.setdefault(key, (str(record.get("category") or ""), []))
        value = scored_value(record, scale)
        if value is not None:
            scores.append(value)
    return out


def length_correlation(
    judgments: Sequence[Mapping[str, Any]],
    generations: Mapping[str, Mapping[str, Any]],
    *,
    scale: Mapping[str, Any] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Spearman correlation of the (mean) score with the answer's length, overall and per category."""
    rng = np.random.default_rng(seed)
    rows = [
        (category, float(np.mean(scores)), _answer_length(generations.get(key)))
        for key, (category, scores) in sorted(_per_sample(judgments, scale).items())
        if scores
    ]
    rows = [r for r in rows if r[2] is not None]

    def one(selected: list[tuple[str, float, int | None]]) -> dict[str, Any]:
        scores = np.array([r[1] for r in selected], dtype=float)
        lengths = np.array([r[2] for r in selected], dtype=float)
        rho, interval = spearman_interval(lengths, scores, rng, n_resamples)
        return figure("length_correlation", rho, interval, len(selected))

    return {
        **one(rows),
        "categories": {c: one([r for r in rows if r[0] == c]) for c in sorted({r[0] for r in rows})},
    }


def unscored_share(
    judgments: Sequence[Mapping[str, Any]],
    *,
    scale: Mapping[str, Any] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The share of judgments that got no usable score, its CI, and the commonest reasons why."""
    missed = np.array([scored_value(r, scale) is None for r in judgments], dtype=float)
    estimate, interval = ratio_interval(
        missed, np.ones_like(missed), np.random.default_rng(seed), n_resamples
    )
    reasons = Counter(_reason(r, scale) for r in judgments if scored_value(r, scale) is None)
    return {
        **figure("unscored_share", estimate, interval, len(missed)),
        "missed": int(missed.sum()),
        "reasons": dict(reasons.most_common(REASONS_KEPT)),
    }


def _reason(record: Mapping[str, Any], scale: Mapping[str, Any] | None) -> str:
    status = str(record.get("status") or "unknown")
    if status == "scored":
        return "scored, but the score is not a number within the scale"
    reason = str(record.get("reason") or "no reason given")
    return f"{status}: {reason[:REASON_CHARS]}"


def pointwise_bias(
    judgments: Sequence[Mapping[str, Any]],
    generations: Mapping[str, Mapping[str, Any]],
    *,
    scale: Mapping[str, Any] | None = None,
    models: Sequence[str] = (),
    configured_judge: str | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """A pointwise run's bias section (``scores.json`` ``judge_bias``). The judge's models: those its
    judgments recorded (asked for and answering), and ``configured_judge`` (the run's --judge-model)."""
    judge_models = sorted(
        {str(m) for r in judgments for m in _judge_models(r.get("meta"))}
        | ({configured_judge} if configured_judge else set())
    )
    return {
        "length_correlation": length_correlation(
            judgments, generations, scale=scale, n_resamples=n_resamples, seed=seed
        ),
        "unscored": unscored_share(judgments, scale=scale, n_resamples=n_resamples, seed=seed),
        "self_preference": self_preference(judge_models, models),
        "thresholds": describe_thresholds(),
    }


def _judge_models(meta: Any) -> list[str]:
    """The judge's model names a judgment recorded: the one asked for and the one that answered."""
    if not isinstance(meta, Mapping):
        return []
    return [
        str(meta[k]) for k in ("judge_model", "answering_model") if isinstance(meta.get(k), str) and meta[k]
    ]


def describe_thresholds() -> dict[str, str]:
    """The flag rules in words, written beside the figures so a reader of the JSON has them."""
    return {
        "minimum": f"a correlation or P(...) from fewer than {MIN_FLAG_N} observations is shown but never flagged",
        "length_correlation": "flagged when |Spearman rho| >= 0.3 and its 95% CI excludes 0",
        "unscored_share": "flagged when 5% or more of judgments have no usable score",
        "position_first_wins": "flagged when P(first shown wins) is outside 0.4..0.6 and its 95% CI excludes 0.5",
        "flip_rate": "flagged when 20% or more of pairs change winner when the order is swapped",
        "length_longer_wins": "flagged when P(longer wins) is outside 0.4..0.6 and its 95% CI excludes 0.5",
    }
