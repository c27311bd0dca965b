"""What each kind of component must offer, and the records that flow between them, in one place.

The pipeline is: a *dataset* yields :class:`EvalSample` s; a *model* (weights + prompt template)
is driven by a *generator* that turns samples into :class:`Generation` s; a *judge* turns
generations into :class:`Judgment` s; scoring groups judgments by *category*. A *trainer* turns
a base model and training conversations into a new model directory.

These are :class:`typing.Protocol` s: a plugin's component needs no base class, only these members.
The optional members the core also calls, each with its default, are on the base class of each
kind in :mod:`harness.component_bases`.
Records are plain frozen dataclasses so they serialise to the stable JSON lines other tools read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

# --------------------------------------------------------------------------------------- records


MULTI_TURN_FIELDS = ("turns", "references", "history")


@dataclass(frozen=True)
class EvalSample:
    """One eval question. ``category`` is a canonical category id (see ``CategorySpec``).

    A multi-turn sample (a chat benchmark's) lists every user turn in ``turns`` (``question`` is the
    first) and, where it has them, one reference answer per turn in ``references``. The pipeline
    answers it turn by turn: for turn k it hands the generator a sample whose ``question`` is turn k
    and whose ``history`` is the conversation so far (earlier user turns and the model's own
    answers, as ``{"role", "content"}`` messages). A single-turn sample leaves all three empty.

    ``temperature``: the sampling temperature the benchmark prescribes for this sample (a chat
    benchmark's, by category; 0 is greedy), or ``None`` for the run's own
    (:mod:`harness.generation.decoding`). ``max_new_tokens``: the answer length the benchmark
    prescribes (a chat benchmark's generation default), or ``None`` for the run's own
    (:mod:`harness.generation.lengths`).
    """

    id: str
    question: str
    category: str
    reference: str = ""  # the gold answer ("std_answer"); empty where the category has none
    meta: dict[str, Any] = field(default_factory=dict)
    turns: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    history: tuple[dict[str, str], ...] = ()
    temperature: float | None = None
    max_new_tokens: int | None = None

    @property
    def multi_turn(self) -> bool:
        return len(self.turns) > 1

    def to_dict(self) -> dict[str, Any]:
        # single-turn records keep their historical shape (no empty multi-turn keys)
        data = asdict(self)
        for key in MULTI_TURN_FIELDS:
            if not data[key]:
                del data[key]
        for key in ("temperature", "max_new_tokens"):
            if data[key] is None:
                del data[key]
        return data


@dataclass(frozen=True)
class Conversation:
    """One training record in BELLE's conversation format: alternating human/assistant turns."""

    id: str
    turns: tuple[tuple[str, str], ...]  # (role, text) with role "human" or "assistant"
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "conversations": [{"from": role, "value": text} for role, text in self.turns],
        }


@dataclass(frozen=True)
class Generation:
    """A model's answer to one sample."""

    id: str
    answer: str
    prompt: str = ""
    model: str = ""
    n_prompt_tokens: int | None = None
    n_new_tokens: int | None = None
    finish_reason: str | None = None  # "eos", "length", "stop", ...
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JudgeItem:
    """What a judge sees: the sample, its category spec's prompt data, and the model's answer."""

    sample: EvalSample
    answer: str
    category_prompt: str = ""
    gold_shown: bool = True
    repeat: int = 0  # index of this repeat under --judge-repeats
    # Multi-turn samples are judged once per turn: ``turn`` is the turn judged (1-based; 0 for a
    # single-turn sample) and ``answers`` the model's answers to turns 1..turn, so a judge can show
    # the whole conversation. ``sample.turns``/``sample.references`` hold every turn.
    turn: int = 0
    answers: tuple[str, ...] = ()

    @property
    def question(self) -> str:
        """The question judged (for turn k of a multi-turn sample, turn k's)."""
        return self.sample.question

    @property
    def reference(self) -> str:
        return self.sample.reference

    @property
    def category(self) -> str:
        return self.sample.category

    @property
    def meta(self) -> dict[str, Any]:
        """The dataset's own fields for this sample (the same under ``harness run`` and ``harness judge``)."""
        return self.sample.meta

    def conversation(self) -> list[dict[str, str]]:
        """The conversation judged, as chat messages: every user turn so far and the model's answers."""
        turns = self.sample.turns[: self.turn] if self.turn else (self.sample.question,)
        answers = self.answers or (self.answer,)
        return [
            m
            for q, a in zip(turns, answers, strict=False)
            for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})
        ]


@dataclass(frozen=True)
class PairItem:
    """What a pairwise judge sees: one sample (one turn of it) and two answers, shown as A and B.

    ``answers_a``/``answers_b`` are the answers to turns 1..``turn`` (one answer for a single-turn
    sample, ``turn`` 0). ``order`` says which run is shown first: ``"ab"`` (run a as A) or ``"ba"``.
    """

    sample: EvalSample
    answers_a: tuple[str, ...]
    answers_b: tuple[str, ...]
    turn: int = 0
    order: str = "ab"


PAIR_VERDICTS = ("A", "B", "tie")


