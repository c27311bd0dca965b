"""From judgment records to one outcome per sample: the unit every statistic is computed over.

A run's ``judgments.jsonl`` can hold several lines for one sample: ``--judge-repeats`` asks the
judge more than once, and a resumed run appends a retry after a ``failed`` line. Per
``(id, repeat)`` the best status wins (scored over unscored over failed; the later line among
equals), then a sample's score is the mean of its scored repeats -- averaging *before*
aggregating keeps a sample judged three times from weighing three times as much.

A sample with no scored repeat is ``unscored`` (the judge answered but gave no readable score) or
``failed`` (no answer at all); neither is ever read as a score of 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STATUS_RANK = {"scored": 2, "unscored": 1, "failed": 0}


@dataclass(frozen=True)
class SampleOutcome:
    """One sample's result after folding its judgments."""

    id: str
    category: str
    status: str  # "scored", "unscored" or "failed"
    score: float | None  # mean over scored repeats
    n_repeats: int  # scored repeats
    repeat_sd: float | None  # population SD of the scored repeats (None with fewer than 2)


def _as_dict(judgment: Any) -> Mapping[str, Any]:
    return judgment if isinstance(judgment, Mapping) else judgment.to_dict()


def _valid_score(value: Any, where: str) -> float:
    from harness.errors import DataError

    try:
        score = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: score {value!r} is not a number") from None
    if math.isnan(score) or not 0.0 <= score <= 1.0:
        raise DataError(f"{where}: score {value!r} is outside [0, 1]")
    return score


def fold_judgments(judgments: Iterable[Any]) -> dict[str, SampleOutcome]:
    """Sample id -> :class:`SampleOutcome`. Accepts dicts or :class:`~harness.protocols.Judgment`."""
    from harness.errors import DataError

    best: dict[tuple[str, int], Mapping[str, Any]] = {}
    categories: dict[str, str] = {}
    for number, judgment in enumerate(judgments, start=1):
        record = _as_dict(judgment)
        where = f"judgment {number} (id {record.get('id')!r})"
        sample_id, category, status = record.get("id"), record.get("category"), record.get("status")
        if not sample_id or not category:
            raise DataError(f"{where}: needs 'id' and 'category'")
        if status not in STATUS_RANK:
            raise DataError(f"{where}: status {status!r} is not one of {', '.join(STATUS_RANK)}")
        if categories.setdefault(sample_id, category) != category:
            raise DataError(f"{where}: category {category!r} differs from {categories[sample_id]!r} for the same id")
        if status == "scored":
            _valid_score(record.get("score"), where)
        key = (sample_id, int(record.get("repeat") or 0))
        current = best.get(key)
        if current is None or STATUS_RANK[status] >= STATUS_RANK[current["status"]]:
            best[key] = record
    per_sample: dict[str, list[Mapping[str, Any]]] = {}
    for (sample_id, _), record in sorted(best.items()):
        per_sample.setdefault(sample_id, []).append(record)
    outcomes: dict[str, SampleOutcome] = {}
    for sample_id, records in per_sample.items():
        scores = [float(r["score"]) for r in records if r["status"] == "scored"]
        if scores:
            mean = sum(scores) / len(scores)
            sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores)) if len(scores) > 1 else None
            outcome = SampleOutcome(sample_id, categories[sample_id], "scored", mean, len(scores), sd)
        else:
            status = "unscored" if any(r["status"] == "unscored" for r in records) else "failed"
            outcome = SampleOutcome(sample_id, categories[sample_id], status, None, 0, None)
        outcomes[sample_id] = outcome
    return outcomes
