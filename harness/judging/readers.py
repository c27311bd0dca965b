"""Ready readers for the reply formats LLM judges use, for a judge's ``read`` (or a YAML judge's ``reader``).

Each ``make``-function returns a *reader*: ``reader(reply, scale) -> ParsedScore`` (for verdicts,
``reader(reply) -> ParsedVerdict``). A reader never raises and never returns a score outside
``scale``: anything it cannot read -- no match, ``[[07]]`` with digits of two scripts, nesting,
100 KB of text, NaN -- comes back unscored with the reason (``.ok`` is false, ``.reason`` says why).
Digits are read one by one by their Unicode value (never evaluated): ``07`` is 7, full-width
``７`` and Arabic-Indic ``٧`` are 7, and digits of mixed scripts (``٧5``) are refused.

* :func:`label_number` -- a number after a label (BELLE's ``得分: 0.8``, ``综合得分：7分``);
* :func:`bracket_rating` -- FastChat's ``[[x]]``, else ``[x]`` (the first);
* :func:`dict_key` -- a key in the last ``{...}`` that has it (a Python dict or JSON object);
* :func:`letter_verdict` -- a pairwise ``[[A]]``/``[[B]]``/``[[C]]`` (C is a tie).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.judging.parse import ParsedScore, normalise, parse_score
from harness.scales import DEFAULT_SCALE, ScoreScale, check_score

MAX_REPLY_CHARS = 200_000  # what a reader looks at; a longer reply is read from its first part
DIGITS = r"\d+(?:\.\d+)?|\d+\.?"
ScoreReader = Callable[[str, ScoreScale], ParsedScore]


def Unscored(reason: str, rule: str | None = None) -> ParsedScore:  # noqa: N802 - reads as a result
    """A reading with no score and the reason (what ``read`` returns for a reply it cannot use)."""
    return ParsedScore(None, rule, reason=str(reason)[:300] or "no score")


@dataclass(frozen=True)
class ParsedVerdict:
    """A pairwise reading: ``verdict`` ``"A"``, ``"B"`` or ``"tie"``, or ``None`` with ``reason``."""

    verdict: str | None
    rule: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict is not None


def digits_value(written: str) -> tuple[float | None, str]:
    """``written`` (digits and at most one point) as ``(value, "")``, or ``(None, reason)`` when
    its digits are of different scripts. Each digit is read by its Unicode value."""
    try:
        zeros = {ord(c) - unicodedata.decimal(c) for c in written if c != "."}
        if len(zeros) > 1:
            shown = written if len(written) <= 12 else written[:12] + "..."
            return None, f"the rating {ascii(shown)} mixes digits of different scripts"
        return float("".join(c if c == "." else str(unicodedata.decimal(c)) for c in written)), ""
    except (ValueError, TypeError, OverflowError):
        return None, f"the rating {ascii(written[:12])} is not a number"


def checked_digits(written: str, rule: str, scale: ScoreScale) -> ParsedScore:
    """The digits read and checked against ``scale`` (out of range: unscored, not clipped)."""
    value, refused = digits_value(written)
    if value is None:
        return ParsedScore(None, rule, reason=refused)
    score, reason = check_score(value, scale)
    return ParsedScore(None if score is None else score + 0.0, rule, reason=reason or "", value=value)


def _safe(reader: ScoreReader, spec: str) -> ScoreReader:
    def read(reply: str, scale: ScoreScale = DEFAULT_SCALE) -> ParsedScore:
        try:
            return reader(str(reply or "")[:MAX_REPLY_CHARS], scale)
        except Exception as exc:  # a reader never raises: the reply is cached, a raise would recur
            return Unscored(f"the reply could not be read ({type(exc).__name__})")

    read.__doc__ = reader.__doc__
    read.spec = spec  # type: ignore[attr-defined]  # what the reader reads: part of a judge's hash
    return read


def label_number(*labels: str) -> ScoreReader:
    """The number after one of ``labels`` (the last one, ``label: 7``, ``label：7分``, ``label 7/10``).
    With no labels, BELLE's rules (:func:`harness.judging.parse.parse_score`): ``得分``, ``Score``...
    and a final label (``综合得分``, ``最终得分``) over the others."""
    if not labels:
        return _safe(parse_score, "label_number()")
    pattern = re.compile(
        r"(?:"
        + "|".join(re.escape(normalise(label)) for label in labels)
        + r")[\"'”’」]?\s*(?:[:=：]|为|是)?\s*"
        r"(?P<num>[-+]?(?:" + DIGITS + r"))(?:\s*/\s*(?P<den>" + DIGITS + r"))?",
        re.IGNORECASE,
    )

    def read(reply: str, scale: ScoreScale) -> ParsedScore:
        matches = list(pattern.finditer(normalise(reply)))
        if not matches:
            return Unscored(f"no {' / '.join(labels)} in the reply")
        match = matches[-1]
        num = match.group("num").lstrip("+")
        if match.group("den"):
            return _fraction(num, match.group("den"), scale)
        negative = num.startswith("-")
        parsed = checked_digits(num.lstrip("-"), "label", scale)
        if negative and parsed.value:
            return Unscored(
                f"out of range: score -{num.lstrip('-')} is outside {scale.label} (not clipped)", "label"
            )
        return parsed

    return _safe(read, f"label_number{labels!r}")


def _fraction(num: str, den: str, scale: ScoreScale) -> ParsedScore:
    top, refused = digits_value(num.lstrip("-"))
    bottom, refused_den = digits_value(den)
    if top is None or bottom is None:
        return Unscored(refused or refused_den, "label+fraction")
    if bottom == 0:
        return Unscored("the score has a zero denominator", "label+fraction")
    score, reason = check_score(-top / bottom if num.startswith("-") else top / bottom, scale)
    return ParsedScore(score, "label+fraction", reason=reason or "", value=top / bottom)


FASTCHAT_PAIR = re.compile(r"\[\[(\d+\.?\d*)\]\]")
FASTCHAT_ONE = re.compile(r"\[(\d+\.?\d*)\]")


def bracket_rating() -> ScoreReader:
    """FastChat's rating: the first ``[[x]]`` (``\\[\\[(\\d+\\.?\\d*)\\]\\]``), else the first ``[x]``."""

    def read(reply: str, scale: ScoreScale) -> ParsedScore:
        for rule, pattern in (("[[rating]]", FASTCHAT_PAIR), ("[rating]", FASTCHAT_ONE)):
            match = pattern.search(reply)
            if match:
                return checked_digits(match.group(1), rule, scale)
        return Unscored("no [[rating]] in the reply")

    return _safe(read, "bracket_rating()")


