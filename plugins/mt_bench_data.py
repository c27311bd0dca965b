"""MT-Bench's files (``registry/sources/mt-bench.yaml``), read strictly: questions, GPT-4 reference
answers and FastChat's judge prompts.

An ordinary dataset plugin: the harness core knows nothing about MT-Bench. Each question becomes a
two-turn :class:`~harness.protocols.EvalSample` (``turns``), in the category ``mt-bench-<category>``
(namespaced, because BELLE already owns ``math``); the math, reasoning and coding questions carry
GPT-4's reference answer for each turn (``references``), as FastChat's judge reads them
(``fastchat/llm_judge/gen_judgment.py``: ``NEED_REF_CATS``, ``reference_answer/gpt-4.jsonl``).
Anything that does not fit -- a missing key, a category we do not know, a reference for a question
that does not exist -- is a :class:`~harness.errors.DataError` naming the file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.component_bases import EvalDatasetComponent
from harness.data.jsonl import read_jsonl_records
from harness.errors import DataError
from harness.protocols import EvalSample

SOURCE = "mt-bench"
QUESTIONS = "question.jsonl"
REFERENCES = "reference_answer_gpt-4.jsonl"
JUDGE_PROMPTS = "judge_prompts.jsonl"
CATEGORIES = ("writing", "roleplay", "reasoning", "math", "coding", "extraction", "stem", "humanities")
# fastchat/llm_judge/common.py NEED_REF_CATS (its fourth, arena-hard-200, is not an MT-Bench category)
NEED_REF_CATS = ("math", "reasoning", "coding")
CATEGORY_PREFIX = "mt-bench-"
# fastchat/llm_judge/common.py temperature_config: the temperature each category's answers are
# sampled at (gen_model_answer.py; 0 is greedy there). Every MT-Bench category is listed.
TEMPERATURES = {
    "writing": 0.7,
    "roleplay": 0.7,
    "extraction": 0.0,
    "math": 0.0,
    "coding": 0.0,
    "reasoning": 0.0,
    "stem": 0.1,
    "humanities": 0.1,
}

# fastchat/llm_judge/gen_model_answer.py: --max-new-token defaults to 1024 ("The maximum number of
# new generated tokens"), per turn. The user's own --max-new-tokens still wins.
MAX_NEW_TOKENS = 1024


def category_id(category: str) -> str:
    return CATEGORY_PREFIX + category


def source_directory(data_dir: Path | str | None = None, mirror: str | None = None) -> Path:
    """The verified files: local copies under ``data_dir`` (or ``$HARNESS_DATA_DIR``), else the cache."""
    from harness.data.fetch import fetch_source

    return fetch_source(
        SOURCE, data_dir=Path(data_dir) if data_dir is not None else None, mirror=mirror, progress=False
    )


def _turns(record: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    turns = record.get(key)
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
        raise DataError(f"{where}: {key!r} must be a non-empty list of strings")
    return tuple(turns)


def load_references(path: Path) -> dict[int, tuple[str, ...]]:
    """``reference_answer/gpt-4.jsonl``: question id -> GPT-4's answer to each turn (choice 0)."""
    found: dict[int, tuple[str, ...]] = {}
    for line_no, record in read_jsonl_records(path):
        where = f"{path} line {line_no}"
        choices = record.get("choices")
        if not isinstance(record.get("question_id"), int) or not isinstance(choices, list) or not choices:
            raise DataError(f"{where}: needs an integer 'question_id' and a non-empty 'choices' list")
        found[record["question_id"]] = _turns(choices[0], "turns", where)
    return found


def load_judge_prompts(path: Path) -> dict[str, dict[str, Any]]:
    """``judge_prompts.jsonl``: name -> record, as FastChat's ``load_judge_prompts`` returns it."""
    prompts: dict[str, dict[str, Any]] = {}
    for line_no, record in read_jsonl_records(path):
        where = f"{path} line {line_no}"
        for key in ("name", "type", "system_prompt", "prompt_template", "output_format"):
            if not isinstance(record.get(key), str):
                raise DataError(f"{where}: judge prompt needs a string {key!r}")
        prompts[record["name"]] = record
    return prompts


def load_mt_bench(directory: Path) -> list[EvalSample]:
    questions_path, references_path = directory / QUESTIONS, directory / REFERENCES
    references = load_references(references_path)
    samples: list[EvalSample] = []
    seen: set[int] = set()
    for line_no, record in read_jsonl_records(questions_path):
        where = f"{questions_path} line {line_no}"
        qid, category = record.get("question_id"), record.get("category")
        if not isinstance(qid, int) or qid in seen:
            raise DataError(f"{where}: 'question_id' must be an integer used once, got {qid!r}")
        if category not in CATEGORIES:
            raise DataError(
                f"{where}: unknown category {category!r}", hint=f"MT-Bench's: {', '.join(CATEGORIES)}"
            )
        seen.add(qid)
        turns = _turns(record, "turns", where)
        refs: tuple[str, ...] = ()
        if category in NEED_REF_CATS:
            if qid not in references:
                raise DataError(
                    f"{where}: {category} question {qid} has no reference answer in {references_path}"
                )
            refs = references[qid]
            if len(refs) != len(turns):
                raise DataError(
                    f"{references_path}: question {qid} has {len(refs)} reference turns for "
                    f"{len(turns)} question turns"
                )
        samples.append(
            EvalSample(
                id=f"{SOURCE}-{qid}",
                question=turns[0],
                category=category_id(category),
                reference=refs[0] if refs else "",
                turns=turns,
                references=refs,
                meta={"question_id": qid, "mt_bench_category": category},
                temperature=TEMPERATURES[category],
                max_new_tokens=MAX_NEW_TOKENS,
            )
        )
    stray = sorted(set(references) - seen)
    if stray:
        raise DataError(f"{references_path}: reference answers for unknown questions {stray[:5]}")
    if not samples:
        raise DataError(f"{questions_path}: no questions")
    return samples


class MTBenchDataset(EvalDatasetComponent):
    """The ``mt-bench`` dataset: 80 two-turn questions, fetched and verified on first use."""

    name = SOURCE

    def __init__(self, data_dir: Path | str | None = None, mirror: str | None = None) -> None:
        self.data_dir = data_dir
        self.mirror = mirror

    def load(self) -> list[EvalSample]:
        return load_mt_bench(source_directory(self.data_dir, self.mirror))
