"""The ``demo`` eval set: 30 short Chinese questions with gold answers, three per BELLE class.

Written for this project (not taken from BELLE) so that a first run works offline, fast, and with
no licence question. It covers every category that has samples in BELLE's set, so a demo report
has all nine Table 5 columns. Gold answers exist for every sample, including the categories
whose judge is not shown one (generation, brainstorming, rewrite): they document what a good
answer looks like.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

from harness.component_bases import EvalDatasetComponent
from harness.data.jsonl import read_jsonl_records
from harness.errors import DataError
from harness.manager import get_registry
from harness.protocols import EvalSample
from harness.specs import CategorySpec

DEMO_FILE = "demo_eval.jsonl"


class DemoEvalDataset(EvalDatasetComponent):
    """The shipped demo set; every sample's category must be a registered category."""

    name = "demo"

    def __init__(self, categories: Mapping[str, CategorySpec] | None = None) -> None:
        self._categories = categories

    def load(self) -> list[EvalSample]:
        categories = self._categories
        if categories is None:
            categories = get_registry().categories()
        path = resources.files("harness.data").joinpath(DEMO_FILE)
        with resources.as_file(path) as real_path:
            records = read_jsonl_records(real_path, label=f"harness/data/{DEMO_FILE}")
        samples = []
        for line_no, record in records:
            if record["category"] not in categories:
                raise DataError(
                    f"harness/data/{DEMO_FILE} line {line_no}: unknown category {record['category']!r}"
                )
            samples.append(
                EvalSample(
                    id=record["id"],
                    question=record["question"],
                    category=record["category"],
                    reference=record.get("reference", ""),
                    meta={"line": line_no},
                )
            )
        return samples
