"""A report of a run of 1,000 samples, and the page script that types into its search box.

Shared by the browser tests (tests/report/test_html_playwright.py) and the keystroke benchmark
(bench/report_search.py), so the benchmark times the page the tests check.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

N_SAMPLES = 1000
CATEGORIES = (
    "math",
    "code",
    "classification",
    "extract",
    "open_qa",
    "closed_qa",
    "generation",
    "brainstorming",
    "rewrite",
    "summarization",
)
LONG_ANSWER = "这是一个比较长的回答，用来检查展开以后的文字只出现一次。" * 6
RAW_FLOAT = 0.052532833020637895


def write_large_run(directory: Path, *, n: int = N_SAMPLES, seed: int = 7) -> dict[str, dict[str, int]]:
    """A run directory as the pipeline writes it, ``n`` samples over ten BELLE categories, low scores
    (0..0.3, so the chart's axis should zoom), every seventh sample unscored. Returns counts per
    category and status, to check the page's filters against."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    (directory / "run.json").write_text(
        json.dumps(
            {
                "name": "big-run",
                "model": "tiny-llama",
                "judge": "ref-f1",
                "dataset": "synthetic",
                "versions": {},
            }
        )
    )
    counts: dict[str, dict[str, int]] = {"category": {}, "status": {}}
    with (
        (directory / "generations.jsonl").open("w", encoding="utf-8") as gen,
        (directory / "judgments.jsonl").open("w", encoding="utf-8") as jud,
    ):
        for i in range(n):
            category = CATEGORIES[i % len(CATEGORIES)]
            sample_id = f"sample-{i:04d}"
            answer = f"答案 {i}" if i % 2 else LONG_ANSWER + str(i)
            gen.write(
                json.dumps(
                    {
                        "id": sample_id,
                        "category": category,
                        "question": f"第{i}个问题：请回答这个问题。",
                        "reference": f"参考答案{i}号",
                        "answer": answer,
                        "prompt": "",
                        "model": "tiny-llama",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            unscored = i % 7 == 3
            score = None if unscored else (RAW_FLOAT if i == 0 else rng.random() * 0.3)
            status = "unscored" if unscored else "scored"
            jud.write(
                json.dumps(
                    {
                        "id": sample_id,
                        "category": category,
                        "score": score,
                        "status": status,
                        "raw": f"得分: {score}",
                        "judge": "ref-f1",
                        "reason": "no score found" if unscored else "",
                        "repeat": 0,
                        "meta": {},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            counts["category"][category] = counts["category"].get(category, 0) + 1
            counts["status"][status] = counts["status"].get(status, 0) + 1
    return counts


KEYSTROKES = """async (queries) => {
  const search = document.getElementById("search"), count = document.getElementById("shown-count");
  const results = [];
  for (const query of queries) {
    performance.clearMarks("harness-filter");
    const done = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        observer.disconnect();
        document.body.getBoundingClientRect();  // force style and layout of the rows just toggled
        resolve(performance.now());
      });
      observer.observe(count, {childList: true, characterData: true, subtree: true});
    });
    const t0 = performance.now();
    search.value = query;
    search.dispatchEvent(new Event("input", {bubbles: true}));
    const handler = performance.now() - t0;
    const end = await done;
    const start = performance.getEntriesByName("harness-filter").pop().startTime;
    results.push({query: search.value, handler: handler, filter: end - start, shown: Number(count.textContent)});
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  }
  return results;
}"""


def typing(text: str) -> list[str]:
    """What the search box holds after each keystroke: typing ``text``, then erasing it."""
    return [text[:k] for k in range(1, len(text) + 1)] + [text[:k] for k in range(len(text) - 1, -1, -1)]
