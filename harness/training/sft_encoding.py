"""Conversations into token ids and labels, in BELLE's prompt format, with loss on answers only.

BELLE's ``train/src/sample_generator.py`` (``sft_sample_to_ids``) defines the format the paper's
models were trained with, and therefore the format ``harness run`` prompts them with:

* a human turn becomes ``"Human: \\n" + text + "\\n\\nAssistant: \\n"``, labels all ``-100``;
* an assistant turn is its text as is, labels equal to its ids, followed by EOS (labelled, so the
  model learns to stop after every answer);
* each segment is encoded separately with ``add_special_tokens=False`` (no BOS), concatenated.

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

IGNORE_INDEX = -100
HUMAN_PREFIX = "Human: \n"
ASSISTANT_PREFIX = "\n\nAssistant: \n"


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


def human_segment(text: str) -> str:
    """The text a human turn becomes (the same as the eval prompt template around a question)."""
    return f"{HUMAN_PREFIX}{text}{ASSISTANT_PREFIX}"


def conversation_ids(
    turns: Sequence[tuple[str, str]], tokenizer: Any, *, add_bos: bool = False
) -> tuple[list[int], list[int]]:
    """Untruncated ``(input_ids, labels)`` of a conversation's turns ``(role, text)``."""
    eos = tokenizer.eos_token_id
    if eos is None:
        raise ValueError("the tokenizer has no EOS token; SFT needs one after every answer")
    input_ids: list[int] = []
    labels: list[int] = []
    if add_bos and tokenizer.bos_token_id is not None:
        input_ids.append(tokenizer.bos_token_id)
        labels.append(IGNORE_INDEX)
    for role, text in turns:
        role = role.lower()
        if role == "human":
            ids = tokenizer.encode(human_segment(text), add_special_tokens=False)
            input_ids += ids
            labels += [IGNORE_INDEX] * len(ids)
        elif role == "assistant":
            ids = tokenizer.encode(text, add_special_tokens=False) + [eos]
            input_ids += ids
            labels += ids
        else:
            raise ValueError(f"unknown role {role!r}: turns are 'human' or 'assistant'")
    return input_ids, labels


def encode_conversation(
    turns: Sequence[tuple[str, str]],
    tokenizer: Any,
    *,
    max_length: int,
    add_bos: bool = False,
    sample_id: str = "",
) -> tuple[EncodedSample | None, bool]:
    """``(sample or None, truncated)``: ``None`` when no labelled token survives truncation."""
    input_ids, labels = conversation_ids(turns, tokenizer, add_bos=add_bos)
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
    add_bos: bool = False,
) -> tuple[list[EncodedSample], EncodingReport]:
    """Encode :class:`~harness.protocols.Conversation` s; drop (and count) unlearnable ones."""
    report = EncodingReport()
    samples: list[EncodedSample] = []
    for conv in conversations:
        turns = conv.turns
        if not any(role.lower() == "assistant" and text for role, text in turns):
            report.dropped["no_assistant_turn"] += 1
            continue
        sample, truncated = encode_conversation(
            turns, tokenizer, max_length=max_length, add_bos=add_bos, sample_id=conv.id
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
