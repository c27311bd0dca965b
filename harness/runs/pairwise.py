"""``harness compare --judge <pairwise judge> runs/a runs/b``: judge two runs' answers against each other.

Reads both runs' ``generations.jsonl`` (single answers or per-turn conversations), builds both
orders of every sample (or turn) answered in both runs, lets the pairwise judge give its verdicts
and combines them (see :mod:`harness.judging.pairwise`), then measures the judge on this comparison
(position, order and length bias, self-preference: :mod:`harness.scoring.pairwise_bias`) and fits
the length-controlled win rate (:mod:`harness.scoring.length_controlled`). It writes nothing into the run
directories (``--verdicts FILE`` writes each pair's outcome to a file of the user's naming, for
``harness calibrate``); the judge's replies are cached (``$HARNESS_HOME``), so running it again costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.component_settings import ComponentSettings
from harness.errors import UsageError
from harness.manager import get_manager
from harness.protocols import EvalSample, PairVerdict
from harness.runs.judge_stats import stored_stats
from harness.runs.jury import combined_stats
from harness.runs.layout import GENERATIONS, JUDGMENTS
from harness.runs.pair_verdicts import pair_records, write_verdicts
from harness.runs.records import read_record_dicts
from harness.runs.sample_records import sample_from_record
from harness.runs.turns import samples_from_records


def run_conversations(run_dir: Path) -> tuple[list[EvalSample], dict[str, dict[str, Any]]]:
    """A run's samples and generation records by id (conversations for a multi-turn run)."""
    from harness.runs.rundir import read_run

    read_run(run_dir)  # a usage error when this is not a run directory
    records = read_record_dicts(Path(run_dir) / GENERATIONS)
    if not records:
        raise UsageError(f"{run_dir} has no generations to compare")
    if any("turn" in r for r in records):
        return samples_from_records(records)
    by_id = {str(r["id"]): r for r in records}
    samples = [sample_from_record(r) for r in by_id.values()]
    return samples, by_id


def compare_pairwise(
    run_a: Path,
    run_b: Path,
    judge_name: str,
    *,
    options: dict[str, Any] | None = None,
    manager: Any = None,
    log: Callable[[str], None] = print,
    n_resamples: int = 2000,
    seed: int = 0,
    aggregation: str | None = None,
    verdicts_path: Path | None = None,
) -> dict[str, Any]:
    """Win rate of run b over run a under ``judge_name`` (a pairwise judge), with counts per category.
    A ``model`` option naming several models (``a,b,c``) is a jury (:mod:`harness.scoring.pairwise_jury`);
    ``verdicts_path``: also write every pair's outcome there (:mod:`harness.runs.pair_verdicts`)."""
    from harness.judging.pairwise import combine, pair_items, win_rate
    from harness.judging.settings import jury_models
    from harness.scoring.pairwise_jury import pairwise_aggregation

    registry = (manager or get_manager()).registry
    spec = registry.get("judge", judge_name)
    if getattr(spec, "judge_kind", "pointwise") != "pairwise":
        raise UsageError(
            f"judge {judge_name!r} is {getattr(spec, 'judge_kind', 'pointwise')}; "
            "compare --judge needs a pairwise judge",
            hint="Compare pointwise scores with `harness compare runs/a runs/b` (no --judge).",
        )
    samples_a, conv_a = run_conversations(run_a)
    _, conv_b = run_conversations(run_b)
    items = pair_items(samples_a, conv_a, conv_b)
    if not items:
        raise UsageError(f"{run_a} and {run_b} have no sample answered in both")
    how = pairwise_aggregation(aggregation)
    jurors = jury_models((options or {}).get("model"))
    if jurors:
        return _compare_by_jury(
            registry,
            judge_name,
            options or {},
            jurors,
            how,
            items,
            (run_a, run_b),
            log=log,
            n_resamples=n_resamples,
            seed=seed,
            verdicts_path=verdicts_path,
        )
    judge = registry.create("judge", judge_name, pair_judge_settings(options or {}))
    log(f"pairwise judging: {len(items) // 2} pairs, both orders ({len(items)} verdicts)")
    verdicts: list[PairVerdict] = []
    judge.judge_pairs(items, on_result=verdicts.append)
    outcomes = combine(verdicts)
    categories = {item.sample.id: item.sample.category for item in items}
    result = win_rate(outcomes, categories=categories, n_resamples=n_resamples, seed=seed)
    stats = dict(judge.stats or {})
    models = judge_models(judge.judge_model(), stats, verdicts)
    trust = judge_trust(items, verdicts, outcomes, (run_a, run_b), models, n_resamples=n_resamples, seed=seed)
    _save_verdicts(verdicts_path, (run_a, run_b), judge_name, outcomes, verdicts, categories, models)
    return {
        "a": str(run_a),
        "b": str(run_b),
        "judge": judge_name,
        "n_pairs": len(items) // 2,
        **result,
        **trust,
        "stats": stored_stats(judge, judge_name, log),
    }


