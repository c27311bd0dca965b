"""Per-turn figures for runs of multi-turn samples (judgments that carry ``"turn"``).

Why separate columns: in a multi-turn benchmark the second turn (a follow-up that builds on the
model's own first answer) is usually harder, and papers report the two turns apart as well as
together. The category and overall figures of :mod:`.aggregate` already pool both turns (each turn
is its own judged item); this adds, per turn, the mean over every category with a seeded 95%
percentile bootstrap interval, and per category the mean of each turn. A run whose judgments carry
no turn (every single-turn dataset) gets nothing from here, so its ``scores.json`` is unchanged.

``scores.json`` key ``turns`` (only for multi-turn runs)::

    {"overall": {"1": {"mean", "n", "ci_low", "ci_high"}, "2": {...}},
     "categories": {"<category id>": {"1": mean, "2": mean}}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from harness.scales import DEFAULT_SCALE, ScoreScale, check_score
from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_interval


def _turn(record: Mapping[str, Any]) -> int | None:
    turn = record.get("turn")
    return turn if isinstance(turn, int) and not isinstance(turn, bool) and turn >= 1 else None


def has_turns(records: Iterable[Mapping[str, Any]]) -> bool:
    return any(_turn(r) is not None for r in records)


def turn_scores(
    records: Iterable[Mapping[str, Any]],
    *,
    scale: ScoreScale = DEFAULT_SCALE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Per turn: the mean of the scored items (repeats of one item averaged first), its interval."""
    per_item: dict[tuple[int, str], list[float]] = {}
    category_of: dict[tuple[int, str], str] = {}
    for record in records:
        turn = _turn(record)
        if turn is None or record.get("status") != "scored":
            continue
        score, _ = check_score(record.get("score"), scale)
        if score is None:
            continue
        key = (turn, str(record.get("id")))
        per_item.setdefault(key, []).append(score)
        category_of[key] = str(record.get("category"))
    rng = np.random.default_rng(seed)
    overall: dict[str, Any] = {}
    categories: dict[str, dict[str, float]] = {}
    for turn in sorted({t for t, _ in per_item}):
        keys = sorted(k for k in per_item if k[0] == turn)
        values = np.array([np.mean(per_item[k]) for k in keys])
        replicates = rng.choice(values, size=(n_resamples, len(values)), replace=True).mean(axis=1)
        low, high = percentile_interval(replicates)
        overall[str(turn)] = {"mean": float(values.mean()), "n": len(values), "ci_low": low, "ci_high": high}
        for category in sorted({category_of[k] for k in keys}):
            mine = [float(np.mean(per_item[k])) for k in keys if category_of[k] == category]
            categories.setdefault(category, {})[str(turn)] = float(np.mean(mine))
    return {"overall": overall, "categories": categories}
