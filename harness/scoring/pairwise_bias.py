"""A pairwise judge's biases on one comparison: position, order flips and length, each with a CI.

Why: a pairwise judge that prefers the answer shown first, or the longer answer, decides close
pairs by something other than quality. Both orders of every pair are judged (see
:mod:`harness.judging.pairwise`), so position bias is measured directly: P(the first-shown answer
wins) among decisive verdicts (ties left out), and the flip rate, the share of pairs whose winner
changed with the order. Length bias: P(the longer answer wins) among pairs decided for one run
(ties and equal lengths left out). Intervals: bootstrap over pairs, both orders kept together;
flags by :data:`harness.scoring.bias.THRESHOLDS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from harness.protocols import PairItem, PairVerdict
from harness.scoring.bias import describe_thresholds, figure, ratio_interval
from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED


def answer_lengths(items: Sequence[PairItem]) -> dict[str, tuple[int, int]]:
    """Judged id -> (length of run a's answer, of run b's) in characters, the judged turn's answer."""
    return {i.sample.id: (len(i.answers_a[-1]), len(i.answers_b[-1])) for i in items if i.order == "ab"}


def _position_counts(verdicts: Sequence[PairVerdict]) -> tuple[np.ndarray, np.ndarray]:
    by_id: dict[str, list[str]] = {}
    for v in verdicts:
        if v.verdict in ("A", "B"):
            by_id.setdefault(v.id, []).append(v.verdict)
    ids = sorted(by_id)
    return (
        np.array([by_id[i].count("A") for i in ids], dtype=float),
        np.array([len(by_id[i]) for i in ids], dtype=float),
    )


def _flips(outcomes: Mapping[str, Mapping[str, Any]]) -> np.ndarray:
    return np.array(
        [
            float(bool(r["inconsistent"]))
            for _, r in sorted(outcomes.items())
            if len(r.get("winners") or {}) == 2
        ],
        dtype=float,
    )


def _longer_wins(
    outcomes: Mapping[str, Mapping[str, Any]], lengths: Mapping[str, tuple[int, int]]
) -> np.ndarray:
    hits = []
    for key, row in sorted(outcomes.items()):
        length_a, length_b = lengths.get(key, (0, 0))
        if row["outcome"] in ("a", "b") and length_a != length_b:
            hits.append(float(row["outcome"] == ("a" if length_a > length_b else "b")))
    return np.array(hits, dtype=float)


def pairwise_bias(
    items: Sequence[PairItem],
    verdicts: Sequence[PairVerdict],
    outcomes: Mapping[str, Mapping[str, Any]],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    flip_rows: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Position bias, flip rate and length bias of one pairwise comparison (``compare --json``).
    ``flip_rows``: the rows whose order flips count (a jury: every juror's), else ``outcomes``."""
    rng = np.random.default_rng(seed)
    first, decisive = _position_counts(verdicts)
    flips = _flips(outcomes if flip_rows is None else flip_rows)
    longer = _longer_wins(outcomes, answer_lengths(items))

    def share(name: str, hits: np.ndarray, totals: np.ndarray) -> dict[str, Any]:
        estimate, interval = ratio_interval(hits, totals, rng, n_resamples)
        return figure(name, estimate, interval, int(totals.sum()))

    thresholds = describe_thresholds()
    return {
        "position_first_wins": share("position_first_wins", first, decisive),
        "flip_rate": share("flip_rate", flips, np.ones_like(flips)),
        "length_longer_wins": share("length_longer_wins", longer, np.ones_like(longer)),
        "thresholds": {
            k: thresholds[k] for k in ("minimum", "position_first_wins", "flip_rate", "length_longer_wins")
        },
    }
