"""Judging with a jury: ``--judge-model a,b,c`` asks every judge model for every item.

Each juror judges in turn with the run's judge and settings, its model set to the juror's; its
lines carry ``juror``, and resuming asks only for the (id, repeat, juror) triples with no final
verdict on disk. The cache key covers the model, so each juror has its own cache entries. One
``--max-cost`` covers the whole jury: each juror gets what the jurors before it left; a juror
left nothing gets ``failed`` lines ("max cost reached", retried by the next run) and sends
nothing. The verdicts are combined when the run is scored (:mod:`harness.scoring.jury`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.judging.settings import JudgeSettings

JudgeAs = Callable[[str, set[tuple[Any, ...]], "JudgeSettings", str | None], tuple[int, dict[str, Any]]]
EstimateAs = Callable[[set[tuple[Any, ...]], "JudgeSettings"], float | None]
MAX_COST_REASON = "max cost reached (the jurors before this one spent the limit)"


def juror_done(final: set[tuple[Any, ...]], juror: str) -> set[tuple[Any, ...]]:
    """The (id, repeat) pairs ``juror`` has a final verdict for."""
    return {key[:2] for key in final if len(key) == 3 and key[2] == juror}


def _spent(stats: dict[str, Any]) -> float:
    known = stats.get("cost_known_part")
    return float(known) if isinstance(known, (int, float)) else 0.0


def combined_stats(per_juror: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The jury's stats: each juror's, and the totals ``run.json`` and the cost line read."""
    costs = [s.get("cost") for s in per_juror.values() if s]
    models: Counter[str] = Counter()
    for stats in per_juror.values():
        models.update(stats.get("answering_models") or {})
    return {
        "jurors": per_juror,
        "completed": sum(int(s.get("completed") or 0) for s in per_juror.values()),
        "cost": sum(costs) if costs and all(isinstance(c, (int, float)) for c in costs) else None,
        "cost_known_part": round(sum(_spent(s) for s in per_juror.values()), 8),
        "answering_models": dict(models),
    }


def log_estimate(
    settings: JudgeSettings,
    jurors: list[str],
    final: set[tuple[Any, ...]],
    estimate_as: EstimateAs,
    log: Callable[[str], None],
) -> None:
    """Before any juror is asked: what the whole jury's missing verdicts should cost, against the limit."""
    costs = {
        juror: estimate_as(juror_done(final, juror), replace(settings, model=juror, max_cost=None))
        for juror in jurors
    }
    unknown = sorted(j for j, c in costs.items() if c is None)
    total = sum(c for c in costs.values() if c is not None)
    limit = f" (limit ${settings.max_cost:.2f} for the whole jury)" if settings.max_cost else ""
    if unknown:
        log(f"judging: the jury's cost cannot be estimated (no price for {', '.join(unknown)}){limit}")
    elif total:
        log(f"judging: the jury's estimated cost ${total:.4f}, every juror counted{limit}")


def jury_stage(
    settings: JudgeSettings,
    jurors: list[str],
    final: set[tuple[Any, ...]],
    judge_as: JudgeAs,
    log: Callable[[str], None],
    estimate_as: EstimateAs | None = None,
) -> tuple[int, dict[str, Any]]:
    """Judge with every juror in turn; the verdicts written, and the jury's stats."""
    log(f"judging with a jury of {len(jurors)}: {', '.join(jurors)}")
    if estimate_as is not None:
        log_estimate(settings, jurors, final, estimate_as, log)
    judged, per_juror, spent = 0, {}, 0.0
    for juror in jurors:
        left = None if settings.max_cost is None else settings.max_cost - spent
        stop = MAX_COST_REASON if left is not None and left <= 0 else None
        own = replace(settings, model=juror, max_cost=left if stop is None else None)
        count, stats = judge_as(juror, juror_done(final, juror), own, stop)
        judged += count
        per_juror[juror] = stats
        spent += _spent(stats)
    stats = combined_stats(per_juror)
    if stats["completed"]:
        from harness.api.cost import UNKNOWN

        cost = stats["cost"]
        log(f"judging: jury cost {f'${cost:.4f}' if isinstance(cost, (int, float)) else UNKNOWN}")
    return judged, stats
