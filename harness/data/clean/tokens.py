"""The token level cleaning works at: what a "word" is, and the text exact duplicates are keyed on.

No Chinese word segmenter is used (none ships with the project, and segmenters disagree): every
CJK character is one token, as in character-level Chinese n-gram statistics; any other run of
letters or digits is one token (a word), case-folded. Punctuation and whitespace separate tokens
and are not tokens themselves. Text is NFKC-normalised first, so full-width Latin letters, digits
and the non-breaking spaces of BELLE's files count as their ordinary forms.
"""

from __future__ import annotations

import re
import unicodedata

# CJK Unified Ideographs (+ Extension A, compatibility ideographs), Hiragana/Katakana, Hangul syllables
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+", re.UNICODE)
CJK_RE = re.compile(rf"[{_CJK}]")

TOKENIZATION = (
    "NFKC, then one token per CJK character (Chinese is counted in character n-grams; "
    "no word segmenter) and one token per run of other letters/digits, case-folded; "
    "punctuation and whitespace are separators"
)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` (see the module docstring)."""
    return TOKEN_RE.findall(normalise(text))


def exact_key(text: str) -> str:
    """Text two samples share when they are exact duplicates up to case, width and whitespace."""
    return "".join(normalise(text).split())


def shingles(toks: list[str], n: int) -> set[str]:
    """The set of ``n``-token shingles (the whole token list when it is shorter than ``n``)."""
    if len(toks) < n:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def is_cjk(token: str) -> bool:
    return bool(CJK_RE.fullmatch(token))