@dataclass(frozen=True)
class PairVerdict:
    """A pairwise judge's verdict on one :class:`PairItem`: ``A``, ``B``, ``tie``, or ``None`` with
    ``reason`` when no verdict could be read or no reply came."""

    id: str
    order: str
    verdict: str | None
    raw: str = ""
    judge: str = ""
    reason: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict is not None and self.verdict not in PAIR_VERDICTS:
            raise ValueError(f"a pair verdict is one of {PAIR_VERDICTS} or None, not {self.verdict!r}")

    @classmethod
    def for_item(cls, item: PairItem, verdict: str | None, *, judge: str, **fields: Any) -> PairVerdict:
        """The verdict on ``item`` (its id and order filled in); ``fields``: raw, reason, meta."""
        return cls(id=item.sample.id, order=item.order, verdict=verdict, judge=judge, **fields)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


JUDGMENT_STATUSES = ("scored", "unscored", "failed")


@dataclass(frozen=True)
class Judgment:
    """A judge's verdict on one answer. ``score`` is on the judge's declared scale (0..1 unless the
    spec declares another, e.g. 1..10) when ``scored``, else ``None``.

    ``unscored``: the judge answered but no valid score could be read (the reason is kept).
    ``failed``: no answer was obtained (network, rate limits, budget); retried on the next run.
    """

    id: str
    category: str
    score: float | None
    status: str
    raw: str = ""
    judge: str = ""
    reason: str = ""
    repeat: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in JUDGMENT_STATUSES:
            raise ValueError(f"judgment status must be one of {JUDGMENT_STATUSES}, not {self.status!r}")
        if (self.status == "scored") != (self.score is not None):
            raise ValueError("a judgment has a score exactly when its status is 'scored'")

    @classmethod
    def for_item(
        cls, item: JudgeItem, score: float | None, *, judge: str, reason: str = "", **fields: Any
    ) -> Judgment:
        """The judgment of ``item`` (its id, category and repeat filled in): ``scored`` when
        ``score`` is a number, else ``unscored`` with ``reason``; ``fields``: raw, meta, status."""
        status = fields.pop("status", "scored" if score is not None else "unscored")
        return cls(
            id=item.sample.id,
            category=item.sample.category,
            score=score,
            status=status,
            judge=judge,
            reason=reason,
            repeat=item.repeat,
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------- protocols


@runtime_checkable
class EvalDataset(Protocol):
    """An eval dataset: samples with canonical category ids."""

    name: str

    def load(self) -> list[EvalSample]: ...


@runtime_checkable
class TrainDataset(Protocol):
    """A training dataset: conversations in BELLE's format."""

    name: str

    def load(self) -> list[Conversation]: ...


@runtime_checkable
class Model(Protocol):
    """A base model: resolvable to a local directory (HF format) or an API model id.

    ``local_path`` is a directory in Hugging Face format (weights, config, tokenizer), built or
    downloaded on first use; ``load`` returns ``(model, tokenizer)`` from transformers. API models
    (``litellm:<id>``) raise :class:`~harness.errors.UsageError` from both and are driven by an API
    generator instead. ``format_prompt`` applies ``prompt_template`` (``{question}``).
    """

    name: str
    prompt_template: str
    default_generator: str

    def format_prompt(self, question: str) -> str: ...

    def local_path(self) -> Path: ...

    def load(self, *, dtype: str = "auto", device_map: Any = None) -> tuple[Any, Any]: ...


@runtime_checkable
class Generator(Protocol):
    """Produces answers for samples; calls ``on_result`` as each answer is ready (for resuming).

    Results may arrive in any order; each carries the sample id. Optional: a class attribute
    ``per_sample_temperature = True`` says the generator answers a sample whose ``temperature`` is
    set at that temperature (and records it in ``meta["temperature"]``); without it, a dataset that
    prescribes temperatures is refused unless the user asks for one decoding for all
    (:mod:`harness.generation.decoding`).
    """

    name: str

    def generate(
        self,
        model: Model,
        samples: Sequence[EvalSample],
        *,
        on_result: Callable[[Generation], None],
    ) -> None: ...


@runtime_checkable
class Judge(Protocol):
    """Scores answers; calls ``on_result`` as each judgment is ready (for resuming).

    Optional: ``preflight(*, timeout)`` -- a judge that calls a service checks it there (one cheap
    request) and raises :class:`~harness.errors.UsageError` if it cannot work; ``harness run``
    calls it before generating (:mod:`harness.runs.preflight`). Offline judges need none.
    Optional: ``stats`` -- a plain dict of str keys to JSON values, stored in ``run.json`` after
    ``judge()`` returns (an entry that is not JSON is left out, with one line saying so).
    An LLM judge need not implement this protocol by hand: see :class:`harness.PointwiseLLMJudge`.
    """

    name: str

    def judge(
        self,
        items: Sequence[JudgeItem],
        *,
        on_result: Callable[[Judgment], None],
    ) -> None: ...


@runtime_checkable
class Trainer(Protocol):
    """Fine-tunes a model; writes a model directory that ``--model-path`` accepts."""

    name: str

    def train(self, **config: Any) -> Any: ...


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to vectors whose cosine similarity means "says the same thing".

    ``embed`` returns a float array of shape ``(len(texts), dimension)``, one row per text, in
    order; equal inputs give equal rows (no sampling), so de-duplication is reproducible.
    """

    name: str

    def embed(self, texts: Sequence[str]) -> Any: ...


def iter_dicts(records: Iterable[Any]) -> Iterable[dict[str, Any]]:
    """Serialise records that have ``to_dict`` (or are dicts already)."""
    for record in records:
        yield record if isinstance(record, dict) else record.to_dict()
