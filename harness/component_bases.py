"""Optional base classes for components: every optional member the core uses, with its default.

A component only has to satisfy its protocol (:mod:`harness.protocols`); subclassing the base for
its kind adds the documented defaults below, so the core calls those members directly. A plugin's
component that does not subclass still works: :func:`fill_defaults` (run by
:meth:`harness.registry.ComponentRegistry.create`) gives it each default it lacks, as an attribute
of the built object; an object that cannot take one (``__slots__``, frozen) is refused with one
line naming its plugin and the member to add. Each default means "this capability is absent".
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from harness.errors import UsageError


class ModelComponent:
    """A model. Required: ``name``, ``format_prompt(question)``.

    Defaults: ``default_generator = "hf"`` (the generator a run uses without ``--generator``; a
    ``ModelSpec(default_generator=...)`` sets it on the built model); ``describe_prompt(question)``
    returns ``None`` (run.json records no prompt); ``stop_strings()`` returns ``[]`` (answers end
    where the generator stops); ``prompt_token_ids(question, tokenizer=None, history=())`` returns
    ``None`` (the generator tokenizes the ``format_prompt`` text itself, and prompts cannot be cut
    to fit); ``messages_for(question, history=())`` returns ``None`` (an API generator sends the
    prompt text as one user message); ``count_prompt_tokens(messages)`` returns ``None`` (cannot
    count them); ``context_length()`` returns ``None`` (unknown: prompt lengths are not checked);
    ``tokenizer_path = None`` (the tokenizer is in the model's own directory); ``template()``
    returns ``None`` (training encodes conversations in the paper's format); ``preflight()``
    returns ``False`` (nothing checked before a run; a model that checks its files returns
    ``True``, and raises a UsageError when they do not load).
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = (
        "default_generator",
        "describe_prompt",
        "stop_strings",
        "prompt_token_ids",
        "messages_for",
        "count_prompt_tokens",
        "context_length",
        "tokenizer_path",
        "template",
        "preflight",
    )
    default_generator: str = "hf"
    tokenizer_path: Any = None

    def describe_prompt(self, example_question: str) -> dict[str, Any] | None:
        """What run.json records of the prompt sent (template, hash, an example); None: nothing."""
        return None

    def stop_strings(self) -> list[str]:
        """The strings an answer ends at (its template's)."""
        return []

    def prompt_token_ids(
        self, question: str, tokenizer: Any = None, history: Sequence[dict[str, str]] = ()
    ) -> list[int] | None:
        """The token ids the model is prompted with (the encoding training uses); None: not given."""
        return None

    def messages_for(
        self, question: str, history: Sequence[dict[str, str]] = ()
    ) -> list[dict[str, str]] | None:
        """The chat messages an API model is sent (system, earlier turns, the question); None: none."""
        return None

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int | None:
        """The messages' length in the model's tokens; None: it cannot count them."""
        return None

    def context_length(self) -> int | None:
        """Prompt and answer together, in tokens; None: unknown."""
        return None

    def template(self) -> Any:
        """The :class:`~harness.prompts.template.PromptTemplate` training encodes with; None: none."""
        return None

    def preflight(self) -> bool | None:
        """Before a run generates anything, prove the model's files load; ``False``: nothing checked."""
        return False


class GeneratorComponent:
    """A generator. Required: ``name``, ``generate(model, samples, *, on_result)``.

    Defaults: ``data_parallel = False`` (under torchrun only rank 0 generates);
    ``per_sample_temperature = False`` and ``per_sample_max_new_tokens = False`` (a dataset that
    prescribes them per sample is refused unless the run asks for one decoding); ``close()`` does
    nothing (called once generation ends, to free the model).
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = (
        "data_parallel",
        "per_sample_temperature",
        "per_sample_max_new_tokens",
        "close",
    )
    data_parallel: bool = False
    per_sample_temperature: bool = False
    per_sample_max_new_tokens: bool = False

    def close(self) -> None:
        """Free what generation held (weights, an engine)."""


class JudgeComponent:
    """A judge. Required: ``name``, ``judge(items, *, on_result)`` (a pairwise judge:
    ``judge_pairs``).

    Defaults: ``estimate_cost(items)`` returns ``0.0`` (an offline judge costs nothing; ``None``
    means an unknown price); ``preflight(timeout=...)`` returns ``False`` (nothing to check before
    a run; a judge that checks its endpoint raises a UsageError when it cannot be reached);
    ``scale = None`` (scores are on its spec's ``scale``, else 0..1); ``stats``: an empty read-only
    mapping (nothing to store in run.json; a judge's own is a dict of JSON values, read after
    ``judge()``); ``judge_model()`` returns ``None`` (it asks no model: its cost is not quoted at a
    model's price, and ``compare`` lists only the models that answered).
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = ("estimate_cost", "preflight", "scale", "stats", "judge_model")
    scale: Any = None
    stats: Mapping[str, Any] = types.MappingProxyType({})

    def estimate_cost(self, items: Sequence[Any]) -> float | None:
        """What judging ``items`` would cost in USD (0.0: free; None: unknown)."""
        return 0.0

    def preflight(self, *, timeout: float = 10.0) -> bool | None:
        """Before a run generates anything, prove the judge can answer; ``False``: nothing checked."""
        return False

    def judge_model(self) -> str | None:
        """The model this judge asks (an LLM judge's configured model); None: none."""
        return None


class EvalDatasetComponent:
    """An eval dataset. Required: ``name``, ``load()`` (its :class:`~harness.protocols.EvalSample` s).

    No optional members: everything else about a sample is in the records it returns.
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = ()


class TrainDatasetComponent:
    """A training dataset. Required: ``name``, ``load()`` (its
    :class:`~harness.protocols.Conversation` s).

    Defaults: ``load_with_report()`` returns ``load()``'s conversations and ``None`` (no report of
    its own: a mixture's data report then only counts them; a dataset that reads files returns a
    :class:`~harness.training.data.sources.SourceReport` of what it read and dropped).
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = ("load_with_report",)

    def load_with_report(self) -> tuple[list[Any], Any]:
        """The conversations and what loading them did (``None``: nothing to report)."""
        return list(self.load()), None  # type: ignore[attr-defined]  # load() is required of every dataset


class TrainerComponent:
    """A trainer. Required: ``name``, ``train(**config)`` (writes a model directory that
    ``--model-path`` accepts; its result is printed, through ``to_dict()`` where it has one).

    No optional members: the core calls nothing else on a trainer.
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = ()


# The base of each kind; a training dataset (a DatasetSpec with role "train") has its own.
BASES: dict[str, Any] = {
    "model": ModelComponent,
    "generator": GeneratorComponent,
    "judge": JudgeComponent,
    "dataset": EvalDatasetComponent,
    "dataset:train": TrainDatasetComponent,
    "trainer": TrainerComponent,
}


def fill_defaults(component: Any, contract: str, who: str) -> Any:
    """``component`` with every optional member of its base class that it lacks set to the
    documented default (on the object itself; a subclass has them all already). ``contract`` is
    its kind (``dataset:train`` for a training set: :meth:`harness.specs.ComponentSpec.contract`);
    ``who`` names the component and its plugin for the message refusing an object that cannot take
    one."""
    base = BASES.get(contract) or BASES.get(contract.partition(":")[0])
    if base is None or isinstance(component, base):
        return component
    for member in base.OPTIONAL:
        if hasattr(component, member):
            continue
        default = getattr(base, member)
        value = types.MethodType(default, component) if callable(default) else default
        set_member(
            component,
            member,
            value,
            refusal=f"{who} has no {member!r} and cannot be given the default",
            hint=f"Subclass harness.{base.__name__} or define {member!r} on it.",
        )
    return component


def set_member(component: Any, member: str, value: Any, *, refusal: str, hint: str) -> None:
    """``component.member = value``; an object that refuses it (slots, a read-only property) is a
    UsageError saying ``refusal`` and ``hint``, not a traceback."""
    try:
        setattr(component, member, value)
    except (AttributeError, TypeError):
        raise UsageError(refusal, hint=hint) from None
