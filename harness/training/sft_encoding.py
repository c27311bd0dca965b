"""Conversations into token ids and labels, in the trained model's prompt template, loss on answers only.

The template is the one ``harness run`` will prompt the trained model with (the base model's, or
``--prompt-template``; see :mod:`harness.prompts.resolve`), and the ids come from the very function
generation uses, :func:`harness.prompts.encode.encode_messages`: BOS where the template has one,
each turn's markup, an EOS (labelled, so the model learns to stop) after every answer. By default
that is the format of the code that trained the BELLE paper's models (``belle-958c91b-train``).

Then the sample is cut at ``max_length``. Where the cut leaves no labelled token (a long first
question), BELLE overwrites ``labels[18:24]`` with input ids -- training the model to predict a
slice of the *question*. We drop such a sample instead and count it, so the caller can report how
much data truncation cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.prompts.encode import IGNORE_INDEX, encode_messages
from harness.prompts.template import DEFAULT_TEMPLATE, PromptTemplate, named_template

ROLE_OF_TURN = {"human": "user", "assistant": "assistant", "system": "system"}


@dataclass(frozen=True)
class EncodedSample:
    """One training sample: ``input_ids`` and ``labels`` of equal length (``-100`` = no loss)."""

    input_ids: list[int]
    labels: list[int]
    id: str = ""

    @property
    def n_label_tokens(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE_INDEX)


@dataclass
class EncodingReport:
    """What encoding did to the data: kept, dropped (by reason) and truncated samples, tokens."""

    kept: int = 0
    truncated: int = 0
    dropped: Counter = field(default_factory=Counter)
    tokens: int = 0
    label_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "truncated": self.truncated,
            "dropped": dict(self.dropped),
            "dropped_total": sum(self.dropped.values()),
            "tokens": self.tokens,
            "label_tokens": self.label_tokens,
        }


def turns_to_messages(turns: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """BELLE's ``(human|assistant, text)`` turns as chat messages (``user``/``assistant``)."""
    messages = []
    for role, text in turns:
        mapped = ROLE_OF_TURN.get(role.lower())
        if mapped is None:
            raise ValueError(f"unknown role {role!r}: turns are 'human' or 'assistant'")
        messages.append({"role": mapped, "content": text})
    return messages


def conversation_ids(
    turns: Sequence[tuple[str, str]], tokenizer: Any, *, template: PromptTemplate | None = None
) -> tuple[list[int], list[int]]:
    """Untruncated ``(input_ids, labels)`` of a conversation's turns ``(role, text)``."""
    template = template or named_template(DEFAULT_TEMPLATE)
    return encode_messages(template, turns_to_messages(turns), tokenizer)


def encode_conversation(
    turns: Sequence[tuple[str, str]],
    tokenizer: Any,
    *,
    max_length: int,
    template: PromptTemplate | None = None,
    sample_id: str = "",
) -> tuple[EncodedSample | None, bool]:
    """``(sample or None, truncated)``: ``None`` when no labelled token survives truncation."""
    input_ids, labels = conversation_ids(turns, tokenizer, template=template)
    truncated = len(input_ids) > max_length
    input_ids, labels = input_ids[:max_length], labels[:max_length]
    if all(x == IGNORE_INDEX for x in labels):
        return None, truncated
    return EncodedSample(input_ids=input_ids, labels=labels, id=sample_id), truncated


def encode_conversations(
    conversations: Iterable[Any],
    tokenizer: Any,
    *,
    max_length: int,
    template: PromptTemplate | None = None,
) -> tuple[list[EncodedSample], EncodingReport]:
    """Encode :class:`~harness.protocols.Conversation` s; drop (and count) unlearnable ones."""
    template = template or named_template(DEFAULT_TEMPLATE)
    report = EncodingReport()
    samples: list[EncodedSample] = []
    for conv in conversations:
        turns = conv.turns
        if not any(role.lower() == "assistant" and text for role, text in turns):
            report.dropped["no_assistant_turn"] += 1
            continue
        sample, truncated = encode_conversation(
            turns, tokenizer, max_length=max_length, template=template, sample_id=conv.id
        )
        if sample is None:
            report.dropped["all_labels_masked_after_truncation"] += 1
            continue
        report.kept += 1
        report.truncated += int(truncated)
        report.tokens += len(sample.input_ids)
        report.label_tokens += sample.n_label_tokens
        samples.append(sample)
    return samples, report
