"""A word-frequency diversity report: distinct-n and the most frequent words and bigrams.

distinct-n (Li et al. 2016) is the number of distinct token n-grams divided by the number of
n-grams: near 1 when little is repeated, lower as the same phrasing recurs. Tokens are those of
:mod:`harness.data.clean.tokens`: Chinese is counted in characters (so Chinese "bigrams" are
character bigrams), other scripts in words. Reported for the input and for the kept set, so the
effect of cleaning on diversity is visible in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from harness.data.clean.items import CleanItem
from harness.data.clean.tokens import TOKENIZATION, is_cjk, tokens


def _display(key: str) -> str:
    """A bigram key as text: Chinese characters side by side, words with a space."""
    a, b = key.split(SEP)
    return f"{a}{b}" if is_cjk(a) and is_cjk(b) else f"{a} {b}"


SEP = "\x1f"  # joins the tokens of an n-gram key (never inside a token)


def diversity(items: Sequence[CleanItem], *, on: str, top: int = 20) -> dict:
    unigrams: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    trigrams: set[str] = set()
    n_trigrams = 0
    join = SEP.join
    for item in items:
        toks = tokens(item.text(on))
        unigrams.update(toks)
        bigrams.update(map(join, zip(toks, toks[1:], strict=False)))
        grams = list(map(join, zip(toks, toks[1:], toks[2:], strict=False)))
        trigrams.update(grams)
        n_trigrams += len(grams)
    total = sum(unigrams.values())
    n_bigrams = sum(bigrams.values())
    cjk = sum(count for token, count in unigrams.items() if is_cjk(token))
    return {
        "samples": len(items),
        "tokens": total,
        "cjk_share": round(cjk / total, 4) if total else None,
        "distinct_1": round(len(unigrams) / total, 4) if total else None,
        "distinct_2": round(len(bigrams) / n_bigrams, 4) if n_bigrams else None,
        "distinct_3": round(len(trigrams) / n_trigrams, 4) if n_trigrams else None,
        "vocabulary": len(unigrams),
        "top_words": [[w, c] for w, c in unigrams.most_common(top)],
        "top_bigrams": [[_display(w), c] for w, c in bigrams.most_common(top)],
        "tokenization": TOKENIZATION,
    }