OBJECT = re.compile(r"\{[^{}]*\}")  # an innermost {...}: nesting is read from the inside out


def dict_key(key: str) -> ScoreReader:
    """The number under ``key`` in the last ``{...}`` of the reply that has it: a Python dict
    (``{'综合得分': 6}``) or a JSON object (``{"overall": 6.5}``), anywhere in the reply."""
    entry = re.compile(
        r"[\"'“‘]?"
        + re.escape(normalise(key))
        + r"[\"'”’]?\s*[:：]\s*[\"']?(?P<num>-?(?:"
        + DIGITS
        + r"))[\"']?\s*[,，}]"
    )

    def read(reply: str, scale: ScoreScale) -> ParsedScore:
        found = None
        for obj in OBJECT.finditer(normalise(reply)):
            match = entry.search(obj.group(0))
            found = match or found
        if found is None:
            return Unscored(f"no {{...}} with the key {key!r} and a number in the reply")
        num = found.group("num")
        if num.startswith("-"):
            value, _ = digits_value(num[1:])
            if value:
                return Unscored(
                    f"out of range: score {num} is outside {scale.label} (not clipped)", "dict-key"
                )
            num = num[1:]
        return checked_digits(num, "dict-key", scale)

    return _safe(read, f"dict_key({key!r})")


LETTERS = {"A": "A", "B": "B", "C": "tie"}


def letter_verdict(marks: Sequence[str] = ("[[A]]", "[[B]]", "[[C]]")) -> Callable[[str], ParsedVerdict]:
    """FastChat's pairwise verdict: ``[[A]]``, else ``[[B]]``, else ``[[C]]`` (a tie). ``marks``
    are the three marks for A, B and tie, looked for in that order."""
    verdicts = dict(zip(marks, ("A", "B", "tie"), strict=True))

    def read(reply: str) -> ParsedVerdict:
        text = str(reply or "")[:MAX_REPLY_CHARS]
        for mark, verdict in verdicts.items():
            if mark in text:
                return ParsedVerdict(verdict, "letter")
        return ParsedVerdict(None, None, f"no {', '.join(marks[:-1])} or {marks[-1]} in the reply")

    return read


def as_reading(value: object, scale: ScoreScale) -> ParsedScore:
    """What a judge's ``read`` returned, as a checked :class:`ParsedScore`: a number is checked
    against ``scale``; a ParsedScore is re-checked (a score outside the scale becomes unscored)."""
    if isinstance(value, ParsedScore):
        if value.score is None:
            return value
        score, reason = check_score(value.score, scale)
        return value if score is not None else ParsedScore(None, value.rule, reason=reason, value=value.score)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Unscored(f"read() returned {type(value).__name__}, not a number or a reading")
    score, reason = check_score(value, scale)
    if score is None:
        return ParsedScore(None, "read", reason=reason, value=value if math.isfinite(value) else None)
    return ParsedScore(score + 0.0, "read", value=value)
