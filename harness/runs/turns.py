"""Multi-turn samples in ``harness run``: answered turn by turn, stored and resumed per turn, judged per turn.

Why turn by turn: in a multi-turn benchmark the second question refers to the model's *own* first
answer ("Rewrite your previous response..."), so turn k can only be asked once every sample's turn
k-1 is answered. Each turn is one call to the generator over every sample still needing it, so the
hf and vLLM generators batch across samples exactly as for single questions; the prompt for turn k
is the conversation so far (earlier user turns and the model's answers) rendered through the
model's own template (:mod:`harness.generation.turns`), and an API model receives it as real
messages.

On disk each turn is its own line of ``generations.jsonl`` with a ``"turn"`` (1-based) field, written
as soon as it is answered, so a run killed during turn 2 resumes with turn 1 kept. Judging is per
turn too: turn k of sample ``s`` is judged as the item ``s:turn<k>`` (see :func:`turn_id`) with the
answers to turns 1..k, and its judgment record carries ``"turn"`` and ``"sample_id"`` so reports
can show per-turn columns. Single-turn datasets never reach this module: their files are unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.protocols import EvalSample, Generation, JudgeItem
from harness.runs.records import read_record_dicts
from harness.runs.sample_records import sample_from_record
from harness.sample_turns import n_turns, turn_id, turn_reference, turn_text


def turn_sample(sample: EvalSample, turn: int, answers: Sequence[str]) -> EvalSample:
    """The sample the generator answers for ``turn``: that turn's question, after the conversation
    so far (``answers`` are the model's answers to turns 1..turn-1)."""
    if len(answers) != turn - 1:
        raise ValueError(f"turn {turn} of {sample.id} needs {turn - 1} earlier answers, got {len(answers)}")
    history: list[dict[str, str]] = []
    for number, answer in enumerate(answers, start=1):
        history += [
            {"role": "user", "content": turn_text(sample, number)},
            {"role": "assistant", "content": answer},
        ]
    return replace(
        sample,
        question=turn_text(sample, turn),
        reference=turn_reference(sample, turn),
        history=tuple(history),
    )


def is_multi_turn(samples: Sequence[EvalSample]) -> bool:
    return any(sample.multi_turn for sample in samples)


def read_turns(
    records: Sequence[Mapping[str, Any]], samples: Mapping[str, EvalSample]
) -> dict[str, dict[int, dict]]:
    """Per sample id, the turn records on disk (``{turn: record}``), ignoring unknown ids and turns."""
    found: dict[str, dict[int, dict]] = {}
    for record in records:
        sample = samples.get(record.get("id"))  # type: ignore[arg-type]
        turn = record.get("turn")
        if (
            sample is None
            or isinstance(turn, bool)
            or not isinstance(turn, int)
            or not 1 <= turn <= n_turns(sample)
        ):
            continue
        found.setdefault(sample.id, {})[turn] = dict(record)
    return found


def conversation_record(sample: EvalSample, turns: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """A sample's whole conversation as the judge stage reads it: the first turn's fields, the last
    answer as ``answer``, and every turn's record under ``turns``."""
    ordered = [dict(turns[k]) for k in range(1, n_turns(sample) + 1)]
    return {**ordered[0], "answer": ordered[-1]["answer"], "turns": ordered}


def generate_by_turn(
    samples: Sequence[EvalSample],
    path: Path,
    *,
    ranks: Any,
    log: Callable[[str], None],
    make_generator: Callable[[], tuple[Any, Any, str]],
    progress: Any,
    record_for: Callable[[EvalSample, Generation], dict[str, Any]],
    appender: Callable[[Path], Any],
    decoding: Callable[[list[EvalSample], Any, str], list[EvalSample]] | None = None,
) -> tuple[dict[str, dict[str, Any]], int]:
    """Generate every missing turn, one generator call per turn over all samples; see the module doc.

    ``make_generator()`` returns ``(model, generator, generator_name)`` and is called once, when
    there is work. ``decoding(todo, generator, name)`` gives each turn's samples as the generator
    gets them (:func:`harness.generation.decoding.apply_decoding`). Returns
    ``({sample id: conversation record}, turns generated now)``.
    """
    by_id = {s.id: s for s in samples}
    on_disk = read_turns(read_record_dicts(path), by_id) if ranks.is_main else {}
    built: tuple[Any, Any, str] | None = None
    solo = False  # several processes, but a generator that does not shard: rank 0 does every turn
    made = 0
    for turn in range(1, max(n_turns(s) for s in samples) + 1):
        todo: list[EvalSample] | None = None
        if ranks.is_main:
            todo = [
                turn_sample(s, turn, [on_disk[s.id][k]["answer"] for k in range(1, turn)])
                for s in samples
                if n_turns(s) >= turn and turn not in on_disk.get(s.id, {})
            ]
        if ranks.distributed and not solo:
            todo = ranks.broadcast(todo)
        if not todo:
            continue
        if ranks.is_main:
            have = sum(turn in on_disk.get(s.id, {}) for s in samples)
            log(f"generation: turn {turn}: {len(todo)} to do, {have} already on disk")
        if built is None:
            built = make_generator()
            name = built[2]
            if ranks.distributed and not built[1].data_parallel:
                if not ranks.is_main:
                    log(f"generation: rank {ranks.rank}: generator {name!r} runs on rank 0 only")
                    return {}, 0
                log(f"generation: generator {name!r} does not shard; rank 0 generates every turn")
                solo = True
        model, generator, _ = built
        if decoding is not None:
            todo = decoding(todo, generator, built[2])
        wanted = {s.id: s for s in todo}
        writer = appender(path) if ranks.is_main else contextlib.nullcontext()
        with writer as out:
            task = progress.add_task(f"generating turn {turn}", total=len(todo))

            def on_result(
                generation: Generation,
                turn: int = turn,
                wanted: dict = wanted,
                out: Any = out,
                task: Any = task,
            ) -> None:
                nonlocal made
                sample = wanted.get(generation.id)
                if sample is None or turn in on_disk.get(generation.id, {}):
                    return  # not ours, or a duplicate delivery: never write a turn twice
                record = record_for(sample, generation)
                record = {"id": record.pop("id"), "turn": turn, **record}
                out.append(record)
                on_disk.setdefault(generation.id, {})[turn] = record
                made += 1
                progress.advance(task)

            generator.generate(model, todo, on_result=on_result)
        if not ranks.is_main:
            continue
        missing = [s.id for s in todo if turn not in on_disk.get(s.id, {})]
        if missing:
            raise HarnessError(
                f"the generator returned no answer to turn {turn} for {len(missing)} samples "
                f"(e.g. {missing[0]}); run the same command again to retry them"
            )
    if built is not None:
        built[1].close()
    if not ranks.is_main:
        return {}, made
    if made == 0:
        log(f"generation: all {sum(n_turns(s) for s in samples)} turns already on disk")
    return {s.id: conversation_record(s, on_disk[s.id]) for s in samples}, made


def turn_items(
    sample: EvalSample,
    record: Mapping[str, Any],
    *,
    category_prompt: str,
    gold_shown: bool,
    repeats: int,
    final: set[tuple[str, int]],
) -> list[tuple[JudgeItem, int]]:
    """The judge items of a multi-turn sample: one per turn and repeat not already judged, each
    with its turn number. The item's sample is that turn's, under :func:`turn_id`."""
    items: list[tuple[JudgeItem, int]] = []
    answers = tuple(str(t["answer"]) for t in record["turns"])
    for turn in range(1, n_turns(sample) + 1):
        judged = replace(
            sample,
            id=turn_id(sample.id, turn),
            question=turn_text(sample, turn),
            reference=turn_reference(sample, turn),
            meta={**sample.meta, "sample_id": sample.id},
        )
        for repeat in range(repeats):
            if (judged.id, repeat) not in final:
                items.append(
                    (
                        JudgeItem(
                            sample=judged,
                            answer=answers[turn - 1],
                            category_prompt=category_prompt,
                            gold_shown=gold_shown,
                            repeat=repeat,
                            turn=turn,
                            answers=answers[:turn],
                        ),
                        turn,
                    )
                )
    return items


def samples_from_records(
    records: Sequence[Mapping[str, Any]],
) -> tuple[list[EvalSample], dict[str, dict[str, Any]]]:
    """A run's samples and conversation records rebuilt from its ``generations.jsonl`` turn records
    (for ``harness judge`` on a finished multi-turn run): turns, references and answers per turn.
    Samples with a missing turn are left out (they were never fully answered)."""
    grouped: dict[str, dict[int, dict[str, Any]]] = {}
    for record in records:
        turn = record.get("turn")
        if isinstance(turn, int) and not isinstance(turn, bool) and turn >= 1:
            grouped.setdefault(str(record["id"]), {})[turn] = dict(record)
    samples: list[EvalSample] = []
    conversations: dict[str, dict[str, Any]] = {}
    for sid, by_turn in grouped.items():
        count = max(by_turn)
        if sorted(by_turn) != list(range(1, count + 1)):
            continue
        ordered = [by_turn[k] for k in range(1, count + 1)]
        references = tuple(str(r.get("reference") or "") for r in ordered)
        sample = sample_from_record(
            ordered[0],
            id=sid,
            reference=references[0],
            turns=tuple(str(r["question"]) for r in ordered),
            references=references if any(references) else (),
        )
        samples.append(sample)
        conversations[sid] = conversation_record(sample, by_turn)
    return samples, conversations
