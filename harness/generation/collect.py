"""Run a generator to completion and return its records in input order.

Generators deliver results as they finish (length-sorted batches, several processes); callers that
just want the list -- tests, notebooks, benchmarks -- use :func:`generate_in_input_order`.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.protocols import EvalSample, Generation, Generator, Model


def generate_in_input_order(
    generator: Generator, model: Model, samples: Sequence[EvalSample]
) -> list[Generation]:
    """All generations for ``samples``, ordered like ``samples`` (matched by sample id)."""
    results: dict[str, Generation] = {}
    generator.generate(model, samples, on_result=lambda g: results.__setitem__(g.id, g))
    missing = [s.id for s in samples if s.id not in results]
    if missing:
        raise RuntimeError(
            f"generator {generator.name!r} returned no answer for {len(missing)} samples: {missing[:5]}"
        )
    return [results[s.id] for s in samples]
