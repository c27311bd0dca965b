"""BELLE's eval set (``eval_set.json``) and judge prompts (``eval_prompt.json``), loaded strictly.

The real files disagree with each other (see ``shared/data/MANIFEST.md`` section 1): the eval set
says ``open qa`` where the prompts say ``open QA``, both spell ``closed qa`` with a NO-BREAK SPACE,
the prompts carry a ``translation`` class that no sample uses, and generation, brainstorming and
most rewrite samples have an empty ``std_answer``. An exact string lookup silently loses 337 of
1,000 samples, so class names are normalised (NFKC, which maps U+00A0 to a space; casefold;
whitespace collapsed) and mapped to canonical category ids through each category's
``source_names``. Anything that still does not map is an error naming the file, the line and the
value -- a sample that cannot be graded must never disappear from the denominator.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.component_bases import EvalDatasetComponent
from harness.data.jsonl import read_jsonl_records
from harness.errors import DataError
from harness.manager import get_registry
from harness.protocols import EvalSample
from harness.specs import CategorySpec

EVAL_SET_FILE = "eval_set.json"
EVAL_PROMPT_FILE = "eval_prompt.json"
SOURCE_NAME = "belle-eval"


def normalise_class_name(name: str) -> str:
    """``'closed\\xa0QA'`` -> ``'closed qa'``: NFKC, casefold, whitespace runs to one space."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def class_index(categories: Mapping[str, CategorySpec]) -> dict[str, str]:
    """Normalised class name -> category id, from every category's id and ``source_names``.

    Two categories claiming the same normalised name is an error (the mapping would be a guess).
    """
    index: dict[str, str] = {}
    for spec in categories.values():
        for raw in (spec.name, *spec.source_names):
            key = normalise_class_name(raw)
            owner = index.setdefault(key, spec.name)
            if owner != spec.name:
                raise DataError(
                    f"class name {raw!r} (normalised {key!r}) is claimed by categories {owner!r} and {spec.name!r}"
                )
    return index


@dataclass
class BelleEval:
    """What the two files contain once mapped: samples, prompts by category id, and findings."""

    samples: list[EvalSample]
    prompts: dict[str, str]
    prompt_mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(Counter(sample.category for sample in self.samples))


def _map_class(raw: object, index: Mapping[str, str], where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise DataError(f"{where}: 'class' must be a non-empty string, got {raw!r}")
    key = normalise_class_name(raw)
    if key not in index:
        known = ", ".join(sorted(index))
        raise DataError(
            f"{where}: unknown class {raw!r} (normalised {key!r}) maps to no category",
            hint=f"Known class names (normalised): {known}. A new class needs a category YAML with it in source_names.",
        )
    return index[key]


def _string_field(record: dict, key: str, where: str, *, required: bool = True) -> str:
    if key not in record:
        if required:
            raise DataError(f"{where}: missing key {key!r} (keys: {', '.join(sorted(record))})")
        return ""
    value = record[key]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DataError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    return value


def load_prompts(path: Path, index: Mapping[str, str]) -> dict[str, str]:
    """``eval_prompt.json``: category id -> prompt. Unknown or repeated classes are errors."""
    prompts: dict[str, str] = {}
    for line_no, record in read_jsonl_records(path):
        where = f"{path} line {line_no}"
        category = _map_class(record.get("class"), index, where)
        prompt = _string_field(record, "prompt", where)
        if not prompt.strip():
            raise DataError(f"{where}: empty prompt for class {record.get('class')!r}")
        if category in prompts:
            raise DataError(
                f"{where}: a second prompt for category {category!r} (class {record.get('class')!r})"
            )
        prompts[category] = prompt
    return prompts


def load_belle_eval(
    directory: Path,
    categories: Mapping[str, CategorySpec],
    *,
    eval_set_file: str = EVAL_SET_FILE,
    eval_prompt_file: str = EVAL_PROMPT_FILE,
    id_prefix: str = SOURCE_NAME,
) -> BelleEval:
    """Load and cross-check both files from ``directory``.

    Sample ids are ``<id_prefix>-NNNN`` by line order (1-based, stable: the file is pinned by
    sha256). Every sample's class must map to a category that has a prompt in the prompt file.
    """
    directory = Path(directory)
    index = class_index(categories)
    prompts = load_prompts(directory / eval_prompt_file, index)
    set_path = directory / eval_set_file
    samples: list[EvalSample] = []
    seen_questions: dict[str, int] = {}
    for line_no, record in read_jsonl_records(set_path):
        where = f"{set_path} line {line_no}"
        raw_class = record.get("class")
        category = _map_class(raw_class, index, where)
        if category not in prompts:
            raise DataError(
                f"{where}: class {raw_class!r} (category {category!r}) has no judge prompt in {eval_prompt_file}"
            )
        question = _string_field(record, "question", where)
        if not question.strip():
            raise DataError(f"{where}: empty question")
        if question in seen_questions:
            raise DataError(f"{where}: duplicate question (first at line {seen_questions[question]})")
        seen_questions[question] = line_no
        samples.append(
            EvalSample(
                id=f"{id_prefix}-{len(samples) + 1:04d}",
                question=question,
                category=category,
                reference=_string_field(record, "std_answer", where, required=False),
                meta={"source_class": raw_class, "line": line_no},
            )
        )
    if not samples:
        raise DataError(f"{set_path}: no samples")
    result = BelleEval(samples=samples, prompts=prompts)
    used = {sample.category for sample in samples}
    for category in sorted(set(prompts) - used):
        result.notes.append(f"category {category!r} has a judge prompt in {eval_prompt_file} but no samples")
    for category, prompt in sorted(prompts.items()):
        spec = categories.get(category)
        if spec is not None and spec.prompt != prompt:
            result.prompt_mismatches.append(
                f"category {category!r}: the registry prompt differs from {eval_prompt_file} "
                f"(registry {spec.prompt[:40]!r}..., file {prompt[:40]!r}...)"
            )
    return result


class BelleEvalDataset(EvalDatasetComponent):
    """The ``belle-eval`` dataset: BELLE's 1,000 samples, fetched and verified on first use.

    ``data_dir`` (or ``$HARNESS_DATA_DIR``) uses local copies; ``mirror`` (or ``$HARNESS_MIRROR``)
    replaces the download URL's base. Categories come from the registry unless given. ``source``
    names the pinned source to read: another BELLE-format set (a translation, a newer revision)
    needs only a ``sources/*.yaml`` and a ``DatasetSpec`` with this factory, no code.
    """

    name = SOURCE_NAME

    def __init__(
        self,
        data_dir: Path | str | None = None,
        mirror: str | None = None,
        categories: Mapping[str, CategorySpec] | None = None,
        source: str = SOURCE_NAME,
    ) -> None:
        self.source = source
        self.name = source
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.mirror = mirror
        self._categories = categories
        self.info: BelleEval | None = None

    def categories(self) -> Mapping[str, CategorySpec]:
        if self._categories is None:
            self._categories = get_registry().categories()
        return self._categories

    def directory(self) -> Path:
        from harness.data.fetch import fetch_source

        return fetch_source(self.source, data_dir=self.data_dir, mirror=self.mirror, progress=False)

    def load(self) -> list[EvalSample]:
        import warnings

        self.info = load_belle_eval(self.directory(), self.categories(), id_prefix=self.source)
        for mismatch in self.info.prompt_mismatches:
            warnings.warn(f"{self.source}: {mismatch}", stacklevel=2)
        return self.info.samples
