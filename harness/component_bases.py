"""Optional base classes for components: every optional member the core uses, with its default.

A component only has to satisfy its protocol (:mod:`harness.protocols`); subclassing the base for
its kind adds the documented defaults below, so the core calls those members directly. A plugin's
component that does not subclass still works: :func:`fill_defaults` (run by
:meth:`harness.registry.ComponentRegistry.create`) gives it each default it lacks, as an attribute
of the built object; an object that cannot take one (``__slots__``, frozen) is refused with one
line naming its plugin and the member to add.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any, ClassVar

from harness.errors import UsageError


class ModelComponent:
    """A model. Required: ``name``, ``format_prompt(question)``.

    Defaults: ``default_generator = "hf"`` (the generator a run uses without ``--generator``);
    ``describe_prompt(question)`` returns ``None`` (run.json records no prompt); ``stop_strings()``
    returns ``[]`` (answers end where the generator stops).
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = ("default_generator", "describe_prompt", "stop_strings")
    default_generator: str = "hf"

    def describe_prompt(self, example_question: str) -> dict[str, Any] | None:
        """What run.json records of the prompt sent (template, hash, an example); None: nothing."""
        return None

    def stop_strings(self) -> list[str]:
        """The strings an answer ends at (its template's)."""
        return []


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
    a run; a judge that checks its endpoint raises a UsageError when it cannot be reached).
    """

    OPTIONAL: ClassVar[tuple[str, ...]] = ("estimate_cost", "preflight")

    def estimate_cost(self, items: Sequence[Any]) -> float | None:
        """What judging ``items`` would cost in USD (0.0: free; None: unknown)."""
        return 0.0

    def preflight(self, *, timeout: float = 10.0) -> bool | None:
        """Before a run generates anything, prove the judge can answer; ``False``: nothing checked."""
        return False


BASES: dict[str, Any] = {"model": ModelComponent, "generator": GeneratorComponent, "judge": JudgeComponent}


def fill_defaults(component: Any, kind: str, who: str) -> Any:
    """``component`` with every optional member of its kind's base class that it lacks set to the
    documented default (on the object itself; a subclass has them all already). ``who`` names the
    component and its plugin for the message refusing an object that cannot take one."""
    base = BASES.get(kind)
    if base is None or isinstance(component, base):
        return component
    for member in base.OPTIONAL:
        if hasattr(component, member):
            continue
        default = getattr(base, member)
        value = types.MethodType(default, component) if callable(default) else default
        try:
            setattr(component, member, value)
        except (AttributeError, TypeError):
            raise UsageError(
                f"{who} has no {member!r} and cannot be given the default",
                hint=f"Subclass harness.{base.__name__} or define {member!r} on it.",
            ) from None
    return component
