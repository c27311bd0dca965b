"""From judgment records to one outcome per sample: the unit every statistic is computed over.

A run's ``judgments.jsonl`` can hold several lines for one sample: ``--judge-repeats`` asks the
judge more than once, and a resumed run appends a retry after a ``failed`` line. Per
``(id, repeat)`` the best status wins (scored over unscored over failed; the later line among
equals), then a sample's score is the mean of its scored repeats -- averaging *before*
aggregating keeps a sample judged three times from weighing three times as much.

A sample with no scored repeat is ``unscored`` (the judge answered but gave no readable score) or
``failed`` (no answer at all); neither is ever read as a score of 0.

A record marked scored whose score is not a finite number within the scale it was written with
(its ``scale`` field, 0..1 when absent) is folded as ``unscored`` and counted in ``rejected``
(:func:`harness.scales.check_record`): a NaN on disk never reaches a mean. All records must share
one scale: a mean over 0..1 and 1..10 scores means nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import DataError
from harness.scales import DEFAULT_SCALE, ScoreScale, check_record

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


@dataclass(frozen=True)
class FoldedJudgments:
    """:func:`fold_records`' result: the outcomes, the scale they are on, and one line per scored
    record whose score was rejected when read (``judgment N (id 'x'): <reason>``)."""

    outcomes: dict[str, SampleOutcome]
    scale: ScoreScale
    rejected: tuple[str, ...] = ()


def fold_judgments(judgments: Iterable[Any]) -> dict[str, SampleOutcome]:
    """Sample id -> :class:`SampleOutcome`. Accepts dicts or :class:`~harness.protocols.Judgment`."""
    return fold_records(judgments).outcomes


def fold_records(judgments: Iterable[Any]) -> FoldedJudgments:
    """Fold judgment records (see the module docstring), keeping the scale and the rejected scores."""
    best: dict[tuple[str, int], Mapping[str, Any]] = {}
    categories: dict[str, str] = {}
    scales: dict[ScoreScale, str] = {}
    rejected: list[str] = []
    for number, judgment in enumerate(judgments, start=1):
        record = _as_dict(judgment)
        where = f"judgment {number} (id {record.get('id')!r})"
        sample_id, category, status = record.get("id"), record.get("category"), record.get("status")
        if not sample_id or not category:
            raise DataError(f"{where}: needs 'id' and 'category'")
        if status not in STATUS_RANK:
            raise DataError(f"{where}: status {status!r} is not one of {', '.join(STATUS_RANK)}")
        if categories.setdefault(sample_id, category) != category:
            raise DataError(
                f"{where}: category {category!r} differs from {categories[sample_id]!r} for the same id"
            )
        record, reason = check_record(record)
        if reason:
            rejected.append(f"{where}: {reason}")
        try:
            scales.setdefault(ScoreScale.from_value(record.get("scale")), where)
        except ValueError:
            pass  # a bad scale field: its record was rejected above if it claimed a score
        status = record["status"]
        key = (sample_id, int(record.get("repeat") or 0))
        current = best.get(key)
        if current is None or STATUS_RANK[status] >= STATUS_RANK[current["status"]]:
            best[key] = record
    if len(scales) > 1:
        (first, first_at), (other, other_at) = list(scales.items())[:2]
        raise DataError(
            f"{other_at} is on the scale {other.label} but {first_at} on {first.label}; "
            "one set of judgments must come from judges on one scale"
        )
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
    scale = next(iter(scales), DEFAULT_SCALE)
    return FoldedJudgments(outcomes, scale, tuple(rejected))
