"""``ref-f1``: a judge that needs no API — character-level F1 between the answer and the gold answer.

For offline runs and as a sanity check on an LLM judge (a judge that disagrees wildly with plain
overlap on closed questions deserves a look). Chinese has no word boundaries, so the unit is the
character: both texts are NFKC-normalised (full-width forms and U+00A0, which BELLE's data is full
of, become their plain forms) and all whitespace is dropped; F1 is over the multiset of characters.
Categories with no gold answer (empty reference, or ``gold_shown`` False) are ``unscored`` with the
reason: an F1 against nothing would be a meaningless 0.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from harness.component_bases import JudgeComponent
from harness.protocols import JudgeItem, Judgment


def characters(text: str) -> list[str]:
    return [ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace()]


def char_f1(answer: str, reference: str) -> float:
    """Character-multiset F1; 1.0 for identical texts (ignoring whitespace and width forms)."""
    pred, gold = Counter(characters(answer)), Counter(characters(reference))
    overlap = sum((pred & gold).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


class RefF1Judge(JudgeComponent):
    """Scores by character F1 against the gold answer. Accepts and ignores the API judges' options."""

    def __init__(self, *, name: str = "ref-f1") -> None:
        self.name = name
        self.stats: dict[str, Any] = {}

    def estimate_cost(self, items: Sequence[JudgeItem]) -> float:
        return 0.0

    def judge(self, items: Sequence[JudgeItem], *, on_result: Callable[[Judgment], None]) -> None:
        counts = {"scored": 0, "unscored": 0, "failed": 0}
        for item in items:
            judgment = self.judge_one(item)
            counts[judgment.status] += 1
            on_result(judgment)
        self.stats = {"judge": self.name, "items": len(items), **counts, "requests": 0, "cost": 0.0}

    def judge_one(self, item: JudgeItem) -> Judgment:
        sample = item.sample
        common: dict[str, Any] = {
            "id": sample.id,
            "category": sample.category,
            "judge": self.name,
            "repeat": item.repeat,
        }
        if not item.gold_shown or not characters(sample.reference):
            why = (
                "no gold answer is shown for this category"
                if not item.gold_shown
                else "the gold answer is empty"
            )
            return Judgment(
                score=None, status="unscored", reason=f"ref-f1 needs a gold answer: {why}", **common
            )
        score = char_f1(item.answer, sample.reference)
        return Judgment(
            score=score,
            status="scored",
            raw=f"char-F1 = {score:.4f}",
            meta={"metric": "char_f1", "answer_chars": len(characters(item.answer))},
            **common,
        )
