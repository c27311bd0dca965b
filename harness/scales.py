"""A judge's declared score scale and kind, and the one check every score passes before it counts.

Why a declared scale: BELLE's judge scores 0..1, others rate 1..10; a number is only a score on the
scale its judge declared, so the core must know that scale to reject a number outside it, to
average, to draw a chart, and to compare two judges. A judge declares it on its spec
(``JudgeSpec(scale=(1, 10))``) or, when it depends on how the judge was built (a template that
scores 1..10), as a ``scale`` attribute of the judge object, which then wins. A judge that declares
nothing is on :data:`DEFAULT_SCALE`, 0..1 pointwise (what every judge was before scales existed).

Why one check: a plugin judge can return anything as a score. :func:`check_judgment` is applied
where judgments come back to the pipeline, before they are written, for every judge (built-in or
not): a NaN, an infinity, a non-number or a number outside the scale becomes ``unscored`` with the
reason, never a written score and never clipped. :func:`check_score` is the same test for
records already on disk (scoring and reports), so a NaN written by an older version is counted as
unscored instead of poisoning every figure.

This is a leaf module (no heavy imports): specs and the CLI listing use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from numbers import Real
from typing import Any, TypeVar

JUDGE_KINDS: tuple[str, ...] = ("pointwise", "pairwise")
"""``pointwise``: one answer gets a score on the scale. ``pairwise`` (declared, not yet run by
``harness run``): two answers, a verdict."""


@dataclass(frozen=True)
class ScoreScale:
    """Scores are real numbers in ``[low, high]`` (both ends included); ``kind`` is the judge kind."""

    low: float = 0.0
    high: float = 1.0
    kind: str = "pointwise"

    def __post_init__(self) -> None:
        for end in (self.low, self.high):
            if isinstance(end, bool) or not isinstance(end, Real) or not math.isfinite(end):
                raise ValueError(f"a score scale needs two finite numbers, not {self.low!r}..{self.high!r}")
        if not self.low < self.high:
            raise ValueError(f"a score scale needs low < high, not {self.low!r}..{self.high!r}")
        if self.kind not in JUDGE_KINDS:
            raise ValueError(f"judge kind must be one of {', '.join(JUDGE_KINDS)}, not {self.kind!r}")
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))

    @property
    def label(self) -> str:
        """``0..1``, ``1..10``: how the scale is written in reasons and reports."""
        return f"{self.low:g}..{self.high:g}"

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "kind": self.kind}

    def to_unit(self, score: float) -> float:
        """``score`` mapped linearly onto 0..1 (for charts, and to compare judges on different scales)."""
        return (score - self.low) / (self.high - self.low)

    @classmethod
    def from_value(cls, value: Any, *, kind: str | None = None) -> ScoreScale:
        """A scale from what a plugin or a file may hold: a ``ScoreScale``, ``(low, high)``,
        ``{"low", "high"[, "kind"]}``, or ``None`` (the default). Anything else is a ``ValueError``."""
        if value is None:
            return DEFAULT_SCALE if kind in (None, DEFAULT_SCALE.kind) else cls(kind=kind)
        if isinstance(value, ScoreScale):
            return value if kind in (None, value.kind) else replace(value, kind=kind)
        if isinstance(value, Mapping):
            unknown = set(value) - {"low", "high", "kind"}
            if unknown or not {"low", "high"} <= set(value):
                raise ValueError(f"a score scale is {{'low', 'high'[, 'kind']}}, not {dict(value)!r}")
            return cls(value["low"], value["high"], kind or value.get("kind", "pointwise"))
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return cls(value[0], value[1], kind or "pointwise")
        raise ValueError(f"a score scale is (low, high), not {value!r}")


DEFAULT_SCALE = ScoreScale()

_Record = TypeVar("_Record", bound=Mapping[str, Any])


def describe_value(value: Any) -> str:
    """A short, JSON-safe text for a rejected score (``nan``, ``inf``, ``'0.5'``...)."""
    try:
        text = repr(float(value)) if isinstance(value, Real) and not isinstance(value, bool) else repr(value)
    except OverflowError:  # an int too large for a float
        text = f"an integer of about 10^{int(value.bit_length() * 0.30103)}"
    except ValueError:  # repr of an int over Python's digit limit
        text = f"a {type(value).__name__} too long to show"
    return text if len(text) <= 60 else text[:57] + "..."


def check_score(value: Any, scale: ScoreScale = DEFAULT_SCALE) -> tuple[float | None, str]:
    """``(score, "")`` for a finite real number within ``scale``, else ``(None, reason)``.

    The reason starts with ``not a number`` (a NaN, a string, ``True``...), ``not a finite number``
    (an infinity) or ``out of range`` (a number outside the scale: not clipped).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        return None, f"not a number: the score is {describe_value(value)}"
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        number = math.inf if value > 0 else -math.inf  # type: ignore[operator]  # numbers.Real stub: no < with int
    if math.isnan(number):
        return None, "not a number: the score is NaN"
    if math.isinf(number) and isinstance(value, float):
        return None, f"not a finite number: the score is {number}"
    if not scale.low <= number <= scale.high:
        return None, f"out of range: score {number:g} is outside {scale.label} (not clipped)"
    return number, ""


