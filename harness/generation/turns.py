"""How a generator asks a model for a sample's prompt, including the earlier turns of a conversation.

A multi-turn sample is answered turn by turn (see :mod:`harness.runs.turns`): for turn k the
generator gets a sample whose ``history`` holds the earlier user turns and the model's own answers.
The model renders that history through its own prompt template (text or chat template) or, for an
API model, sends it as real messages. A single-turn sample has no history, and the model is called
exactly as before (so a plugin model whose ``format_prompt`` takes only the question keeps working).
"""

from __future__ import annotations

from typing import Any

from harness.errors import UsageError
from harness.protocols import EvalSample


def _with_history(method: Any, sample: EvalSample, *args: Any) -> Any:
    if not sample.history:
        return method(sample.question, *args)
    try:
        return method(sample.question, *args, history=sample.history)
    except TypeError as exc:
        if "history" not in str(exc):
            raise
        raise UsageError(
            f"sample {sample.id}: the model cannot render earlier turns ({exc})",
            hint="A multi-turn dataset needs a model whose format_prompt/messages_for take history=.",
        ) from None


def sample_prompt(model: Any, sample: EvalSample) -> str:
    """The prompt text the model sees for ``sample`` (earlier turns included)."""
    return _with_history(model.format_prompt, sample)


def sample_token_ids(model: Any, sample: EvalSample, *tokenizer: Any) -> list[int] | None:
    """The prompt's token ids, through the model's own encoding (earlier turns included); ``None``
    for a model that gives no ids (the generator tokenizes its prompt text)."""
    return _with_history(model.prompt_token_ids, sample, *tokenizer)


def sample_messages(model: Any, sample: EvalSample) -> list[dict[str, str]] | None:
    """The chat messages for an API model (earlier turns included, as real messages); ``None`` for
    a model that has none (its prompt text is sent as one user message)."""
    return _with_history(model.messages_for, sample)
