"""The files of ``harness new dataset NAME``: an eval dataset read from a JSONL file in the package,
its category, a README and tests (one judges its questions against the ``judge_server`` fixture)."""

from __future__ import annotations

import json
import textwrap
from string import Template

from harness.scaffold.common_files import CATEGORY, HOOKS, PYPROJECT
from harness.scaffold.names import PackageNames

PROMPT = (
    "You are a teacher. Given a question, a reference answer and a student's answer, judge whether\n"
    "the student's answer is correct and give a score between 0 and 1, written as 'Score: 0.8'."
)

DATASET = Template('''\
"""The ``${name}`` eval dataset: the questions in ``data/questions.jsonl``.

One JSON object a line: ``id``, ``question``, ``category`` and optionally
``reference`` (the gold answer).
"""

from __future__ import annotations

from pathlib import Path

from harness import EvalDatasetComponent, EvalSample
from harness.data.jsonl import read_jsonl_records
from harness.errors import DataError

QUESTIONS = Path(__file__).parent / "data" / "questions.jsonl"


class ${dataset_class}(EvalDatasetComponent):
    name = "${name}"

    def __init__(self, path=None):
        # takes no run setting (its spec declares none: takes=()); reads its own file
        self.path = Path(path) if path else QUESTIONS

    def load(self):
        """Every question in file order; a bad line stops the run (exit 2), naming
        the file and line."""
        samples, seen = [], set()
        for line, record in read_jsonl_records(self.path):
            where = f"{self.path} line {line}"
            sample = _sample(record, where)
            if sample.id in seen:
                raise DataError(f"{where}: duplicate id {sample.id!r}")
            seen.add(sample.id)
            samples.append(sample)
        return samples


def _sample(record, where):
    for key in ("id", "question", "category"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise DataError(f"{where}: {key!r} must be a non-empty string")
    reference = record.get("reference", "")
    if not isinstance(reference, str):
        raise DataError(f"{where}: 'reference' must be a string")
    return EvalSample(id=record["id"], question=record["question"],
                      category=record["category"], reference=reference)
''')

TESTS = Template('''\
"""The ${name} dataset: it loads, its category is registered, and its questions are
judged against harness's test server (the ``judge_server`` fixture comes with harness).
"""

import pytest
from harness import JudgeItem
from harness.errors import DataError
from harness.manager import get_registry

from ${module}.dataset import ${dataset_class}


def test_it_loads_unique_questions_in_registered_categories():
    registry = get_registry()
    registry.lookup("dataset", "${name}")
    samples = ${dataset_class}().load()
    assert samples and len({s.id for s in samples}) == len(samples)
    for sample in samples:
        registry.lookup("category", sample.category)  # raises when unregistered


def test_a_bad_line_is_an_error_naming_file_and_line(tmp_path):
    path = tmp_path / "questions.jsonl"
    first = '{"id": "a", "question": "q?", "category": "${category}"}'
    path.write_text(first + '\\n{"id": "b"}\\n', encoding="utf-8")
    with pytest.raises(DataError, match="questions.jsonl line 2: 'question'"):
        ${dataset_class}(path).load()


def test_its_questions_are_judged_with_their_category_prompt(judge_server):
    registration, _ = get_registry().lookup("category", "${category}")
    prompt = registration.spec.prompt
    samples = ${dataset_class}().load()
    items = [JudgeItem(sample=s, answer="An answer.", category_prompt=prompt)
             for s in samples]
    judge_server.serve("Score: 0.8")
    judgments = judge_server.judge("gpt35", items)
    assert sorted(j.score for j in judgments) == [0.8] * len(items)
    assert all(prompt.strip() in sent for sent in judge_server.prompts)
''')

README = Template("""\
# ${name}

A [harness](https://github.com/) dataset plugin: the `${name}` eval dataset (the questions in
`${module}/data/questions.jsonl`) and its `${category}` category, with the judge prompt for it.

    pip install -e .            # harness finds it through the entry point in pyproject.toml
    harness list dataset        # shows `${name}`
    harness run --model MODEL --dataset ${name} --judge gpt35
    python -m pytest            # the tests need no network: harness's test server answers

* `${module}/data/questions.jsonl`: one JSON object a line: `id`, `question`, `category`, `reference`.
* `${module}/dataset.py`: reads it into `EvalSample`s; a bad line is an error naming file and line.
* `${module}/registry/categories/${category}.yaml`: the category and its judge prompt.
""")


def dataset_files(names: PackageNames) -> dict[str, str]:
    """Relative path -> text of every file of the dataset package ``names``."""
    category = f"{names.module}_questions"
    description = "Eval questions from a JSONL file, with their category."
    fields = dict(
        name=names.name,
        module=names.module,
        category=category,
        description=description,
        dataset_class=names.class_name("Dataset"),
    )
    return {
        "pyproject.toml": PYPROJECT.substitute(
            fields, package_data='"registry/categories/*.yaml", "data/*.jsonl"'
        ),
        f"{names.module}/__init__.py": HOOKS.substitute(
            fields,
            spec="DatasetSpec",
            hook="harness_register_datasets",
            spec_fields='\n            role="eval",',
            factory=f"dataset:{fields['dataset_class']}",
        ),
        f"{names.module}/dataset.py": DATASET.substitute(fields),
        f"{names.module}/data/questions.jsonl": _questions(category),
        f"{names.module}/registry/categories/{category}.yaml": CATEGORY.substitute(
            fields,
            display_name=names.name,
            prompt=textwrap.indent(PROMPT, "  "),
            category_description=f"The questions of the {names.name} dataset",
        ),
        "README.md": README.substitute(fields),
        "tests/test_dataset.py": TESTS.substitute(fields),
    }


def _questions(category: str) -> str:
    rows = [
        ("q1", "What is the capital of France?", "Paris"),
        ("q2", "What is 2 + 2?", "4"),
        ("q3", "Name a prime number greater than 10.", "11 (or 13, 17, 19...)"),
    ]
    return "".join(
        json.dumps({"id": i, "question": q, "category": category, "reference": r}) + "\n" for i, q, r in rows
    )
