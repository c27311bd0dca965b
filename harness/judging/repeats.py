"""``--judge-repeats K``: judging each answer K times, and how much the repeats disagree.

The pipeline expands items with :func:`expand_repeats` (repeat index 0..K-1 on each); the judge
judges exactly the items it is given, never expanding them itself, because a resumed run passes only
the (id, repeat) pairs still missing. The repeat index is part of the judge's cache key, so the K
repeats are K separate replies.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from harness.protocols import JudgeItem, Judgment


def expand_repeats(items: Sequence[JudgeItem], repeats: int) -> list[JudgeItem]:
    """Each item ``repeats`` times with ``repeat`` = 0..repeats-1 (grouped by item)."""
    return [dataclasses.replace(item, repeat=r) for item in items for r in range(repeats)]


def repeat_spread(judgments: Iterable[Judgment | dict[str, Any]]) -> dict[str, Any]:
    """Per-sample spread of scored repeats: mean standard deviation and mean range over samples
    with two or more scored repeats, and the share of such samples whose repeats all agree."""
    by_id: dict[str, list[float]] = defaultdict(list)
    for judgment in judgments:
        record = judgment if isinstance(judgment, dict) else judgment.to_dict()
        if record.get("status") == "scored" and record.get("score") is not None:
            by_id[record["id"]].append(float(record["score"]))
    multi = {k: v for k, v in by_id.items() if len(v) >= 2}
    if not multi:
        return {"samples": 0, "mean_std": None, "mean_range": None, "all_equal_share": None}
    stds = [statistics.pstdev(v) for v in multi.values()]
    ranges = [max(v) - min(v) for v in multi.values()]
    return {
        "samples": len(multi),
        "mean_std": sum(stds) / len(stds),
        "mean_range": sum(ranges) / len(ranges),
        "max_range": max(ranges),
        "all_equal_share": sum(r == 0 for r in ranges) / len(ranges),
    }
