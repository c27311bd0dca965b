"""Is a measured figure comparable with the paper's? What a run did differently, in words.

A published Table 5 figure means: a 7B model (LLaMA or LLaMA-EXT) fine-tuned with Table 3's
hyper-parameters on the named data, answering all 1,000 BELLE questions, judged by gpt-3.5-turbo
with BELLE's prompts (``setup`` in ``registry/paper/table5.yaml``). A measured run is compared with
it only after :func:`differences` has listed everything that differs, derived from the registry and
the run's own records rather than from hand-written flags:

* training data -- every mixture term whose ``registry/sources`` entry declares ``substitute``
  (the alpaca-4 samples, open-chinese's alpaca-3.5, the 1k BELLE sample standing in for
  BELLE-0.5M-CLEAN ...), or a mixture other than the row's;
* model -- another base model than the row's (the miniatures' ``tiny-llama``), or, for a model
  evaluated as is, one that is not the row's released model;
* training budget -- ``max_steps``/``max_samples`` caps and hyper-parameters other than Table 3's;
* evaluation -- another eval set, a subset of the 1,000 questions, another judge or judge model.

Any difference makes the row *not comparable*; the label says ``substitute data: not comparable``
when the data differ (the commonest case), ``different setup: not comparable`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import UsageError
from harness.manager import get_registry
from harness.paper.table5 import PaperSetup, PublishedRow
from harness.registry_dirs import find_source
from harness.training.data.mixture import parse_mixture

COMPARABLE = "comparable"
SUBSTITUTE_DATA = "substitute data: not comparable"
DIFFERENT_SETUP = "different setup: not comparable"
# litellm spellings of the paper's judge model
PAPER_JUDGE_MODELS = frozenset({"gpt-3.5-turbo", "openai/gpt-3.5-turbo"})


@dataclass(frozen=True)
class MeasuredSetup:
    """What a measured run actually did (from an experiment config or a run directory's records).

    ``trained`` is ``None`` when the model was evaluated as is; otherwise the trainer's options
    (``model`` the base model, ``data`` the mixture, ``max_steps`` ...). ``model`` is the evaluated
    model as the run names it; ``released_row`` the Table 5 row of that model's own weights, when its
    registry recipe links one (``paper_row``).
    """

    model: str | None
    dataset: str = "belle-eval"
    n_samples: int | None = None
    limit: int | None = None
    categories: tuple[str, ...] | None = None
    judge: str = "gpt35"
    judge_model: str | None = None
    trained: Mapping[str, Any] | None = None
    released_row: str | None = None
    unknown: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Comparability:
    verdict: str
    differences: tuple[str, ...]
    data_differs: bool

    @property
    def comparable(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {"comparable": self.comparable, "verdict": self.verdict, "differences": list(self.differences)}


def _substitute_notes(mixture: str) -> tuple[list[str], list[str]]:
    """``(substitute notes, problems)`` for the terms of ``mixture``, from the sources registry."""
    try:
        terms = parse_mixture(mixture)
    except UsageError as exc:
        return [], [f"training data {mixture!r} could not be read ({str(exc).splitlines()[0]})"]
    notes: list[str] = []
    problems: list[str] = []
    registry = get_registry()
    for term in terms:
        if term.kind == "file":
            problems.append(f"training data: local file {term.name} (its provenance is not recorded)")
            continue
        source = registry.get("dataset", term.name).options.get("source")
        if source is None:
            problems.append(f"training data: {term.name} has no pinned source")
            continue
        substitute = find_source(source).substitute
        if substitute:
            notes.append(f"{term.name}: {substitute}")
    return notes, problems


def _norm(mixture: str) -> str:
    return "".join(mixture.split()).lower().replace("cn(", "zh(")


def _training_budget(trained: Mapping[str, Any], setup: PaperSetup) -> list[str]:
    changes = []
    for cap in ("max_steps", "max_samples"):
        if trained.get(cap) is not None:
            what = "optimizer steps" if cap == "max_steps" else "samples per source"
            changes.append(f"capped at {trained[cap]} {what}")
    paper = setup.training.model_dump()
    for key, published in paper.items():
        value = trained.get(key)
        if value is None:
            continue
        same = (
            abs(float(value) - float(published)) <= 1e-12
            if isinstance(published, int | float)
            else (str(value) == str(published))
        )
        if not same:
            changes.append(f"{key} {value} (paper {published})")
    return [f"training: {', '.join(changes)}"] if changes else []


def differences(row: PublishedRow, setup: PaperSetup, measured: MeasuredSetup) -> Comparability:
    """Everything ``measured`` did differently from how ``row`` was published."""
    diffs: list[str] = list(measured.unknown)
    data_differs = False
    if measured.trained is not None:
        base = measured.trained.get("model")
        if row.base_model is None:
            diffs.append(f"model: the paper evaluated {row.model} as is; this run fine-tuned {base}")
        elif base != row.base_model:
            diffs.append(f"model: {base} fine-tuned, the paper fine-tuned {row.model}-{setup.model_size}")
        data = str(measured.trained.get("data") or "")
        if _norm(data) != _norm(row.data):
            data_differs = True
            diffs.append(f"training data: {data or '(none)'} instead of the paper's {row.data}")
        notes, problems = _substitute_notes(data) if data else ([], [])
        if notes or problems:
            data_differs = True
            diffs += [f"substitute data: {note}" for note in notes] + problems
        diffs += _training_budget(measured.trained, setup)
    elif measured.released_row != row.id and (row.eval_model is None or measured.model != row.eval_model):
        diffs.append(
            f"model: {measured.model} is not the model the paper published this row for ({row.label()})"
        )
    if measured.dataset != setup.dataset:
        diffs.append(f"eval set: {measured.dataset} instead of {setup.dataset}")
    n = measured.n_samples if measured.n_samples is not None else measured.limit
    if measured.categories:
        diffs.append(f"eval: only the categories {', '.join(measured.categories)}")
    if n is not None and n < setup.n_questions:
        diffs.append(f"eval: {n} of the {setup.n_questions:,} questions")
    if measured.judge != setup.judge:
        diffs.append(f"judge: {measured.judge} instead of {setup.judge} ({setup.judge_model})")
    elif measured.judge_model and measured.judge_model not in PAPER_JUDGE_MODELS:
        diffs.append(f"judge model: {measured.judge_model} instead of {setup.judge_model}")
    verdict = COMPARABLE if not diffs else SUBSTITUTE_DATA if data_differs else DIFFERENT_SETUP
    return Comparability(verdict=verdict, differences=tuple(diffs), data_differs=data_differs)