def _save_verdicts(
    path: Path | None,
    runs: tuple[Path, Path],
    judge_name: str,
    outcomes: dict[str, Any],
    verdicts: list[PairVerdict],
    categories: dict[str, str],
    models: list[str],
) -> None:
    """Every pair's final outcome into ``path`` (for ``harness calibrate``), when one is given."""
    if path is None:
        return

    write_verdicts(path, runs, judge_name, pair_records(outcomes, verdicts, categories, judge_name, models))


def pair_judge_settings(options: dict[str, Any], *, strict: bool = False) -> Any:
    """What ``compare --judge`` builds its judge with: the judge options as JudgeSettings (explicit
    with ``strict``: a judge that cannot take a model must not judge as every juror) and the data
    folder (for a judge whose prompts ship with its dataset's files)."""
    from harness.judging.settings import JudgeSettings

    judge = JudgeSettings.from_options(**{k: v for k, v in options.items() if k != "data_dir"})
    explicit = frozenset({"judge"}) if strict else frozenset()
    return ComponentSettings(judge=judge, data_dir=options.get("data_dir"), explicit=explicit)


def ask_jurors(
    registry: Any,
    judge_name: str,
    options: dict[str, Any],
    jurors: list[str],
    items: list[Any],
    log: Callable[[str], None],
) -> tuple[list[PairVerdict], dict[str, dict[str, Any]]]:
    """Every juror's verdicts on every item (its judge built with ``model`` = the juror, so each
    juror has its own cache entries), each verdict's ``meta.juror`` set, and each juror's stats."""
    from dataclasses import replace

    verdicts: list[PairVerdict] = []
    stats: dict[str, dict[str, Any]] = {}
    for juror in jurors:  # strict: a judge that cannot take a model must not judge as every juror
        judge = registry.create(
            "judge", judge_name, pair_judge_settings({**options, "model": juror}, strict=True)
        )
        judge.judge_pairs(
            items,
            on_result=lambda v, j=juror: verdicts.append(
                replace(v, meta={**(v.meta if isinstance(v.meta, dict) else {}), "juror": j})
            ),
        )
        stats[juror] = stored_stats(judge, f"{judge_name} ({juror})", log)
    return verdicts, stats


def _compare_by_jury(
    registry: Any,
    judge_name: str,
    options: dict[str, Any],
    jurors: list[str],
    how: str,
    items: list[Any],
    runs: tuple[Path, Path],
    *,
    log: Callable[[str], None],
    n_resamples: int,
    seed: int,
    verdicts_path: Path | None = None,
) -> dict[str, Any]:
    """``compare --judge`` with a jury: the win rate, CI and judge bias of the jury's majority outcomes
    (the outcomes ``verdicts_path``, when given, keeps)."""
    from harness.judging.pairwise import win_rate
    from harness.scoring.pairwise_jury import juror_rows, jury_agreement, jury_outcomes

    log(
        f"pairwise judging with a jury of {len(jurors)} ({', '.join(jurors)}): {len(items) // 2} pairs, "
        f"both orders ({len(items)} verdicts per juror)"
    )
    verdicts, per_juror_stats = ask_jurors(registry, judge_name, options, jurors, items, log)
    per_juror = juror_outcomes(verdicts)
    outcomes = jury_outcomes(per_juror)
    categories = {item.sample.id: item.sample.category for item in items}
    result = win_rate(outcomes, categories=categories, n_resamples=n_resamples, seed=seed)
    stats = combined_stats(per_juror_stats)
    if stats["completed"]:
        from harness.api.cost import UNKNOWN

        cost = stats["cost"]
        log(f"pairwise judging: jury cost {f'${cost:.4f}' if isinstance(cost, (int, float)) else UNKNOWN}")
    judges = sorted(set(jurors) | set(judge_models(None, stats, verdicts)))
    trust = judge_trust(
        items,
        verdicts,
        outcomes,
        runs,
        judges,
        n_resamples=n_resamples,
        seed=seed,
        flip_rows=juror_rows(per_juror),
    )
    jury = jury_agreement(per_juror, jurors, how)
    jury["no_majority"] = sum(bool(r["no_majority"]) for r in outcomes.values())
    _save_verdicts(verdicts_path, runs, judge_name, outcomes, verdicts, categories, judges)
    return {
        "a": str(runs[0]),
        "b": str(runs[1]),
        "judge": judge_name,
        "n_pairs": len(items) // 2,
        **result,
        **trust,
        "jury": jury,
        "stats": stats,
    }


