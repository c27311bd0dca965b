"""The paper's Table 5, read from ``registry/paper/table5.yaml`` (the project's one copy of it).

Every published figure the harness prints comes from here: experiment configs name a row
(``paper: {table5: <id>}``), model recipes name the row of a released model (``paper_row:``). The
schema refuses a row without all nine column scores, a score outside [0, 1] or a repeated id, so a
typo in the figures fails loudly when they are loaded rather than printing a wrong comparison.
"""

from __future__ import annotations

import difflib
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.errors import UsageError
from harness.registry_yaml import builtin_registry_dir, load_yaml_model
from harness.scoring.columns import TABLE5_COLUMNS

TABLE5_FILE = Path("paper") / "table5.yaml"


class PaperTraining(BaseModel):
    """The paper's Table 3 fine-tuning hyper-parameters (what every published row was trained with)."""

    model_config = ConfigDict(extra="forbid")

    precision: str
    epochs: int
    global_batch_size: int
    lr: float
    weight_decay: float
    warmup_ratio: float
    lr_scheduler: str
    max_length: int


class PaperSetup(BaseModel):
    """What every published figure was measured with."""

    model_config = ConfigDict(extra="forbid")

    dataset: str
    n_questions: int
    judge: str
    judge_model: str
    model_size: str
    training: PaperTraining


class PublishedRow(BaseModel):
    """One row of Table 5: the model, its training data, nine column scores and both macros."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9._\-]+$")
    factor: str
    model: str = Field(description="the paper's name for the model (LLaMA-EXT, LLaMA, ChatGPT)")
    base_model: str | None = Field(default=None, description="registry model fine-tuned for this row")
    eval_model: str | None = Field(default=None, description="model evaluated as is (no fine-tuning)")
    data: str = Field(description="training data in the paper's mixture notation, '-' for none")
    scores: dict[str, float]
    macro: float
    macro_wo_others: float

    @field_validator("scores")
    @classmethod
    def _nine_columns(cls, scores: dict[str, float]) -> dict[str, float]:
        if set(scores) != set(TABLE5_COLUMNS):
            missing = sorted(set(TABLE5_COLUMNS) - set(scores))
            extra = sorted(set(scores) - set(TABLE5_COLUMNS))
            raise ValueError(f"needs exactly the nine Table 5 columns (missing {missing}, unknown {extra})")
        for name, value in scores.items():
            if not math.isfinite(value) or not 0.0 <= value <= 1.0:
                raise ValueError(f"score of {name!r} must be a number in [0, 1], got {value!r}")
        return {name: scores[name] for name in TABLE5_COLUMNS}

    @model_validator(mode="after")
    def _macros_in_range(self) -> PublishedRow:
        for name in ("macro", "macro_wo_others"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
        return self

    def label(self) -> str:
        """``LLaMA-EXT on zh(alpaca-3.5&4)+sharegpt`` -- how the paper's row reads."""
        return self.model if self.data in ("", "-") else f"{self.model} on {self.data}"


class PublishedTable(BaseModel):
    """``registry/paper/table5.yaml``."""

    model_config = ConfigDict(extra="forbid")

    source: str
    setup: PaperSetup
    rows: list[PublishedRow] = Field(min_length=1)

    @field_validator("rows")
    @classmethod
    def _unique_ids(cls, rows: list[PublishedRow]) -> list[PublishedRow]:
        ids = [r.id for r in rows]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"row ids must be unique; repeated: {repeated}")
        return rows

    def row(self, row_id: str, *, where: str = "") -> PublishedRow:
        """The row ``row_id``; an unknown id is a UsageError with a did-you-mean."""
        for row in self.rows:
            if row.id == row_id:
                return row
        ids = [r.id for r in self.rows]
        close = difflib.get_close_matches(row_id, ids, n=1)
        prefix = f"{where}: " if where else ""
        raise UsageError(
            f"{prefix}no published Table 5 row {row_id!r}."
            + (f" Did you mean {close[0]!r}?" if close else ""),
            hint="Rows (registry/paper/table5.yaml): " + ", ".join(ids),
        )

    def to_source(self) -> dict[str, Any]:
        return {"source": self.source, "setup": self.setup.model_dump()}


@lru_cache(maxsize=1)
def load_table5() -> PublishedTable:
    """The project's Table 5 (validated once per process)."""
    return load_yaml_model(builtin_registry_dir() / TABLE5_FILE, PublishedTable)


def published_row(row_id: str, *, where: str = "") -> PublishedRow:
    return load_table5().row(row_id, where=where)
