"""Reading a score out of a judge's free-text (mostly Chinese) reply, and saying how it was read.

BELLE asks for ``得分:`` but ChatGPT answers in many shapes: full-width colons (``得分：0.8分``),
fractions (``得分: 1/1``), markdown (``**得分**: 0.5``), English (``Score: 0.7``), the number on the
next line, or several scores (a per-point breakdown, then ``最终得分``). The rules, in order:

1. every ``<label> [:：为是]? <number>[/<number>][分|%]`` is found (the reply is NFKC-normalised first,
   which turns full-width colons, digits, points, signs and ``ｅ`` into ASCII, and markdown emphasis
   is removed);
2. if any label says *final* (``最终得分``, ``总得分``, ``综合得分``, ``Final score``...), the last of
   those wins (rule ``final-label``); otherwise the last labelled score (rule ``label``);
   A label may be a quoted key, so a dict reply ``{'事实正确性': 7, '综合得分': 6}`` reads 6;
3. a reply that is nothing but a number is that number (rule ``bare-number``).

A number is read whole: sign, decimals and exponent (``1e-9``, ``0.8e1`` = 8, ``1e308``), and the
words ``NaN``/``inf`` are read as what they are, so that they are rejected rather than skipped. A
fraction ``a/b`` becomes ``a / b`` (rule name gets ``+fraction``); ``80%`` becomes 0.8. A value
outside the judge's declared scale (:class:`harness.scales.ScoreScale`, 0..1 for BELLE) is *not*
clipped: :func:`parse_score` reports it ``out of range`` (a NaN ``not a number``), and the judge asks
once more (the repair turn) and otherwise marks the sample unscored with that reason, because a
clipped 8 (out of 10) would silently read as 1.0 and a dropped exponent turns ``1e308`` into 1.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from harness.scales import DEFAULT_SCALE, ScoreScale, check_score

FINAL_LABELS = (
    r"最终得分|最终分数|最终评分|最后得分|综合得分|综合评分|总得分|总评分|final\s+score|overall\s+score"
)
PLAIN_LABELS = r"得分|分数|评分|score|rating"
# sign, digits with an optional decimal part (or a leading point), an optional exponent; or NaN/inf
# spelt out (read so that they are rejected, not skipped). Used with re.IGNORECASE.
NUMBER = r"[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|nan(?![a-z])|inf(?:inity)?(?![a-z]))"
# signs NFKC leaves alone: the minus sign U+2212 (a full-width U+FF0D already becomes "-")
SIGNS = str.maketrans({"\u2212": "-"})
SCORE_RE = re.compile(
    rf"(?P<label>{FINAL_LABELS}|{PLAIN_LABELS})[\"'”’」]?\s*(?:[:=]|为|是)?\s*"
    rf"(?P<num>{NUMBER})(?:\s*/\s*(?P<den>{NUMBER}))?\s*(?P<unit>分|%)?",
    re.IGNORECASE,
)
SPELT_RE = re.compile(r"nan|inf", re.IGNORECASE)  # in a matched score: NaN or inf written as a word
FINAL_RE = re.compile(rf"^(?:{FINAL_LABELS})$", re.IGNORECASE)
BARE_RE = re.compile(
    rf"^\s*(?P<num>{NUMBER})(?:\s*/\s*(?P<den>{NUMBER}))?\s*(?P<unit>分|%)?\s*[。.]?\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class ParsedScore:
    """``score`` in the judge's scale when ``ok``; otherwise ``reason`` says why (no score found,
    out of range, not a number). ``value`` is the number read (may be NaN or infinite)."""

    score: float | None
    rule: str | None
    reason: str = ""
    value: float | None = None  # the number read, before the range check

    @property
    def ok(self) -> bool:
        return self.score is not None


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(SIGNS)
    return text.replace("**", "").replace("__", "")


def _value(match: re.Match[str]) -> tuple[float | None, str]:
    num = float(match.group("num"))
    suffix = ""
    den = match.group("den")
    if den is not None:
        den_value = float(den)
        if den_value == 0:
            return None, "+fraction"
        try:
            num = num / den_value
        except (OverflowError, ZeroDivisionError):  # pragma: no cover - float division gives inf/nan
            num = math.inf
        suffix = "+fraction"
    elif match.group("unit") == "%":
        num, suffix = num / 100.0, "+percent"
    return num, suffix


def mixed_digit_scripts(written: str) -> bool:
    """Whether ``written``'s digits come from more than one script (``٧5``): then it is no one number
    (``float`` would read it as 75)."""
    return len({ord(c) - unicodedata.decimal(c) for c in written if c.isdecimal()}) > 1


def _checked(match: re.Match[str], rule: str, scale: ScoreScale) -> ParsedScore:
    written = match.group("num") + (match.group("den") or "")
    if mixed_digit_scripts(written):
        shown = written if len(written) <= 12 else written[:12] + "..."
        return ParsedScore(None, rule, reason=f"the score {ascii(shown)} mixes digits of different scripts")
    value, suffix = _value(match)
    rule += suffix
    if value is None:
        return ParsedScore(None, rule, reason="the score has a zero denominator")
    score, reason = check_score(value, scale)
    if score is None:
        if math.isinf(value) and not SPELT_RE.search(
            match.group(0)
        ):  # digits too large for a float (1e400): a number, just far out of range
            written = match.group("num") + (f"/{match.group('den')}" if match.group("den") else "")
            reason = f"out of range: score {written} is outside {scale.label} (not clipped)"
        return ParsedScore(None, rule, reason=reason, value=value)
    return ParsedScore(score + 0.0, rule, value=value)  # + 0.0: -0 reads as 0


def parse_score(reply: str, scale: ScoreScale = DEFAULT_SCALE) -> ParsedScore:
    """The score a judge gave in ``reply`` (see the module doc for the rules), checked against the
    judge's declared ``scale`` (0..1 unless the judge declares another)."""
    text = normalise(reply or "")
    matches = list(SCORE_RE.finditer(text))
    finals = [m for m in matches if FINAL_RE.match(re.sub(r"\s+", " ", m.group("label")).strip())]
    if finals:
        return _checked(finals[-1], "final-label", scale)
    if matches:
        return _checked(matches[-1], "label", scale)
    bare = BARE_RE.match(text)
    if bare:
        return _checked(bare, "bare-number", scale)
    return ParsedScore(None, None, reason="no score found in the reply")
