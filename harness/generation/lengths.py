"""How many new tokens an answer may have, and who decided it: the user, the dataset, or the harness.

Why: a benchmark's published scores come from answers of a given length (a chat benchmark's from
its reference code's 1,024 new tokens per turn, say); answers cut at the harness's 512 measure
something else. A dataset
declares its answer length on its samples (:attr:`EvalSample.max_new_tokens`), as it declares its
temperatures. The user's explicit ``--max-new-tokens`` (or ``max_new_tokens:`` in a config file)
still wins. run.json records the length that applied and where it came from.

When every sample declares the same length, the generator is simply built with it (any generator
works). Samples that declare different lengths need a generator that takes a length per sample
(``per_sample_max_new_tokens``); another is refused before the run directory exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from harness.errors import UsageError
from harness.protocols import EvalSample

OWN = "--max-new-tokens (or max_new_tokens in the config file)"
HARNESS_DEFAULT = "the harness's default"


@dataclass(frozen=True)
class LengthChoice:
    """The length that applies (``value``; ``None`` when samples carry lengths of their own) and
    where it came from (``source``, in words)."""

    value: int | None
    source: str
    per_sample: bool = False
    from_dataset: bool = False  # a resume must then find the same declared length (rundir.prompt_change)

    def record(self, samples: Sequence[EvalSample]) -> dict[str, Any]:
        """What run.json says."""
        if not self.per_sample:
            return {"value": self.value, "source": self.source}
        values = sorted({s.max_new_tokens for s in samples if s.max_new_tokens is not None})
        return {"value": None, "values": values, "source": self.source}


def check_lengths(samples: Sequence[EvalSample], dataset: str) -> None:
    """Refuse (exit 2, before anything is generated) a declared length that is not an integer >= 1."""
    for sample in samples:
        value = sample.max_new_tokens
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise UsageError(
                f"dataset {dataset!r}: sample {sample.id!r} has max_new_tokens {value!r}; "
                "it must be an integer >= 1",
                hint="None means the run's own. Fix what the dataset plugin sets as "
                "EvalSample.max_new_tokens.",
            )


def choose_length(
    samples: Sequence[EvalSample], *, explicit: bool, configured: int, dataset: str
) -> LengthChoice:
    """The user's explicit length, else the dataset's, else the configured default."""
    declared = {s.max_new_tokens for s in samples}
    if explicit:
        return LengthChoice(configured, OWN)
    if declared == {None}:
        return LengthChoice(configured, HARNESS_DEFAULT)
    if len(declared) == 1:
        return LengthChoice(declared.pop(), f"the default of dataset {dataset!r}", from_dataset=True)
    if None in declared:
        return LengthChoice(
            configured,
            f"the dataset {dataset!r}, per sample (else {HARNESS_DEFAULT})",
            per_sample=True,
            from_dataset=True,
        )
    return LengthChoice(None, f"the dataset {dataset!r}, per sample", per_sample=True, from_dataset=True)


def apply_length(
    samples: Sequence[EvalSample], choice: LengthChoice, *, generator: Any = None, generator_name: str = ""
) -> list[EvalSample]:
    """The samples as the generator gets them: with their own lengths only where they differ (and
    the generator takes them), else without (the generator is built with ``choice.value``)."""
    if not choice.per_sample:
        return [replace(s, max_new_tokens=None) if s.max_new_tokens is not None else s for s in samples]
    if generator is not None and not generator.per_sample_max_new_tokens:  # see harness.component_bases
        raise UsageError(
            f"generator {generator_name!r} answers every sample at one length, but this dataset declares "
            "a max_new_tokens per sample",
            hint="Pass --max-new-tokens N to answer every sample alike, or use a generator that takes "
            "per-sample lengths (hf, vllm, litellm).",
        )
    return list(samples)
