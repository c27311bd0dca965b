"""Synthetic runs for calibration tests: a judge biased by a known amount, and the people's scores.

People's scores are whole points on 1..10; the judge gives each sample the people's score plus
``bias`` plus noise, rounded to a point and kept on the scale -- a judge that tracks people but
runs high, as LLM judges often do.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SCALE = {"low": 1.0, "high": 10.0, "kind": "pointwise"}
CATEGORIES = ("math", "writing", "code")


def people_and_judge(n: int, *, bias: float, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` people's scores and the biased judge's scores of the same samples."""
    rng = np.random.default_rng(seed)
    people = rng.integers(2, 9, size=n).astype(float)
    judge = np.clip(np.rint(people + bias + rng.normal(0.0, noise, size=n)), 1, 10)
    return people, judge


def write_scored_run(directory: Path, judge: np.ndarray, *, unscored: tuple[int, ...] = ()) -> list[str]:
    """A run directory whose judgments give ``judge`` (one sample each, categories in turn); its ids."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "run.json").write_text(
        json.dumps({"name": directory.name, "model": "m", "judge": "j", "dataset": "synthetic"}),
        encoding="utf-8",
    )
    ids = [f"s{i:04d}" for i in range(judge.size)]
    with (directory / "judgments.jsonl").open("w", encoding="utf-8") as out:
        for i, (sample_id, score) in enumerate(zip(ids, judge, strict=True)):
            status = "unscored" if i in unscored else "scored"
            out.write(
                json.dumps(
                    {
                        "id": sample_id,
                        "category": CATEGORIES[i % len(CATEGORIES)],
                        "status": status,
                        "score": None if status == "unscored" else float(score),
                        "scale": SCALE,
                        "judge": "j",
                        "repeat": 0,
                        "raw": "",
                        "reason": "",
                    }
                )
                + "\n"
            )
    return ids


def write_labels(path: Path, ids: list[str], scores: np.ndarray) -> Path:
    path.write_text(
        "".join(json.dumps({"id": i, "score": float(s)}) + "\n" for i, s in zip(ids, scores, strict=True)),
        encoding="utf-8",
    )
    return path
