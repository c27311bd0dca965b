"""Built-in plugin ``eval-datasets``: BELLE's eval set and the shipped offline demo set.

Registration is cheap: factories are import strings, so nothing is read or downloaded until a
dataset is built and its ``load()`` called.
"""

from __future__ import annotations

from harness import hookimpl
from harness.specs import DatasetSpec


@hookimpl
def harness_register_datasets(register) -> None:
    register(
        DatasetSpec(
            name="belle-eval",
            factory="harness.data.belle:BelleEvalDataset",
            description="BELLE's 1,000-sample Chinese eval set (Ji et al. 2023), pinned by sha256",
            takes=("data_dir", "mirror"),
            role="eval",
            language="zh",
        )
    )
    register(
        DatasetSpec(
            name="demo",
            factory="harness.data.demo:DemoEvalDataset",
            description="30 Chinese questions with gold answers across BELLE's classes; offline, shipped",
            role="eval",
            language="zh",
        )
    )