def check_judgment(judgment: Any, scale: ScoreScale = DEFAULT_SCALE) -> Any:
    """``judgment`` (a :class:`~harness.protocols.Judgment`) with a score that is a plain float in
    ``scale``; a scored judgment whose score fails :func:`check_score` comes back ``unscored`` with
    the reason and the rejected value in ``meta["rejected_score"]`` (as text, so it stays JSON)."""
    if judgment.status != "scored":
        return judgment
    score, reason = check_score(judgment.score, scale)
    if score is not None:
        return judgment if type(judgment.score) is float else replace(judgment, score=score)
    meta = {
        **(judgment.meta if isinstance(judgment.meta, Mapping) else {}),
        "rejected_score": describe_value(judgment.score),
    }
    return replace(judgment, score=None, status="unscored", reason=reason, meta=meta)


def resolve_scale(judge: Any, declared: ScoreScale | None = None) -> ScoreScale:
    """The scale a built judge scores on: its own ``scale`` if it sets one (a pair takes the
    declared kind), else ``declared`` (its spec's), else :data:`DEFAULT_SCALE`. A malformed
    declaration is a ``ValueError`` naming the judge."""
    declared = declared or DEFAULT_SCALE
    own = judge.scale  # JudgeComponent's default: None
    if own is None:
        return declared
    try:
        return ScoreScale.from_value(own, kind=declared.kind if isinstance(own, (tuple, list)) else None)
    except ValueError as exc:
        raise ValueError(f"judge {judge.name!r} declares a bad score scale: {exc}") from None


def check_record(record: _Record) -> tuple[_Record | dict[str, Any], str]:
    """A judgment record read from disk, checked like :func:`check_judgment` against the scale it
    was written with (its ``scale`` field; none = 0..1, as before scales were recorded).

    Returns ``(record, "")`` when it is not scored or its score is valid, else an ``unscored`` copy
    and the reason, so that a NaN or out-of-range score left by an older version or a hand edit is
    counted as unscored (and said so) instead of crashing or poisoning every figure.
    """
    if record.get("status") != "scored":
        return record, ""
    try:
        scale = ScoreScale.from_value(record.get("scale"))
    except ValueError as exc:
        reason = f"bad scale on disk: {exc}"
    else:
        score, reason = check_score(record.get("score"), scale)
        if score is not None:
            return record, ""
    unscored = {
        **record,
        "status": "unscored",
        "score": None,
        "reason": f"{reason} (rejected when read)",
        "rejected_score": describe_value(record.get("score")),
    }
    return unscored, reason
