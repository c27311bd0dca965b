"""Reading a score out of a judge's free-text (mostly Chinese) reply, and saying how it was read.

BELLE asks for ``得分:`` but ChatGPT answers in many shapes: full-width colons (``得分：0.8分``),
fractions (``得分: 1/1``), markdown (``**得分**: 0.5``), English (``Score: 0.7``), the number on the
next line, or several scores (a per-point breakdown, then ``最终得分``). The rules, in order:

1. every ``<label> [:：为是]? <number>[/<number>][分|%]`` is found (the reply is NFKC-normalised first,
   which turns full-width colons and digits into ASCII, and markdown emphasis is removed);
2. if any label says *final* (``最终得分``, ``总得分``, ``综合得分``, ``Final score``...), the last of
   those wins (rule ``final-label``); otherwise the last labelled score (rule ``label``);
3. a reply that is nothing but a number is that number (rule ``bare-number``).

A fraction ``a/b`` becomes ``a / b`` (rule name gets ``+fraction``); ``80%`` becomes 0.8. A value
outside 0..1 is *not* clipped: :func:`parse_score` reports it as out of range, and the judge marks
the sample unscored with that reason, because a clipped 8 (out of 10) would silently read as 1.0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

FINAL_LABELS = r"最终得分|最终分数|最终评分|最后得分|综合得分|综合评分|总得分|总评分|final\s+score|overall\s+score"
PLAIN_LABELS = r"得分|分数|评分|score|rating"
NUMBER = r"[-+]?\d+(?:\.\d+)?|[-+]?\.\d+"
SCORE_RE = re.compile(
    rf"(?P<label>{FINAL_LABELS}|{PLAIN_LABELS})\s*(?:[:=]|为|是)?\s*"
    rf"(?P<num>{NUMBER})(?:\s*/\s*(?P<den>{NUMBER}))?\s*(?P<unit>分|%)?",
    re.IGNORECASE,
)
FINAL_RE = re.compile(rf"^(?:{FINAL_LABELS})$", re.IGNORECASE)
BARE_RE = re.compile(rf"^\s*(?P<num>{NUMBER})(?:\s*/\s*(?P<den>{NUMBER}))?\s*(?P<unit>分|%)?\s*[。.]?\s*$")


@dataclass(frozen=True)
class ParsedScore:
    """``score`` in [0, 1] when ``ok``; otherwise ``reason`` says why (no score, out of range)."""

    score: float | None
    rule: str | None
    reason: str = ""
    value: float | None = None  # the number read, before the range check

    @property
    def ok(self) -> bool:
        return self.score is not None


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return text.replace("**", "").replace("__", "")


def _value(match: re.Match[str]) -> tuple[float | None, str]:
    num = float(match.group("num"))
    suffix = ""
    den = match.group("den")
    if den is not None:
        den_value = float(den)
        if den_value == 0:
            return None, "+fraction"
        num, suffix = num / den_value, "+fraction"
    elif match.group("unit") == "%":
        num, suffix = num / 100.0, "+percent"
    return num, suffix


def _checked(value: float | None, rule: str) -> ParsedScore:
    if value is None:
        return ParsedScore(None, rule, reason="the score has a zero denominator")
    if not 0.0 <= value <= 1.0:
        return ParsedScore(None, rule, reason=f"score {value:g} is outside 0..1 (not clipped)", value=value)
    return ParsedScore(value, rule, value=value)


def parse_score(reply: str) -> ParsedScore:
    """The score a judge gave in ``reply`` (see the module doc for the rules)."""
    text = normalise(reply or "")
    matches = list(SCORE_RE.finditer(text))
    finals = [m for m in matches if FINAL_RE.match(re.sub(r"\s+", " ", m.group("label")).strip())]
    if finals:
        value, suffix = _value(finals[-1])
        return _checked(value, "final-label" + suffix)
    if matches:
        value, suffix = _value(matches[-1])
        return _checked(value, "label" + suffix)
    bare = BARE_RE.match(text)
    if bare:
        value, suffix = _value(bare)
        return _checked(value, "bare-number" + suffix)
    return ParsedScore(None, None, reason="no score found in the reply")
