"""``harness judge-check RUN``: does today's judge still judge like the one that judged the run?

A fixed, seeded sample of the run's scored judgments (default 50) is judged again, with the run's
judge and settings, never from the cache (a cached reply would only repeat the verdict on disk),
and the new scores are set against the ones on disk (the measures ``harness calibrate`` reports, :mod:`harness.scoring.label_agreement`).
Beside the measures: which models and ``system_fingerprint`` values answered then and now, and
whether they moved. Nothing in the run directory is written or changed: the check reads
``run.json``, ``generations.jsonl`` and the judgments file, and prints.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.protocols import EvalSample, JudgeItem, Judgment
from harness.registry_yaml import format_validation_error
from harness.runs.config import RunConfig
from harness.runs.judge_drift import answering_counts
from harness.runs.judgment_lines import judgment_key, read_judgment_lines
from harness.runs.layout import GENERATIONS, RUN_FILE
from harness.runs.pipeline import check_api_base, judge_settings, run_categories
from harness.runs.records import read_record_dicts
from harness.runs.rundir import read_run
from harness.scales import ScoreScale, check_judgment, check_record
from harness.scoring.label_agreement import pointwise_agreement, scale_step


def sample_judgments(records: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` scored judgments chosen by ``seed`` (all of them when there are fewer), in file order
    of their keys: the same run, ``n`` and seed always choose the same items."""
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for record in records:
        checked, _ = check_record(record)
        if checked.get("status") == "scored":
            best[judgment_key(record)] = checked
    keys = sorted(best)
    chosen = sorted(random.Random(seed).sample(keys, min(n, len(keys))))
    return [best[k] for k in chosen]


def _items(config: RunConfig, registry: Any, run_dir: Path, chosen: list[dict[str, Any]]) -> list[JudgeItem]:
    generations = {
        r["id"]: r
        for r in read_record_dicts(run_dir / GENERATIONS)
        if isinstance(r.get("id"), str)
        and all(isinstance(r.get(k), str) for k in ("question", "category", "answer"))
    }
    if any("turn" in r for r in chosen) or any("turns" in r for r in generations.values()):
        raise UsageError(f"{run_dir}: judge-check does not handle multi-turn runs yet")
    samples = {
        i: EvalSample(id=i, question=r["question"], category=r["category"], reference=r.get("reference", ""))
        for i, r in generations.items()
    }
    categories = run_categories(config, registry, list(samples.values()))
    items = []
    for record in chosen:
        sample = samples.get(record["id"])
        if sample is None or sample.category not in categories:
            raise UsageError(
                f"{run_dir / GENERATIONS}: no answer (with its question and category) for judged "
                f"id {record['id']!r}"
            )
        category = categories[sample.category]
        items.append(
            JudgeItem(
                sample=sample,
                answer=generations[sample.id]["answer"],
                category_prompt=category.prompt,
                gold_shown=category.gold_shown,
                repeat=judgment_key(record)[1],
            )
        )
    return items


def _rejudge(
    config: RunConfig, registry: Any, items: list[JudgeItem], scale: ScoreScale
) -> dict[tuple, dict]:
    """Judge ``items`` now (no cache); each checked verdict by ``(id, repeat)``."""

    settings = replace(config.judge_settings(), use_cache=False, progress=False)
    judge = registry.create("judge", config.judge, judge_settings(config, settings))
    fresh: dict[tuple, dict] = {}

    def on_result(judgment: Judgment) -> None:
        record = check_judgment(judgment, scale).to_dict()
        fresh[judgment_key(record)] = record

    judge.judge(items, on_result=on_result)
    return fresh


def _moved(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        key: {"then": before[key], "now": after[key], "moved": set(before[key]) != set(after[key])}
        for key in ("answering_models", "fingerprints")
    }


# judge-check's names for the figures of harness.scoring.label_agreement.pointwise_agreement
MEASURE_KEYS = {
    "spearman": "spearman",
    "pearson": "pearson",
    "kappa_quadratic": "kappa",
    "exact": "exact_agreement",
    "within_1": "within_1_agreement",
}


