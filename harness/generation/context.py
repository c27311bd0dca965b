"""Whether each prompt fits the model's context, measured before anything is generated.

Why: a prompt longer than the model's context is not an error to transformers -- it is generated
far past what the model was trained on, and one huge prompt batched with short ones pads them all
to its length (a 120k-token question drove a run to 24 GB and the kernel's OOM killer). So every
prompt is measured with the model's own tokenizer (the exact ids it will be given) and counted
with the new tokens it may get: ``prompt + max_new_tokens <= context``. A prompt that does not fit
is refused (exit 2, naming the samples and their lengths) unless the user asked for truncation
(``--truncate-prompts left``): then the prompt's oldest tokens are cut, as FastChat's
``generate_stream`` does (``input_ids[-max_src_len:]``), and what was cut is recorded per sample.

A model says its context through ``context_length()`` (``None``: unknown, and then the run says
so instead of guessing) and is measured through its ``prompt_token_ids`` (local models) or
``count_prompt_tokens`` of its ``messages_for`` (API models, where litellm knows the model); each
returns ``None`` where the model cannot say (:class:`harness.component_bases.ModelComponent`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError
from harness.generation.turns import sample_messages, sample_token_ids
from harness.protocols import EvalSample

TRUNCATE_SIDES = ("left",)
# config.json keys that hold a model's context length, most specific first
CONTEXT_KEYS = (
    "max_position_embeddings",
    "n_positions",
    "max_seq_len",
    "seq_length",
    "max_sequence_length",
    "n_ctx",
)
SHOWN = 5  # samples named in a refusal; the rest are counted


def context_from_config(config: Mapping[str, Any]) -> int | None:
    """The context length a Hugging Face ``config.json`` declares (its text model's, for a
    multimodal one), or ``None`` when it declares none."""
    for source in (config, config.get("text_config") or {}):
        for key in CONTEXT_KEYS:
            value = source.get(key) if isinstance(source, Mapping) else None
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


@dataclass(frozen=True)
class PromptFit:
    """One sample's request: its prompt's tokens and the new tokens it may get."""

    id: str
    prompt_tokens: int
    new_tokens: int

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.new_tokens


def prompt_length(model: Any, sample: EvalSample) -> int | None:
    """The prompt's length in the model's own tokens, or ``None`` where the model cannot say."""
    ids = sample_token_ids(model, sample)
    if ids is not None:
        return len(ids)
    messages = sample_messages(model, sample)
    return None if messages is None else model.count_prompt_tokens(messages)


def check_room(context: int, new_tokens: int, model_name: str) -> None:
    """max_new_tokens alone must leave room for a prompt."""
    if new_tokens >= context:
        raise UsageError(
            f"model {model_name!r}: {new_tokens} new tokens requested, but its context is "
            f"{context} tokens (prompt and answer together)",
            hint="Pass a smaller --max-new-tokens.",
        )


def too_long(fits: Sequence[PromptFit], context: int) -> list[PromptFit]:
    return [fit for fit in fits if fit.total > context]


def refusal(
    over: Sequence[PromptFit], n_samples: int, context: int, model_name: str, length_source: str = ""
) -> UsageError:
    """Exit 2 naming the samples that do not fit and their lengths (and where the new tokens'
    number came from, when the caller knows)."""
    shown = ", ".join(f"{fit.id} ({fit.prompt_tokens} + {fit.new_tokens})" for fit in over[:SHOWN])
    more = f" and {len(over) - SHOWN} more" if len(over) > SHOWN else ""
    return UsageError(
        f"{len(over)} of {n_samples} prompts do not fit the context of model {model_name!r} ({context} tokens) "
        f"(prompt tokens + max new tokens, counted with the model's tokenizer): {shown}{more}"
        + (f"; max new tokens from {length_source}" if length_source else ""),
        hint="Pass --truncate-prompts left to cut their oldest tokens (recorded per sample), a smaller "
        "--max-new-tokens, or leave those samples out.",
    )


def measure(model: Any, samples: Sequence[EvalSample], default_new_tokens: int) -> list[PromptFit] | None:
    """Every sample's request, or ``None`` when the model cannot measure its prompts."""
    fits = []
    for sample in samples:
        length = prompt_length(model, sample)
        if length is None:
            return None
        fits.append(PromptFit(sample.id, length, sample.max_new_tokens or default_new_tokens))
    return fits


def fit_ids(ids: Sequence[int], context: int, new_tokens: int, side: str) -> tuple[list[int], dict | None]:
    """``ids`` cut on ``side`` to fit ``context`` with ``new_tokens`` to come, and the record of the
    cut (``None`` when nothing was cut)."""
    if side not in TRUNCATE_SIDES:
        raise UsageError(f"--truncate-prompts {side!r}: choose {', '.join(TRUNCATE_SIDES)}")
    keep = context - new_tokens
    if len(ids) <= keep:
        return list(ids), None
    kept = list(ids[len(ids) - keep :]) if keep > 0 else []
    return kept, {
        "side": side,
        "tokens_before": len(ids),
        "tokens_after": len(kept),
        "context": context,
        "max_new_tokens": new_tokens,
    }
