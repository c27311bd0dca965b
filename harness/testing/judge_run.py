"""Run a judge on a few items against a test server and get its judgments back, as a list.

What a judge's test needs in one call: build the judge by its registered name (as ``harness run
--judge NAME`` would, with the settings pointing it at the server: no cache, no progress bar) or
take one already built, give it items written as plain dicts or :class:`~harness.protocols.JudgeItem`,
and collect what it delivers through ``on_result``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from harness.component_settings import ComponentSettings
from harness.manager import get_registry
from harness.protocols import EvalSample, JudgeItem, Judgment

ITEM_KEYS = ("question", "answer", "reference", "category", "category_prompt", "id", "gold_shown", "repeat")


def judge_item(
    question: str,
    answer: str,
    *,
    reference: str = "",
    category: str = "open_qa",
    category_prompt: str = "",
    id: str | None = None,
    gold_shown: bool = True,
    repeat: int = 0,
) -> JudgeItem:
    """One item for a judge: a question, the answer to judge and (optionally) the gold answer."""
    if id is None:
        id = "item-" + hashlib.sha256(f"{question}\0{answer}".encode()).hexdigest()[:12]
    sample = EvalSample(id=id, question=question, category=category, reference=reference)
    return JudgeItem(
        sample=sample, answer=answer, category_prompt=category_prompt, gold_shown=gold_shown, repeat=repeat
    )


def as_items(items: Iterable[JudgeItem | Mapping[str, Any]]) -> list[JudgeItem]:
    """``items`` as JudgeItems: dicts take :func:`judge_item`'s keywords (``question``, ``answer``...);
    a dict without an ``id`` gets ``item-<index>``."""
    out = []
    for index, item in enumerate(items):
        if isinstance(item, JudgeItem):
            out.append(item)
            continue
        unknown = sorted(set(item) - set(ITEM_KEYS))
        if unknown:
            raise ValueError(f"item {index}: unknown keys {unknown} (keys: {', '.join(ITEM_KEYS)})")
        out.append(judge_item(**{"id": f"item-{index}", **item}))
    return out


def build_judge(name: str, api_base: str, **settings: Any) -> Any:
    """The registered judge ``name`` pointed at ``api_base``, built as ``harness run`` builds it
    (``settings``: :class:`~harness.judging.settings.JudgeSettings` fields; cache and progress off
    unless given)."""
    from harness.judging.settings import JudgeSettings

    settings = {"use_cache": False, "progress": False, **settings, "api_base": api_base}
    return get_registry().create("judge", name, ComponentSettings(judge=JudgeSettings(**settings)))


def run_judge(
    judge: Any,
    items: Iterable[JudgeItem | Mapping[str, Any]],
    *,
    api_base: str | None = None,
    **settings: Any,
) -> list[Judgment]:
    """The judgments of ``judge`` (a registered name, built against ``api_base``, or a judge object)
    on ``items``, in the order the judge delivered them."""
    if isinstance(judge, str):
        if api_base is None:
            raise ValueError("a judge given by name needs api_base (the test server's url)")
        judge = build_judge(judge, api_base, **settings)
    elif settings:
        raise ValueError("settings apply to a judge given by name; build the judge object with them")
    judgments: list[Judgment] = []
    judge.judge(as_items(items), on_result=judgments.append)
    return judgments
