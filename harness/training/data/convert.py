"""Converters from the public formats to BELLE's conversation format, with validation.

BELLE trains on ``{"id", "conversations": [{"from": "human"|"assistant", "value"}]}``
(``train/scripts/convert_to_conv_data.py``); here that is :class:`harness.protocols.Conversation`.

Alpaca (``instruction``, ``input``, ``output``) becomes one human turn and one assistant turn.
The human turn is ``instruction + "\\n" + input`` when the input is non-empty, else the
instruction. BELLE's conversion script concatenates the two with *no* separator, which glues words
together (``"Classify the following.Apple"``); BELLE's own released data (``Belle_open_source_*``,
whose ``input`` is always empty) carries the input inside the instruction after a newline
(``"为给定的句子生成一个同义句。\\nShe is studying..."``), so a newline is the convention the
paper's models actually saw.

ShareGPT/Vicuna conversations use the roles ``human``/``gpt``; ``user``/``assistant`` (and the other
assistant names some dumps use) are accepted too. Turns must start with the human and alternate;
a conversation that ends on an unanswered human turn keeps its answered part (FastChat does the
same: it trims to an even number of turns), and one with no answered turn at all is a bad record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from harness.errors import DataError
from harness.training.data.files import UnreadableLine
from harness.training.data.records import BadRecord

HUMAN = "human"
ASSISTANT = "assistant"

ROLE_MAP: dict[str, str] = {
    "human": HUMAN,
    "user": HUMAN,
    "gpt": ASSISTANT,
    "assistant": ASSISTANT,
    "chatgpt": ASSISTANT,
    "bard": ASSISTANT,
    "bing": ASSISTANT,
    "model": ASSISTANT,
}

ALPACA_FIELDS = ("instruction", "input", "output")

Turns = tuple[tuple[str, str], ...]


def _text_field(record: dict[str, Any], key: str, *, required: bool) -> str:
    if key not in record or record[key] is None:
        if required:
            raise BadRecord("missing_field", f"no {key!r}")
        return ""
    value = record[key]
    if not isinstance(value, str):
        raise BadRecord("wrong_type", f"{key!r} is {type(value).__name__}, not text")
    return value


def _check_object(record: Any) -> dict[str, Any]:
    if isinstance(record, UnreadableLine):
        raise BadRecord("invalid_json", f"line {record.line_number}: {record.error}")
    if not isinstance(record, dict):
        raise BadRecord("not_an_object", f"a JSON {type(record).__name__}")
    return record


def alpaca_human_text(instruction: str, input_text: str) -> str:
    """The human turn for an Alpaca record (see the module docstring for the separator)."""
    instruction, input_text = instruction.strip(), input_text.strip()
    return f"{instruction}\n{input_text}" if input_text else instruction


def alpaca_to_turns(record: Any, fields: Sequence[str] = ALPACA_FIELDS) -> Turns:
    """``(("human", instruction[+input]), ("assistant", output))``, or :class:`BadRecord`.

    ``fields`` names the instruction, input and output keys (the bilingual open-chinese file uses
    ``en_instruction``/``en_input``/``en_output`` for its English side).
    """
    record = _check_object(record)
    key_instruction, key_input, key_output = fields
    instruction = _text_field(record, key_instruction, required=True)
    input_text = _text_field(record, key_input, required=False)
    output = _text_field(record, key_output, required=True)
    human = alpaca_human_text(instruction, input_text)
    if not human:
        raise BadRecord("empty_turn", f"empty {key_instruction!r}")
    if not output.strip():
        raise BadRecord("empty_turn", f"empty {key_output!r}")
    return ((HUMAN, human), (ASSISTANT, output))


def conversation_to_turns(record: Any) -> tuple[Turns, bool]:
    """Validated ``(role, text)`` turns of a ShareGPT/BELLE record, and whether a trailing
    unanswered human turn was trimmed. Raises :class:`BadRecord` with the first problem found."""
    record = _check_object(record)
    if "conversations" not in record:
        raise BadRecord("missing_field", "no 'conversations'")
    raw_turns = record["conversations"]
    if not isinstance(raw_turns, list):
        raise BadRecord("wrong_type", f"'conversations' is {type(raw_turns).__name__}, not a list")
    if not raw_turns:
        raise BadRecord("empty_conversation")
    turns: list[tuple[str, str]] = []
    for index, turn in enumerate(raw_turns):
        if not isinstance(turn, dict):
            raise BadRecord("wrong_type", f"turn {index} is {type(turn).__name__}, not an object")
        if "from" not in turn or "value" not in turn:
            raise BadRecord("missing_field", f"turn {index} lacks 'from' or 'value'")
        role_name, value = turn["from"], turn["value"]
        if not isinstance(role_name, str) or not isinstance(value, str):
            raise BadRecord("wrong_type", f"turn {index}: 'from' and 'value' must be text")
        role = ROLE_MAP.get(role_name.strip().lower())
        if role is None:
            raise BadRecord("unknown_role", f"turn {index} is from {role_name!r}")
        expected = HUMAN if index % 2 == 0 else ASSISTANT
        if role != expected:
            if index == 0:
                raise BadRecord("not_starting_with_human", f"first turn is from {role_name!r}")
            raise BadRecord("not_alternating", f"turn {index} ({role_name!r}) follows a {turns[-1][0]} turn")
        if not value.strip():
            raise BadRecord("empty_turn", f"turn {index} ({role_name!r}) is empty")
        turns.append((role, value))
    trimmed = turns[-1][0] == HUMAN
    if trimmed:
        turns.pop()
    if not turns:
        raise BadRecord("no_assistant_turn", "a human turn with no reply")
    return tuple(turns), trimmed


def detect_format(records: Sequence[Any], *, origin: str, sample: int = 200) -> str:
    """``"conversation"`` or ``"alpaca"``, by the fields most of the first ``sample`` objects have.

    Majority rather than first record, so one malformed record at the top does not decide. A file
    in neither format is a :class:`DataError` that lists the fields that were found.
    """
    votes: Counter = Counter()
    seen_keys: Counter = Counter()
    for record in records[:sample]:
        if not isinstance(record, dict):
            continue
        seen_keys.update(record.keys())
        if "conversations" in record:
            votes["conversation"] += 1
        elif "instruction" in record and "output" in record:
            votes["alpaca"] += 1
    if not votes:
        fields = ", ".join(k for k, _ in seen_keys.most_common(8)) or "no JSON objects"
        raise DataError(
            f"{origin}: neither alpaca (instruction/input/output) nor conversation "
            f"(id/conversations) format; found: {fields}"
        )
    return votes.most_common(1)[0][0]
