"""Self-preference: is the judge's model of one family with a model it judges?

Why: judges rate their own family's answers higher (Zheng et al. 2023, Panickssery et al. 2024);
a user should see when a run is judged by a relative, before reading its numbers.

The rule (stated in the report beside the verdict): two model names are of one family when they
share a provider prefix (``openai/gpt-4o`` and ``openai/o1``), or a name stem: the leading letters of
the name after any provider prefix (``gpt-4o`` and ``gpt-4o-mini``: ``gpt``; ``qwen2.5-72b`` and
``Qwen/Qwen2-7B``: ``qwen``), or when the judge's stem is a whole word of the other's name
(``llama-3-70b`` judging ``tiny-llama``). Generic words (``tiny``, ``chat``, ...) never count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

RULE = (
    "one family = same provider prefix (before '/'), or same name stem (the leading letters of the name), "
    "or the judge's stem is a word of the model's name; case ignored"
)
GENERIC = frozenset(
    {
        "tiny",
        "small",
        "mini",
        "base",
        "chat",
        "instruct",
        "model",
        "local",
        "test",
        "my",
        "the",
        "hf",
        "ft",
        "sft",
        "lora",
        "v",
    }
)


def provider(name: str) -> str | None:
    """The provider prefix of ``provider/model`` (lower case), or None."""
    head, sep, _ = name.strip().lower().rpartition("/")
    return head.split("/")[0] if sep and head else None


def stem(name: str) -> str | None:
    """The leading letters of the model's own name (after any provider prefix), or None if generic."""
    base = name.strip().lower().rpartition("/")[2]
    match = re.match(r"[a-z]+", base)
    return match.group(0) if match and match.group(0) not in GENERIC and len(match.group(0)) > 1 else None


def words(name: str) -> set[str]:
    base = name.strip().lower().rpartition("/")[2]
    return {w for w in re.split(r"[^a-z]+", base) if w and w not in GENERIC}


def shared_family(judge: str, model: str) -> str | None:
    """What makes ``judge`` and ``model`` one family (in words), or None."""
    judge_provider, model_provider = provider(judge), provider(model)
    if judge_provider and judge_provider == model_provider:
        return f"provider prefix {judge_provider!r}"
    judge_stem = stem(judge)
    if judge_stem and judge_stem == stem(model):
        return f"name stem {judge_stem!r}"
    if judge_stem and judge_stem in words(model):
        return f"the judge's stem {judge_stem!r} is a word of {model!r}"
    return None


def self_preference(judge_models: Iterable[str], models: Iterable[str]) -> dict[str, Any]:
    """Every (judge model, evaluated model) pair of one family, with why; ``flagged`` if any."""
    judges = sorted({j for j in judge_models if j})
    evaluated = sorted({m for m in models if m})
    matches = [
        {"judge_model": j, "model": m, "why": why}
        for j in judges
        for m in evaluated
        if (why := shared_family(j, m))
    ]
    return {
        "judge_models": judges,
        "models": evaluated,
        "same_family": matches,
        "flagged": bool(matches),
        "rule": RULE,
        "checked": bool(judges and evaluated),
    }
