"""The ``length`` judge: the ratio of the shorter to the longer of answer and gold answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from harness import JudgeComponent, JudgeItem, Judgment


class LengthJudge(JudgeComponent):
    name = "length"

    def judge(self, items: Sequence[JudgeItem], *, on_result: Callable[[Judgment], None]) -> None:
        for item in items:
            gold, answer = item.sample.reference.strip(), item.answer.strip()
            if not gold:
                on_result(
                    Judgment(
                        id=item.sample.id,
                        category=item.sample.category,
                        score=None,
                        status="unscored",
                        judge=self.name,
                        reason="no gold answer",
                        repeat=item.repeat,
                    )
                )
                continue
            score = min(len(gold), len(answer)) / max(len(gold), len(answer)) if answer else 0.0
            on_result(
                Judgment(
                    id=item.sample.id,
                    category=item.sample.category,
                    score=round(score, 4),
                    status="scored",
                    raw=f"len(answer)={len(answer)} len(gold)={len(gold)}",
                    judge=self.name,
                    repeat=item.repeat,
                )
            )