def juror_outcomes(verdicts: list[PairVerdict]) -> dict[str, dict[str, dict[str, Any]]]:
    """Juror -> judged id -> its outcome row (both orders combined), from each verdict's ``meta.juror``."""
    from harness.judging.pairwise import combine

    by_juror: dict[str, list[PairVerdict]] = {}
    for verdict in verdicts:
        by_juror.setdefault(str(verdict.meta["juror"]), []).append(verdict)
    return {juror: combine(own) for juror, own in by_juror.items()}


def judge_models(asked: str | None, stats: dict[str, Any], verdicts: list[PairVerdict]) -> list[str]:
    """The model the judge asked for (its ``judge_model()``) and every model that answered it (the
    provider may re-point a name): from the client's counts and from each verdict's ``meta`` (which
    cached replies keep)."""
    answered = stats.get("answering_models") if isinstance(stats.get("answering_models"), dict) else {}
    recorded = {v.meta.get("answering_model") for v in verdicts if isinstance(v.meta, dict)}
    names = (
        ([asked] if asked else []) + list(answered or {}) + [m for m in recorded if isinstance(m, str) and m]
    )
    return sorted({str(m) for m in names if m != "?"})


def judge_trust(
    items: list[Any],
    verdicts: list[PairVerdict],
    outcomes: dict[str, dict[str, Any]],
    runs: tuple[Path, Path],
    judges: list[str],
    *,
    n_resamples: int,
    seed: int,
    flip_rows: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The judge's biases on this comparison, self-preference, and the length-controlled win rate."""
    from harness.scoring.family import self_preference
    from harness.scoring.length_controlled import difficulty_from_scores, length_controlled_win_rate
    from harness.scoring.pairwise_bias import answer_lengths, pairwise_bias

    bias = pairwise_bias(items, verdicts, outcomes, n_resamples=n_resamples, seed=seed, flip_rows=flip_rows)
    bias["self_preference"] = self_preference(judges, [run_model(r) for r in runs])
    lengths = answer_lengths(items)
    decided = sorted(k for k, row in outcomes.items() if row["outcome"] is not None and k in lengths)
    preference = [{"b": 1.0, "a": 0.0}.get(outcomes[k]["outcome"], 0.5) for k in decided]
    scored = [pointwise_scores(r) for r in runs]
    difficulty = difficulty_from_scores(decided, [s for s, _ in scored])
    lc = length_controlled_win_rate(
        preference,
        [lengths[k][1] - lengths[k][0] for k in decided],
        difficulty,
        n_resamples=n_resamples,
        seed=seed,
    )
    problems = "; ".join(p for _, p in scored if p) or "a run scored fewer than half of the compared items"
    lc["instruction_difficulty"] = (
        "from both runs' pointwise scores (judgments.jsonl)"
        if difficulty is not None
        else f"left out: {problems}"
    )
    return {"judge_bias": bias, "length_controlled": lc}


def run_model(run_dir: Path) -> str:
    from harness.runs.rundir import read_run_record

    return read_run_record(run_dir).model or ""


def pointwise_scores(run_dir: Path) -> tuple[dict[str, float], str | None]:
    """The run's pointwise scores by judged id (mean over repeats), for instruction difficulty, and
    why there are none (no judgments file, or an unreadable one: then the GLM goes without it)."""
    from harness.scoring.bias import scored_value

    path = Path(run_dir) / JUDGMENTS
    if not path.is_file():
        return {}, f"{path} is absent"
    try:
        records = read_record_dicts(path)
    except UsageError as exc:
        return {}, str(exc)
    by_id: dict[str, list[float]] = {}
    for record in records:
        value = scored_value(record, None)
        if value is not None:
            by_id.setdefault(str(record.get("id")), []).append(value)
    return {k: sum(v) / len(v) for k, v in by_id.items()}, None
