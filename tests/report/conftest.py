"""Small run directories written the way the run pipeline writes them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from harness.manager import get_registry


def write_run(
    directory: Path,
    *,
    name: str,
    shift: float = 0.0,
    seed: int = 0,
    unscored_every: int = 0,
    torn: bool = False,
    judge: str = "ref-f1",
    judgments_file: str = "judgments.jsonl",
    evil_answer: bool = False,
) -> Path:
    """A run over the shipped demo set (30 samples, all nine columns) with seeded scores."""
    directory.mkdir(parents=True, exist_ok=True)
    samples = get_registry().create("dataset", "demo").load()
    rng = random.Random(seed)
    (directory / "run.json").write_text(
        json.dumps({"name": name, "model": "tiny-llama", "judge": judge, "dataset": "demo", "versions": {}}),
        encoding="utf-8",
    )
    answer = (
        '<script>document.documentElement.setAttribute("data-evil", "1"); throw new Error("x")</script>'
        "<img src=x onerror=\"document.documentElement.setAttribute('data-evil-img', '1')\"> 回答"
    )
    with (
        (directory / "generations.jsonl").open("w", encoding="utf-8") as gen,
        (directory / judgments_file).open("w", encoding="utf-8") as jud,
    ):
        for i, sample in enumerate(samples):
            gen.write(
                json.dumps(
                    {
                        "id": sample.id,
                        "category": sample.category,
                        "question": sample.question,
                        "reference": sample.reference,
                        "answer": answer if evil_answer else f"答案 {i}",
                        "prompt": f"Human: \n{sample.question}\n\nAssistant: \n",
                        "model": "tiny-llama",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            unscored = unscored_every and i % unscored_every == 0
            score = None if unscored else min(1.0, round(rng.random(), 3) + shift)
            jud.write(
                json.dumps(
                    {
                        "id": sample.id,
                        "category": sample.category,
                        "score": score,
                        "status": "unscored" if unscored else "scored",
                        "raw": f"得分: {score} </td><b>raw</b>",
                        "judge": judge,
                        "reason": "no score found" if unscored else "",
                        "repeat": 0,
                        "meta": {},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        if torn:
            jud.write('{"id": "demo-math-1", "category": "ma')
    return directory


@pytest.fixture
def make_run():
    return write_run
