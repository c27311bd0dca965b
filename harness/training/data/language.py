"""Which language a conversation is in, from script and stop-word statistics (no model, no deps).

The paper cleaned ShareGPT the Vicuna way and kept only English and Chinese conversations
(FastChat's ``optional_clean`` uses polyglot/pycld2 for this). Those detectors need ICU and
compiled extensions; the distinction the paper needs is coarse, so character statistics do:

1. Count letters per script. CJK characters carry about a word each while alphabetic scripts
   need several letters per word, so each Han/kana/hangul character weighs :data:`CJK_WEIGHT`
   alphabetic letters; the heaviest script wins. This keeps a Chinese conversation that quotes a
   lot of code Chinese.
2. Han text with a noticeable share of kana is Japanese, not Chinese.
3. CJK text needs no majority: Chinese questions about code are mostly Latin letters, so text
   whose weighted CJK share is at least :data:`CJK_MIN_SHARE` of the top script is Chinese (or
   Japanese).
4. Latin text is English unless the stop words of another Latin-script language outnumber the
   English ones. Latin text with no stop words at all (code, names, numbers) counts as English, as
   a script-level detector would have it.

Fenced code blocks are removed first (when prose remains): identifiers such as ``do``, ``para``
or ``la`` would otherwise vote for Portuguese, Spanish or French.

Returns ``"zh"``, ``"en"``, ``"ja"``, ``"ko"``, ``"ru"`` (Cyrillic), ``"fr"``, ``"de"``, ``"es"``,
``"pt"``, ``"it"``, ``"nl"``, ``"ar"``, ``"he"``, ``"th"``, ``"hi"``, ``"el"``, or ``"unknown"``
(no letters at all).
"""

from __future__ import annotations

import re
from collections import Counter

CJK_WEIGHT = 3
CJK_MIN_SHARE = 0.25
KANA_SHARE_FOR_JAPANESE = 0.1

_SCRIPT_RANGES: dict[str, str] = {
    "latin": "A-Za-z\u00c0-\u024f",
    "greek": "\u0370-\u03ff",
    "cyrillic": "\u0400-\u04ff",
    "hebrew": "\u0590-\u05ff",
    "arabic": "\u0600-\u06ff",
    "devanagari": "\u0900-\u097f",
    "thai": "\u0e00-\u0e7f",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "kana": "\u3040-\u30ff",
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df",
}
_SCRIPT_PATTERNS = {script: re.compile(f"[{chars}]") for script, chars in _SCRIPT_RANGES.items()}
_CJK_SCRIPTS = frozenset({"han", "kana", "hangul"})
_SCRIPT_LANGUAGE = {
    "han": "zh",
    "kana": "ja",
    "hangul": "ko",
    "cyrillic": "ru",
    "arabic": "ar",
    "hebrew": "he",
    "thai": "th",
    "devanagari": "hi",
    "greek": "el",
}

_ENGLISH = frozenset(
    "the and of to is in that it for you with this are be on as was can have not what how my your "
    "will an or by from do which would there their they we if about should".split()
)
_OTHER_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split()) - _ENGLISH
    for lang, words in {
        "fr": "le la les des est et une un du pour que qui dans pas sur avec ce vous je au sont ne nous",
        "de": "der die das und ist nicht ein eine zu den mit sich auf für ich sie es dem auch wie sind wird",
        "es": "el los las del que un una es por para con se su lo como más pero al está muy",
        "pt": "os do da dos das que um uma é para com não em no na por mais você são",
        "it": "il di che la per un una non sono con del della gli le è si lo anche come",
        "nl": "de het een en van dat op te niet zijn voor met ik je die er maar",
    }.items()
}
_WORD = re.compile(r"[A-Za-z\u00C0-\u024F']+")
_FENCED_CODE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


def script_counts(text: str) -> Counter:
    """Letters per script (``latin``, ``han``, ``kana``, ``hangul``, ``cyrillic``, ...)."""
    counts: Counter = Counter()
    for script, pattern in _SCRIPT_PATTERNS.items():
        n = len(pattern.findall(text))
        if n:
            counts[script] = n
    return counts


def _latin_language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(1 for w in words if w in _ENGLISH)
    best_lang, best_hits = "en", english
    for lang, stopwords in _OTHER_STOPWORDS.items():
        hits = sum(1 for w in words if w in stopwords)
        if hits > best_hits:
            best_lang, best_hits = lang, hits
    return best_lang


def detect_language(text: str) -> str:
    """The language of ``text`` as a short code (see the module docstring)."""
    prose = _FENCED_CODE.sub(" ", text)
    counts = script_counts(prose) or script_counts(text)
    if not counts:
        return "unknown"
    weighted = {s: n * (CJK_WEIGHT if s in _CJK_SCRIPTS else 1) for s, n in counts.items()}
    cjk = counts["han"] + counts["kana"]
    if cjk and cjk * CJK_WEIGHT >= CJK_MIN_SHARE * max(weighted.values()):
        return "ja" if counts["kana"] / cjk > KANA_SHARE_FOR_JAPANESE else "zh"
    top = max(weighted, key=lambda s: weighted[s])
    if top == "latin":
        return _latin_language(prose)
    return _SCRIPT_LANGUAGE.get(top, "unknown")
