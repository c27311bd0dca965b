"""A multi-turn sample's turns: each turn's question and reference, and the id a turn is judged under.

Why here, below every component: the run pipeline, the pairwise judge and the report all split a
conversation into turns the same way, and none of them may import another's module to do it.
"""

from __future__ import annotations

from harness.protocols import EvalSample

TURN_SEPARATOR = ":turn"


def turn_id(sample_id: str, turn: int) -> str:
    """The id a turn is judged (and reported) under: ``81:turn2``."""
    return f"{sample_id}{TURN_SEPARATOR}{turn}"


def n_turns(sample: EvalSample) -> int:
    return len(sample.turns) or 1


def turn_text(sample: EvalSample, turn: int) -> str:
    return sample.turns[turn - 1] if sample.turns else sample.question


def turn_reference(sample: EvalSample, turn: int) -> str:
    if sample.references:
        return sample.references[turn - 1] if turn <= len(sample.references) else ""
    return sample.reference if turn == 1 else ""
