"""Temperatures a benchmark prescribes per sample, and who decides between them and the run's.

Why: a chat benchmark's published scores can come from answers sampled at a temperature per
category (e.g. writing 0.7, stem 0.1, math greedy; the built-in chat benchmark plugin declares
its own table). A run that answered everything at one temperature measures something else. A dataset sets
:attr:`EvalSample.temperature`; the run then answers each sample at its own temperature, unless
the user asked for one decoding for all (``--temperature`` or ``--greedy`` given), which wins.
A generator that cannot vary the temperature per sample says so (``per_sample_temperature``);
one that does not is refused with exit 2 rather than silently answering at one temperature.
Every answer made at a prescribed temperature records it (``meta.temperature``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from harness.errors import UsageError
from harness.protocols import EvalSample

# the usual reference implementation treats a temperature below this as greedy (``temperature < 1e-4``)
GREEDY_BELOW = 1e-4


def is_greedy(temperature: float) -> bool:
    return temperature < GREEDY_BELOW


def check_temperatures(samples: Sequence[EvalSample], dataset: str) -> None:
    """Refuse (exit 2, before anything is generated) a prescribed temperature that is not a finite
    number >= 0: a dataset plugin's ``"0.7"``, ``True``, ``NaN`` or ``-1`` would otherwise crash a
    sort, sample nonsense, or be sent to an API as it is."""
    for sample in samples:
        value = sample.temperature
        if value is None:
            continue
        ok = (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        )
        if not ok:
            raise UsageError(
                f"dataset {dataset!r}: sample {sample.id!r} has temperature {value!r}; "
                "it must be a finite number >= 0",
                hint="0 means greedy, None the run's own. Fix what the dataset plugin sets as "
                "EvalSample.temperature.",
            )


def prescribed(samples: Sequence[EvalSample]) -> bool:
    return any(sample.temperature is not None for sample in samples)


def apply_decoding(
    samples: Sequence[EvalSample], *, one_decoding: bool, generator: Any, generator_name: str
) -> list[EvalSample]:
    """The samples as the generator gets them: with their prescribed temperatures, or without them
    when the run asked for one decoding for all (``one_decoding``)."""
    if not prescribed(samples):
        return list(samples)
    if one_decoding:
        return [
            replace(sample, temperature=None) if sample.temperature is not None else sample
            for sample in samples
        ]
    if not generator.per_sample_temperature:  # a built generator has it (harness.component_bases)
        raise UsageError(
            f"generator {generator_name!r} answers every sample at one temperature, but this dataset "
            "prescribes a temperature per sample (e.g. one per category)",
            hint="Pass --temperature T or --greedy to answer every sample alike (the report says so), "
            "or use a generator that takes per-sample temperatures (hf, vllm, litellm).",
        )
    return list(samples)


def describe_decoding(
    samples: Sequence[EvalSample], *, one_decoding: bool, greedy: bool, temperature: float
) -> str:
    """How a run's answers were decoded, in words (run.json and the report)."""
    own = "greedy" if greedy else f"temperature {temperature:g}"
    if not prescribed(samples):
        return f"{own} for every sample"
    if one_decoding:
        return f"{own} for every sample (the dataset's per-sample temperatures overridden)"
    values = sorted({sample.temperature for sample in samples if sample.temperature is not None})
    shown = ", ".join("greedy" if is_greedy(t) else f"{t:g}" for t in values)
    return f"the dataset's temperature per sample ({shown})"
