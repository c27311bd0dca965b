"""``harness compare --judge <pairwise judge> runs/a runs/b``: judge two runs' answers against each other.

Reads both runs' ``generations.jsonl`` (single answers or per-turn conversations), builds both
orders of every sample (or turn) answered in both runs, lets the pairwise judge give its verdicts
and combines them (see :mod:`harness.judging.pairwise`). It writes nothing into the run
directories; the judge's replies are cached (``$HARNESS_HOME``), so running it again costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.protocols import EvalSample, PairVerdict


def run_conversations(run_dir: Path) -> tuple[list[EvalSample], dict[str, dict[str, Any]]]:
    """A run's samples and generation records by id (conversations for a multi-turn run)."""
    from harness.runs.layout import GENERATIONS
    from harness.runs.records import read_record_dicts
    from harness.runs.rundir import read_run
    from harness.runs.turns import samples_from_records

    read_run(run_dir)  # a usage error when this is not a run directory
    records = read_record_dicts(Path(run_dir) / GENERATIONS)
    if not records:
        raise UsageError(f"{run_dir} has no generations to compare")
    if any("turn" in r for r in records):
        return samples_from_records(records)
    by_id = {str(r["id"]): r for r in records}
    samples = [EvalSample(id=i, question=r["question"], category=r["category"], reference=r.get("reference", ""))
               for i, r in by_id.items()]
    return samples, by_id


def compare_pairwise(run_a: Path, run_b: Path, judge_name: str, *, options: dict[str, Any] | None = None,
                     manager: Any = None, log: Callable[[str], None] = print, n_resamples: int = 2000,
                     seed: int = 0) -> dict[str, Any]:
    """Win rate of run b over run a under ``judge_name`` (a pairwise judge), with counts per category."""
    from harness.judging.pairwise import combine, pair_items, win_rate
    from harness.manager import get_manager
    from harness.runs.pipeline import create_component

    registry = (manager or get_manager()).registry
    spec = registry.get("judge", judge_name)
    if getattr(spec, "judge_kind", "pointwise") != "pairwise":
        raise UsageError(f"judge {judge_name!r} is {getattr(spec, 'judge_kind', 'pointwise')}; "
                         "compare --judge needs a pairwise judge",
                         hint="Compare pointwise scores with `harness compare runs/a runs/b` (no --judge).")
    samples_a, conv_a = run_conversations(run_a)
    _, conv_b = run_conversations(run_b)
    items = pair_items(samples_a, conv_a, conv_b)
    if not items:
        raise UsageError(f"{run_a} and {run_b} have no sample answered in both")
    judge = create_component(registry, "judge", judge_name, lenient=options or {})
    log(f"pairwise judging: {len(items) // 2} pairs, both orders ({len(items)} verdicts)")
    verdicts: list[PairVerdict] = []
    judge.judge_pairs(items, on_result=verdicts.append)
    outcomes = combine(verdicts)
    categories = {item.sample.id: item.sample.category for item in items}
    result = win_rate(outcomes, categories=categories, n_resamples=n_resamples, seed=seed)
    return {"a": str(run_a), "b": str(run_b), "judge": judge_name, "n_pairs": len(items) // 2, **result,
            "stats": dict(getattr(judge, "stats", {}) or {})}
