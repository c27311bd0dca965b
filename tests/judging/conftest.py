"""Fixtures for the judge tests: judge items built from real BELLE eval samples, and a judge factory
pointed at the local OpenAI-compatible server (real HTTP through litellm, no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.protocols import EvalSample, JudgeItem

NO_GOLD = {"generation", "brainstorming", "rewrite"}


def make_item(
    i: int, *, category: str = "open_qa", reference: str = "标准答案", repeat: int = 0
) -> JudgeItem:
    sample = EvalSample(id=f"s{i}", question=f"问题{i}？", category=category, reference=reference)
    return JudgeItem(
        sample=sample,
        answer=f"回答{i}",
        category_prompt='请按照"得分:"这样的形式输出分数。',
        gold_shown=category not in NO_GOLD,
        repeat=repeat,
    )


@pytest.fixture
def items() -> list[JudgeItem]:
    return [make_item(i) for i in range(40)]


@pytest.fixture(scope="session")
def belle_items(shared_data: Path) -> list[JudgeItem]:
    """20 real eval samples with their real BELLE category prompts (class names as in the file)."""
    prompts = {}
    for line in (shared_data / "belle" / "eval_prompt.json").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        prompts[record["class"].replace("\u00a0", " ").lower()] = record["prompt"]
    items = []
    lines = (shared_data / "belle" / "eval_set.json").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines[:20]):
        record = json.loads(line)
        cls = record["class"].replace("\u00a0", " ").lower()
        sample = EvalSample(
            id=f"belle-{i}",
            question=record["question"],
            category=cls.replace(" ", "_"),
            reference=record["std_answer"],
        )
        items.append(
            JudgeItem(
                sample=sample,
                answer="这是模型的回答。",
                category_prompt=prompts[cls],
                gold_shown=cls not in NO_GOLD,
            )
        )
    return items


@pytest.fixture
def make_judge(tmp_path: Path):
    from harness.judging.llm_judge import LLMJudge

    def make(server, **options):
        options.setdefault("cache_path", tmp_path / "judge_cache.sqlite")
        options.setdefault("progress", False)
        return LLMJudge(api_base=server.base_url, **options)

    return make


def run_judge(judge, items):
    out = []
    judge.judge(items, on_result=out.append)
    return out
