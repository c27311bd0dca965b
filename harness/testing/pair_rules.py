"""Scripted pairwise judges for the test server (``python -m harness.testing --prefer first|longer``).

Why: the judge-bias diagnostics must be shown to catch a biased judge; these replies are that
judge, rule-based and deterministic. They read the two answers from a FastChat-style pairwise
prompt (``[The Start of Assistant A's Answer]`` ... or the multi-turn conversation blocks) and
answer with FastChat's verdict marks: ``first`` always says ``[[A]]`` (pure position bias);
``longer`` picks the longer answer, ``[[C]]`` when both are as long (pure length bias).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PREFERENCES = ("first", "longer")
_BLOCKS = (
    r"\[The Start of Assistant {x}'s Answer\]\n?(.*?)\n?\[The End of Assistant {x}'s Answer\]",
    r"<\|The Start of Assistant {x}'s Conversation with User\|>(.*?)<\|The End of Assistant {x}'s Conversation",
)


def shown_answer(prompt: str, which: str) -> str | None:
    """The answer (or conversation) shown as assistant ``which`` (A or B) in a pairwise prompt."""
    for pattern in _BLOCKS:
        found = re.search(pattern.format(x=which), prompt, flags=re.S)
        if found:
            return found.group(1)
    return None


def longer_verdict(prompt: str) -> str:
    first, second = shown_answer(prompt, "A"), shown_answer(prompt, "B")
    if first is None or second is None:
        return "No pair of answers found in the prompt."
    return "[[A]]" if len(first) > len(second) else "[[B]]" if len(second) > len(first) else "[[C]]"


def preference_reply(rule: str) -> Callable[[dict[str, Any]], str]:
    """The server's reply function for ``rule`` (one of :data:`PREFERENCES`)."""
    if rule not in PREFERENCES:
        raise ValueError(f"--prefer is one of {', '.join(PREFERENCES)}, not {rule!r}")

    def reply(body: dict[str, Any]) -> str:
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if isinstance(m, dict))
        return (
            "The first answer is better. [[A]]"
            if rule == "first"
            else f"Judged by length. {longer_verdict(prompt)}"
        )

    return reply