def agreement(
    then: list[float], now: list[float], scale: ScoreScale, *, resamples: int, seed: int
) -> dict[str, Any]:
    """The scores on disk against today's, as ``harness calibrate`` measures judge against people;
    ``unit`` is one point of the scale (``within_1``)."""

    figures = pointwise_agreement(then, now, scale, n_resamples=resamples, seed=seed)
    measures = {}
    for ours, theirs in MEASURE_KEYS.items():
        entry = figures[theirs]
        low, high = entry["ci"] or (None, None)
        measures[ours] = {"value": entry["value"], "ci_low": low, "ci_high": high, "n": entry["n"]}
    return {"n": len(then), "unit": scale_step(scale), "measures": measures}


def judge_check(
    run_dir: Path,
    *,
    n: int,
    seed: int,
    judgments_file: str,
    overrides: dict[str, Any],
    registry: Any,
    resamples: int = 1000,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Re-judge a seeded sample of ``run_dir``'s scored judgments; the agreement and the drift."""
    config = _run_config(run_dir, overrides)
    check_api_base(config, str(run_dir / RUN_FILE))
    path = run_dir / judgments_file
    if not path.is_file():
        raise UsageError(f"{path} does not exist", hint="name the run's judgments file with --judgments")
    chosen = sample_judgments(_one_juror(read_judgment_lines(path).records, config, path), n, seed)
    if not chosen:
        raise UsageError(f"{path} has no scored judgments to check")
    scale = ScoreScale.from_value(chosen[0].get("scale"))
    log(
        f"judge-check: asking {config.judge_model or 'the judge'} again for {len(chosen)} items (seed {seed})"
    )
    fresh = _rejudge(config, registry, _items(config, registry, run_dir, chosen), scale)
    pairs = [(r, fresh.get(judgment_key(r)[:2])) for r in chosen]  # a juror's line: (id, repeat, juror)
    both = [(r["score"], f["score"]) for r, f in pairs if f is not None and f.get("status") == "scored"]
    result = agreement([a for a, _ in both], [b for _, b in both], scale, resamples=resamples, seed=seed)
    now = [f for _, f in pairs if f is not None]
    return {
        "run": str(run_dir),
        "judgments_file": judgments_file,
        "sampled": len(chosen),
        "seed": seed,
        "scale": scale.to_dict(),
        "rescored": len(both),
        "not_rescored": {
            "unscored": sum(f.get("status") == "unscored" for f in now),
            "failed": sum(f.get("status") == "failed" for f in now),
            "missing": len(chosen) - len(now),
        },
        "mean_then": _mean([a for a, _ in both]),
        "mean_now": _mean([b for _, b in both]),
        **result,
        "drift": _moved(answering_counts(chosen), answering_counts(now)),
    }


def _one_juror(records: list[dict[str, Any]], config: RunConfig, path: Path) -> list[dict[str, Any]]:
    """A jury run is checked one juror at a time: the one ``--judge-model`` names."""
    from harness.judging.settings import jury_models

    jurors = sorted({r["juror"] for r in records if "juror" in r})
    if not jurors and not jury_models(config.judge_model):
        return records
    if config.judge_model not in jurors:
        raise UsageError(
            f"{path} was judged by a jury ({', '.join(jurors)}); check one juror at a time",
            hint="name it with --judge-model",
        )
    return [r for r in records if r.get("juror") == config.judge_model]


def _run_config(run_dir: Path, overrides: dict[str, Any]) -> RunConfig:
    """The run's configuration from ``run.json``, with the command line's overrides; a damaged
    one is exit 2 naming the file."""
    from pydantic import ValidationError

    stored = read_run(run_dir).get("config")
    where = run_dir / RUN_FILE
    if not isinstance(stored, dict):
        raise UsageError(
            f"{where}: 'config' must be a mapping of run options", hint="this is no finished run"
        )
    try:
        return RunConfig.model_validate({**stored, **overrides})
    except ValidationError as exc:
        raise UsageError(format_validation_error(where, exc, what="run options")) from None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
