"""`harness run`: generate answers, judge them, score them, report them -- resumably.

Both stages write one JSON line per finished sample as soon as it is finished (see
:mod:`harness.runs.records`), so a run killed at any moment loses at most the samples in flight.
Started again, a stage skips what is on disk: generation skips sample ids that have an answer,
judging skips (id, repeat) pairs that have a final verdict (``scored`` or ``unscored``); ``failed``
judgments are retried. At the end the judgments file holds exactly one record per (id, repeat).

Under ``torchrun`` / ``accelerate launch`` every rank generates its share of the samples and only
rank 0 writes the run directory, judges and reports (:mod:`harness.runs.ranks`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.component_settings import ComponentSettings
from harness.data.adhoc import AdhocDataset, adhoc_categories, canonical_fields, is_dataset_file, parse_fields
from harness.errors import HarnessError, UsageError
from harness.generation.decoding import apply_decoding, check_temperatures, describe_decoding, prescribed
from harness.generation.lengths import LengthChoice, apply_length, check_lengths, choose_length
from harness.io import write_jsonl_atomic
from harness.manager import PluginManager, get_manager
from harness.paper.table5 import published_row
from harness.protocols import EvalSample, Generation, JudgeItem, Judgment
from harness.registry import ComponentRegistry
from harness.report import write_report
from harness.runs.batch_record import BatchRecordStore
from harness.runs.config import RunConfig
from harness.runs.interrupts import sigterm_as_interrupt
from harness.runs.judge_drift import change_lines, drift_record
from harness.runs.judge_stats import stored_stats
from harness.runs.judgment_lines import JudgmentLines, is_better, judgment_key, read_judgment_lines
from harness.runs.judgments_name import check_judgments_file
from harness.runs.jury import jury_stage
from harness.runs.layout import GENERATIONS, JUDGMENTS, RUN_FILE, default_judgments_file, report_file_names
from harness.runs.lock import run_dir_lock
from harness.runs.preflight import check_context, check_judge, check_model
from harness.runs.ranks import Ranks, current
from harness.runs.records import JsonlAppender, read_record_dicts
from harness.runs.rundir import (
    RunClaim,
    add_run_files,
    check_run_name,
    read_run,
    write_run_meta,
)
from harness.runs.sample_records import sample_fields, sample_from_record
from harness.runs.turns import (
    generate_by_turn,
    is_multi_turn,
    samples_from_records,
    turn_items,
)
from harness.sample_turns import TURN_SEPARATOR
from harness.scales import ScoreScale, check_judgment, resolve_scale
from harness.scoring.records import Scores
from harness.terminal import make_console

if TYPE_CHECKING:
    from harness.judging.settings import JudgeSettings

FINAL_STATUSES = ("scored", "unscored")


@dataclass
class RunResult:
    run_dir: Path
    resumed: bool
    status: str
    n_samples: int
    generated_now: int = 0
    judged_now: int = 0
    failed: int = 0
    scores: Scores | None = None
    judge_stats: dict[str, Any] = field(default_factory=dict)


def select_samples(
    samples: Sequence[EvalSample], config: RunConfig, known_categories: Sequence[str]
) -> list[EvalSample]:
    chosen = list(samples)
    if config.categories:
        unknown = sorted(set(config.categories) - set(known_categories))
        if unknown:
            raise UsageError(
                f"unknown categories: {', '.join(unknown)}",
                hint=f"Categories: {', '.join(sorted(known_categories))}",
            )
        wanted = set(config.categories)
        chosen = [s for s in chosen if s.category in wanted]
    if config.limit is not None:
        chosen = chosen[: config.limit]
    if not chosen:
        raise UsageError("no samples selected (check --categories and --limit)")
    return chosen


def check_api_base(config: RunConfig, where: str) -> None:
    """A judge API base read back from a run's files has its credentials replaced by ``***``
    (they are never written): it must be given again rather than sent as it is."""
    from harness.api.secrets import is_redacted_url

    if is_redacted_url(config.judge_api_base):
        raise UsageError(
            f"the judge API base in {where} ({config.judge_api_base}) was stored without its credentials",
            hint="give it again with --judge-api-base",
        )


def judge_settings(config: RunConfig, judge: JudgeSettings) -> ComponentSettings:
    """What a run's judge is built with: its JudgeSettings and the run's data folder (for a judge
    whose prompts ship with its dataset's files; a judge declares that it takes it)."""
    return ComponentSettings(judge=judge, data_dir=config.data_dir)


def preflight(config: RunConfig, registry: ComponentRegistry, log: Callable[[str], None], model: Any) -> None:
    """Before any work: the judge works and ``model``'s files load (:mod:`harness.runs.preflight`)."""
    from harness.judging.settings import jury_models

    settings = config.judge_settings()
    for juror in jury_models(config.judge_model) or (None,):  # every juror of a jury answers
        own = settings if juror is None else replace(settings, model=juror)
        judge = registry.create("judge", config.judge, judge_settings(config, own))
        check_judge(judge, config.judge if juror is None else f"{config.judge} ({juror})", log)
    check_model(model, log)


def _progress(enabled: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=False,
        console=make_console(),
    )


def generation_record(sample: EvalSample, generation: Generation) -> dict[str, Any]:
    record = {
        "id": sample.id,
        "category": sample.category,
        "question": sample.question,
        "reference": sample.reference,
        **sample_fields(sample),
    }
    record.update({k: v for k, v in generation.to_dict().items() if k != "id"})
    return record


def create_model(config: RunConfig, registry: ComponentRegistry) -> Any:
    """The run's model component (cheap: weights load in the generator). ``--prompt-template`` and
    ``--system-prompt`` are strict: a model that cannot take them says so (exit 2)."""
    strict: dict[str, Any] = {
        "path": config.model_path,
        "tokenizer": config.tokenizer,
        "prompt_template": config.prompt_template,
        "system_prompt": config.system_prompt,
    }
    settings = ComponentSettings(
        **strict,
        dtype=config.dtype,
        device_map=config.device_map,
        explicit=frozenset(k for k, v in strict.items() if v is not None),
    )
    return registry.create("model", config.model, settings)


def prompt_record(model: Any, samples: Sequence[EvalSample]) -> dict[str, Any] | None:
    """What run.json records of the prompt actually sent: template name, kind, origin, source,
    sha256, system prompt and the first sample rendered (``None`` for a model that cannot say).
    Resolving it here, before the run directory is chosen, also turns a template problem (a bad
    .jinja file, a system prompt the template cannot carry) into exit 2 before anything is written."""
    described = model.describe_prompt(samples[0].question) if samples else None
    return None if described is None else {**described, "example_id": samples[0].id}


def length_choice(config: RunConfig, samples: Sequence[EvalSample]) -> LengthChoice:
    """The answer length that applies and where it came from (:mod:`harness.generation.lengths`)."""
    return choose_length(
        samples, explicit=config.explicit_length, configured=config.max_new_tokens, dataset=config.dataset
    )


def stop_strings(model: Any) -> list[str]:
    """The strings an answer ends at (the model's template's), as run.json records them."""
    return list(model.stop_strings())


def resume_record(
    prompt: dict[str, Any] | None, samples: Sequence[EvalSample], config: RunConfig, length: LengthChoice
) -> dict[str, Any] | None:
    """The prompt record plus what else a resume must decode alike (rundir.prompt_change): the
    dataset's temperatures, and a dataset's answer length (the user's own is in the fingerprint)."""
    if prescribed(samples):
        decoding = describe_decoding(
            samples, one_decoding=config.one_decoding, greedy=config.greedy, temperature=config.temperature
        )
        prompt = {**(prompt or {}), "decoding": decoding}
    if length.from_dataset:
        prompt = {**(prompt or {}), "max_new_tokens": length.record(samples)}
    return prompt


def truncated_count(generations: dict[str, dict[str, Any]]) -> int:
    """How many answers were generated from a truncated prompt (``meta.truncated``; every turn counts)."""

    def cut(record: dict[str, Any]) -> int:
        turns = record.get("turns")
        if isinstance(turns, list):
            return sum(cut(t) for t in turns if isinstance(t, dict))
        meta = record.get("meta")
        return int(isinstance(meta, dict) and bool(meta.get("truncated")))

    return sum(cut(r) for r in generations.values())


def _create_generator(
    config: RunConfig,
    registry: ComponentRegistry,
    model: Any,
    log: Callable[[str], None],
    length: LengthChoice,
) -> tuple[str, Any]:
    generator_name = config.generator or model.default_generator or "hf"
    if config.truncate_prompts and not registry.takes("generator", generator_name, "truncate_prompts"):
        raise UsageError(
            f"generator {generator_name!r} cannot truncate prompts (--truncate-prompts)",
            hint="Use the hf or vllm generator, or shorten the questions.",
        )
    settings = ComponentSettings(
        batch_size=config.batch_size,
        max_new_tokens=length.value or config.max_new_tokens,
        temperature=config.temperature,
        greedy=config.greedy,
        seed=config.seed,
        truncate_prompts=config.truncate_prompts,
        progress=False,
        log=log,
    )
    return generator_name, registry.create("generator", generator_name, settings)


def _as_generated(
    todo: list[EvalSample], config: RunConfig, length: LengthChoice, generator: Any, name: str
) -> list[EvalSample]:
    """The samples as the generator gets them: their temperatures and lengths as decided for the run."""
    todo = apply_decoding(todo, one_decoding=config.one_decoding, generator=generator, generator_name=name)
    return apply_length(todo, length, generator=generator, generator_name=name)


def generate_stage(
    config: RunConfig,
    registry: ComponentRegistry,
    samples: Sequence[EvalSample],
    run_dir: Path,
    log: Callable[[str], None],
    ranks: Ranks | None = None,
    model: Any = None,
) -> tuple[dict[str, dict[str, Any]], int]:
    """Generate the samples that have no answer on disk; on several ranks, rank 0 alone writes."""
    ranks = ranks or Ranks()
    path = run_dir / GENERATIONS
    length = length_choice(config, samples)
    if is_multi_turn(samples):  # answered, stored and resumed turn by turn (harness.runs.turns)

        def make_generator() -> tuple[Any, Any, str]:
            built = model if model is not None else create_model(config, registry)
            name, generator = _create_generator(config, registry, built, log, length)
            return built, generator, name

        def decoding(todo: list[EvalSample], generator: Any, name: str) -> list[EvalSample]:
            return _as_generated(todo, config, length, generator, name)

        with _progress(config.progress and ranks.is_main) as progress:
            return generate_by_turn(
                samples,
                path,
                ranks=ranks,
                log=log,
                make_generator=make_generator,
                progress=progress,
                record_for=generation_record,
                appender=JsonlAppender,
                decoding=decoding,
            )
    by_id = {s.id: s for s in samples}
    done = (
        {r["id"]: r for r in read_record_dicts(path) if isinstance(r.get("id"), str) and r["id"] in by_id}
        if ranks.is_main
        else {}
    )
    # Every rank must batch the very same list: rank 0's reading of the file decides.
    todo_ids = ranks.broadcast([s.id for s in samples if s.id not in done] if ranks.is_main else None)
    todo = [by_id[i] for i in todo_ids]
    if not todo:
        log(f"generation: all {len(samples)} answers already on disk")
        return done, 0
    if ranks.is_main:
        spread = f", over {ranks.world} processes" if ranks.distributed else ""
        log(f"generation: {len(todo)} to do, {len(done)} already on disk{spread}")
    model = model if model is not None else create_model(config, registry)
    generator_name, generator = _create_generator(config, registry, model, log, length)
    todo = _as_generated(todo, config, length, generator, generator_name)
    if ranks.distributed and not generator.data_parallel:
        if not ranks.is_main:
            log(f"generation: rank {ranks.rank}: generator {generator_name!r} runs on rank 0 only")
            return done, 0
        log(f"generation: generator {generator_name!r} does not shard; rank 0 generates every sample")
    made = 0
    writer = JsonlAppender(path) if ranks.is_main else contextlib.nullcontext()
    with writer as out, _progress(config.progress and ranks.is_main) as progress:
        task = progress.add_task("generating", total=len(todo))

        def on_result(generation: Generation) -> None:
            nonlocal made
            _check_result(generation, Generation, registry, "generator", generator_name)
            sample = by_id.get(generation.id)
            if sample is None or generation.id in done:
                return  # not ours, or a duplicate delivery: never write a sample twice
            record = generation_record(sample, generation)
            assert out is not None  # results come to rank 0 only, which holds the writer
            out.append(record)
            done[generation.id] = record
            made += 1
            progress.advance(task)

        try:
            generator.generate(model, todo, on_result=on_result)
        finally:
            generator.close()
    if not ranks.is_main:
        return done, 0  # this rank's answers went to rank 0, which wrote them
    missing = [s.id for s in todo if s.id not in done]
    if missing:
        raise HarnessError(
            f"the generator returned no answer for {len(missing)} samples (e.g. {missing[0]}); "
            "run the same command again to retry them"
        )
    return done, made


def _check_result(result: Any, expected: type, registry: ComponentRegistry, kind: str, name: str) -> None:
    """A component must hand ``on_result`` the protocol's record; anything else (a dict, say) is the
    plugin's bug, reported as such instead of a traceback deep in the record writer."""
    if not isinstance(result, expected):
        raise UsageError(
            f"{kind} {name!r} (plugin {registry.plugin_of(kind, name)!r}) passed a {type(result).__name__} to "
            f"on_result; it must pass {expected.__module__}.{expected.__name__} objects",
            hint=f"Fix the plugin, or choose another --{kind}.",
        )


def compact_judgments(path: Path, log: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Keep one record per (id, repeat), the one every reader counts (:mod:`harness.runs.judgment_lines`):
    the final verdict if there is one, else the latest failure. Differing verdicts for one pair are
    said (``log``) before the others are dropped; a line that is no judgment is exit 2."""
    lines = read_judgment_lines(path) if path.exists() else JudgmentLines(path=path)
    if log is not None and lines.conflict_note():
        log(f"judging: {lines.conflict_note()}; the others are dropped")
    records = lines.records
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for record in records:
        key = judgment_key(record)
        if is_better(record, best.get(key)):
            best[key] = record
    if len(best) != len(records):
        write_jsonl_atomic(path, list(best.values()))
    return list(best.values())


def _judge_scale(registry: ComponentRegistry, name: str, judge: Any) -> ScoreScale:
    """The scale the judge declared (its own ``scale``, else its spec's); ``harness run`` judges pointwise."""
    spec = registry.lookup("judge", name)[0].spec
    try:
        scale = resolve_scale(judge, getattr(spec, "score_scale", None))
    except ValueError as exc:
        raise UsageError(str(exc), hint="A judge's scale is (low, high) with finite low < high.") from None
    if scale.kind != "pointwise":
        raise UsageError(
            f"judge {name!r} is {scale.kind}; harness run and harness judge need a pointwise judge"
        )
    return scale


def judge_stage(
    config: RunConfig,
    registry: ComponentRegistry,
    samples: Sequence[EvalSample],
    generations: dict[str, dict[str, Any]],
    run_dir: Path,
    judgments_file: str,
    log: Callable[[str], None],
    judge_name: str | None = None,
) -> tuple[int, dict[str, Any]]:
    from harness.judging.settings import jury_models

    path = run_dir / judgments_file
    final = {judgment_key(r) for r in compact_judgments(path, log) if r.get("status") in FINAL_STATUSES}
    jurors = jury_models(config.judge_model)
    if jurors:

        def judge_as(
            juror: str, done: set[tuple[Any, ...]], settings: JudgeSettings, stop: str | None
        ) -> tuple[int, dict[str, Any]]:
            return _judge_with(
                config, registry, samples, generations, path, log, judge_name, done, settings, juror, stop
            )

        def estimate_as(done: set[tuple[Any, ...]], settings: JudgeSettings) -> float | None:
            return _estimate(config, registry, samples, generations, judge_name, done, settings)

        return jury_stage(config.judge_settings(), jurors, final, judge_as, log, estimate_as)
    return _judge_with(
        config, registry, samples, generations, path, log, judge_name, final, config.judge_settings()
    )


def _judge_items(
    config: RunConfig,
    registry: ComponentRegistry,
    samples: Sequence[EvalSample],
    generations: dict[str, dict[str, Any]],
    final: set[tuple[Any, ...]],
) -> tuple[list[JudgeItem], dict[str, int]]:
    """The items to judge (the (id, repeat) pairs not in ``final``), and the turn of each judged id
    of a multi-turn sample."""
    categories = run_categories(config, registry, samples)
    items: list[JudgeItem] = []
    turn_of: dict[str, int] = {}  # judged id -> turn, for the turns of multi-turn samples
    for sample in samples:
        category = categories.get(sample.category)
        if category is None:
            raise UsageError(
                f"sample {sample.id} has category {sample.category!r}, which no plugin registers"
            )
        if "turns" in generations[sample.id]:  # a conversation: one item per turn (harness.runs.turns)
            for item, turn in turn_items(
                sample,
                generations[sample.id],
                category_prompt=category.prompt,
                gold_shown=category.gold_shown,
                repeats=config.judge_repeats,
                final=final,
            ):
                items.append(item)
                turn_of[item.sample.id] = turn
            continue
        for repeat in range(config.judge_repeats):
            if (sample.id, repeat) not in final:
                items.append(
                    JudgeItem(
                        sample=sample,
                        answer=generations[sample.id]["answer"],
                        category_prompt=category.prompt,
                        gold_shown=category.gold_shown,
                        repeat=repeat,
                    )
                )
    return items, turn_of


def _estimate(
    config: RunConfig,
    registry: ComponentRegistry,
    samples: Sequence[EvalSample],
    generations: dict[str, dict[str, Any]],
    judge_name: str | None,
    final: set[tuple[Any, ...]],
    settings: JudgeSettings,
) -> float | None:
    """What judging the pairs not in ``final`` would cost with ``settings`` (``None``: unknown)."""
    items, _ = _judge_items(config, registry, samples, generations, final)
    if not items:
        return 0.0
    judge = registry.create("judge", judge_name or config.judge, judge_settings(config, settings))
    return judge.estimate_cost(items)


def _judge_with(
    config: RunConfig,
    registry: ComponentRegistry,
    samples: Sequence[EvalSample],
    generations: dict[str, dict[str, Any]],
    path: Path,
    log: Callable[[str], None],
    judge_name: str | None,
    final: set[tuple[Any, ...]],
    settings: JudgeSettings,
    juror: str | None = None,
    stop: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """Judge every (id, repeat) not in ``final`` with one judge (one ``juror`` of a jury, whose
    lines say so), appending each verdict to ``path`` as it comes; with ``stop`` (a jury's budget
    spent) nothing is sent and each is ``failed`` with that reason, to be retried by the next run."""
    items, turn_of = _judge_items(config, registry, samples, generations, final)
    by = f" ({juror})" if juror else ""
    if not items:
        log(f"judging{by}: every answer already has a verdict")
        return 0, {}
    log(f"judging{by}: {len(items)} to do, {len(final)} already on disk")
    judge = registry.create("judge", judge_name or config.judge, judge_settings(config, settings))
    scale = _judge_scale(registry, judge_name or config.judge, judge)
    cost = judge.estimate_cost(items)
    if cost:  # None: unknown price; 0: an offline judge
        # at the configured model's price: a server may answer as another model (priced as that one)
        priced_as = judge.judge_model()
        log(
            f"judging{by}: estimated cost ${cost:.4f}"
            + (f" at {priced_as}'s price" if priced_as else "")
            + (f" (limit ${settings.max_cost:.2f})" if settings.max_cost else "")
        )
    judged = 0
    expected = {(i.sample.id, i.repeat) for i in items}
    with JsonlAppender(path) as out:

        def on_result(judgment: Judgment) -> None:
            nonlocal judged
            _check_result(judgment, Judgment, registry, "judge", judge_name or config.judge)
            key = (judgment.id, judgment.repeat)
            if key not in expected:
                return
            expected.discard(key)  # one record per item, even if a judge reports twice
            # the score boundary: every judge's score is checked here before it is written
            record = {**check_judgment(judgment, scale).to_dict(), "scale": scale.to_dict()}
            if judgment.id in turn_of:
                record.update(turn=turn_of[judgment.id], sample_id=judgment.id.rsplit(TURN_SEPARATOR, 1)[0])
            if juror is not None:
                record["juror"] = juror
            out.append(record)
            judged += 1

        if stop is not None:
            for item in items:
                on_result(
                    Judgment(
                        id=item.sample.id,
                        category=item.sample.category,
                        score=None,
                        status="failed",
                        raw="",
                        judge=judge_name or config.judge,
                        reason=stop,
                        repeat=item.repeat,
                        meta={"judge_model": settings.model},
                    )
                )
            return judged, {}

        store = BatchRecordStore(path.parent, path.name)
        # one OpenAI batch, its id kept in run.json (harness.judging.batch_judge); a recorded one is polled
        if config.judge_batch or store.load() is not None:
            from harness.judging.batch_judge import judge_batched

            judge_batched(
                judge, items, on_result=on_result, store=store, log=log, wait=config.judge_batch_wait
            )
        else:
            judge.judge(items, on_result=on_result)
    stats = stored_stats(judge, judge_name or config.judge, log)
    if stats.get("completed"):  # a judge that called an API: what it cost, priced as who answered
        from harness.api.cost import UNKNOWN, describe_spend

        log(f"judging{by}: cost {describe_spend(stats)}")
        if stats.get("cost") is None:
            stats["cost"] = UNKNOWN  # run.json says so in words: never read as free
    return judged, stats


def dataset_file(config: RunConfig) -> Any:
    """The :class:`~harness.data.adhoc.AdhocDataset` when ``--dataset`` names a file, else ``None``."""

    if is_dataset_file(config.dataset):
        return AdhocDataset(Path(config.dataset), fields=parse_fields(config.dataset_fields))
    if config.dataset_fields:
        raise UsageError(
            "--field maps the fields of a dataset file; --dataset names no file",
            hint="Give --dataset path/to/file.jsonl (or .json, .csv), or drop --field.",
        )
    return None


def with_dataset_file(config: RunConfig, source: Any) -> RunConfig:
    """The config that records the file's field mapping and the sha256 of its bytes (both in the
    fingerprint: a named run whose file has changed is refused, not resumed on other questions)."""
    return config.model_copy(
        update={"dataset_fields": canonical_fields(config.dataset_fields), "dataset_sha256": source.sha256}
    )


def run_categories(
    config: RunConfig, registry: ComponentRegistry, samples: Sequence[EvalSample]
) -> dict[str, Any]:
    """The registered categories, plus, for a dataset file, one of its own for every category of
    the file that no plugin registers (its own report column, outside Table 5)."""
    categories = dict(registry.categories())
    if is_dataset_file(config.dataset):
        categories.update(adhoc_categories(list(samples), categories))
    return categories


def load_samples(config: RunConfig, registry: ComponentRegistry, source: Any = None) -> list[EvalSample]:
    if source is not None:
        source.categories = registry.categories()
        samples = source.load()
        check_temperatures(samples, config.dataset)
        check_lengths(samples, config.dataset)
        return select_samples(samples, config, list(run_categories(config, registry, samples)))
    dataset = registry.create("dataset", config.dataset, ComponentSettings(data_dir=config.data_dir))
    samples = dataset.load()
    check_temperatures(samples, config.dataset)
    check_lengths(samples, config.dataset)
    return select_samples(samples, config, list(registry.categories()))


def run_eval(
    config: RunConfig, *, manager: PluginManager | None = None, log: Callable[[str], None] = print
) -> RunResult:
    """Run (or resume) the whole evaluation described by ``config``.

    The run directory is locked for the whole run (one writer per directory), and ``run.json``
    ends as ``failed`` (with the error) or ``interrupted`` (Ctrl-C, SIGTERM) when the run does.
    """
    from harness.judging.settings import jury_models

    check_run_name(config.name)  # before any work: a bad --name is a usage error, never a path
    if jury_models(config.judge_model) and config.judge_batch:  # and a bad jury (a,,b or a,a)
        raise UsageError(
            "--judge-batch sends one judge model's requests: give one --judge-model, not a jury",
            hint="judge with the jury without --judge-batch, or one juror at a time",
        )
    source = dataset_file(config)
    if source is not None:
        config = with_dataset_file(config, source)
    with RunClaim(config) as claim, sigterm_as_interrupt():
        return _run_eval(config, claim, manager=manager, log=log, source=source)


def _run_eval(
    config: RunConfig,
    claim: RunClaim,
    *,
    manager: PluginManager | None,
    log: Callable[[str], None],
    source: Any = None,
) -> RunResult:
    manager = manager or get_manager()
    registry = manager.registry
    # resolve every component name first: a typo fails before any work starts
    registry.get("model", config.model)
    registry.get("judge", config.judge)
    check_api_base(config, "the run's configuration")
    if config.generator:
        registry.get("generator", config.generator)
    if config.paper_row:
        published_row(config.paper_row, where="paper_row")

    ranks = current()
    samples = load_samples(config, registry, source)
    if source is not None:
        own = sorted(set(run_categories(config, registry, samples)) - set(registry.categories()))
        if own and ranks.is_main:
            log(
                f"dataset {config.dataset}: categories no plugin registers, reported as their own columns "
                f"(not Table 5): {', '.join(own)}"
            )
    model = None
    if ranks.is_main:
        try:
            model = create_model(config, registry)
            if config.preflight:  # seconds now, rather than a failure after generating
                preflight(config, registry, log, model)
            length = length_choice(config, samples)
            # refused before the run directory exists: a generator that cannot decode as the dataset asks
            generator_name, generator = _create_generator(config, registry, model, log, length)
            _as_generated(samples, config, length, generator, generator_name)
            context = check_context(
                model,
                apply_length(samples, length),
                length.value or config.max_new_tokens,
                config.truncate_prompts,
                log,
                length.source,
            )
            prompt = resume_record(prompt_record(model, samples), samples, config, length)
            run_dir, resumed = claim.open(prompt)  # only rank 0 claims, locks and writes the run directory
            plugins = [i.to_dict() for i in manager.plugins()]
            write_run_meta(
                run_dir,
                config,
                status="running",
                plugins=plugins,
                extra={
                    "n_samples": len(samples),
                    "world_size": ranks.world,
                    "decoding": describe_decoding(
                        samples,
                        one_decoding=config.one_decoding,
                        greedy=config.greedy,
                        temperature=config.temperature,
                    ),
                    "max_new_tokens": length.record(samples),
                    "prompt_context": context,
                    "stop_strings": stop_strings(model),
                    **({"prompt": prompt} if prompt else {}),
                    **({"dataset_file": source.record()} if source is not None else {}),
                },
            )
        except HarnessError as exc:
            ranks.broadcast(str(exc))  # the other ranks stop with rank 0's reason instead of waiting
            raise
        was = f", was {claim.previous_status}" if claim.previous_status else ""
        log(f"{'resuming' if resumed else 'starting'} run {run_dir} ({len(samples)} samples{was})")
    chosen = ranks.broadcast((str(run_dir), resumed) if ranks.is_main else None)
    if isinstance(chosen, str):
        raise HarnessError(f"rank 0 stopped: {chosen}")
    run_dir, resumed = Path(chosen[0]), chosen[1]
    result = RunResult(run_dir=run_dir, resumed=resumed, status="running", n_samples=len(samples))
    if not ranks.is_main:
        # Generate this rank's share; rank 0 writes it, judges and reports.
        _, result.generated_now = generate_stage(config, registry, samples, run_dir, log, ranks)
        result.status = "worker"
        return result
    try:
        generations, result.generated_now = generate_stage(
            config, registry, samples, run_dir, log, ranks, model
        )
        result.judged_now, result.judge_stats = judge_stage(
            config, registry, samples, generations, run_dir, JUDGMENTS, log
        )
    except KeyboardInterrupt:
        write_run_meta(run_dir, config, status="interrupted")
        raise
    write_run_meta(
        run_dir, config, status="running", extra={"truncated_prompts": truncated_count(generations)}
    )
    records = compact_judgments(run_dir / JUDGMENTS)
    result.failed = sum(r.get("status") == "failed" for r in records)
    result.status = "complete" if result.failed == 0 else "incomplete"

    result.scores = write_report(
        run_dir, judgments_file=JUDGMENTS, categories=run_categories(config, registry, samples)
    )
    drift = drift_record(records)
    if result.scores and result.scores.section("jury"):
        drift["jury"] = result.scores.section("jury")
    for line in change_lines(drift["judge_drift"]["changes"]):
        log(line)
    previous = read_run(run_dir).get("judge_stats_history", [])
    write_run_meta(
        run_dir,
        config,
        status=result.status,
        extra={
            **drift,
            "judge_stats": result.judge_stats,
            "judge_stats_history": [*previous, result.judge_stats] if result.judge_stats else previous,
            "n_failed": result.failed,
        },
    )
    return result


def rejudge(
    run_dir: Path,
    judge: str,
    *,
    settings: JudgeSettings | None = None,
    judgments_file: str | None = None,
    manager: PluginManager | None = None,
    log: Callable[[str], None] = print,
) -> tuple[Path, int]:
    """Judge a run's existing generations again with ``judge`` into a new judgments file.

    ``settings`` (from ``harness judge``'s options) override the judge settings the run recorded.

    Holds the run directory's lock while it works, like ``harness run``.
    """
    _check_judgments_file(Path(run_dir), judgments_file or default_judgments_file(judge), judge)
    with run_dir_lock(Path(run_dir), command="harness judge"), sigterm_as_interrupt():
        return _rejudge(
            run_dir, judge, settings=settings, judgments_file=judgments_file, manager=manager, log=log
        )


def _check_judgments_file(run_dir: Path, name: str, judge: str) -> None:
    """``--judgments-file`` names a judgments file of the run's own (:mod:`harness.runs.judgments_name`);
    a folder that is not a run is refused first, before anything is written there."""
    check_judgments_file(run_dir, name, meta=read_run(run_dir), judge=judge, writes=report_file_names(name))


def _rejudge(
    run_dir: Path,
    judge: str,
    *,
    settings: JudgeSettings | None,
    judgments_file: str | None,
    manager: PluginManager | None,
    log: Callable[[str], None],
) -> tuple[Path, int]:
    registry = (manager or get_manager()).registry
    registry.get("judge", judge)
    meta = read_run(run_dir)
    overrides = settings.run_config_items() if settings is not None else {}
    config = RunConfig.model_validate({**meta["config"], **overrides, "judge": judge})
    check_api_base(config, str(Path(run_dir) / RUN_FILE))
    records = read_record_dicts(Path(run_dir) / GENERATIONS)
    generations = {r["id"]: r for r in records}
    if not generations:
        raise UsageError(f"{run_dir} has no generations to judge")
    samples = [sample_from_record(r) for r in generations.values()]
    if any("turn" in r for r in records):  # a multi-turn run: one line per turn (harness.runs.turns)
        samples, generations = samples_from_records(records)
    name = judgments_file or default_judgments_file(judge)
    _check_judgments_file(Path(run_dir), name, judge)  # again, now that no one else can change the folder

    add_run_files(Path(run_dir), [name, *report_file_names(name)])  # ours, so --force may remove them
    judged, stats = judge_stage(
        config, registry, samples, generations, Path(run_dir), name, log, judge_name=judge
    )
    compact_judgments(Path(run_dir) / name)

    write_report(Path(run_dir), judgments_file=name, categories=run_categories(config, registry, samples))
    return Path(run_dir) / name, judged
