"""Accounting for what happened to every record of a training source: kept, bad (by reason), filtered.

Public instruction data is messy (ShareGPT has empty turns and conversations that end on a
question; Alpaca has a few empty outputs). A bad record is skipped and *counted by reason* so the
report shows how much data each problem cost; a file whose records are mostly bad (more than half)
is almost certainly the wrong file or the wrong format, and raises :class:`DataError` naming it
rather than training on the remaining scraps.

Reasons (stable strings, used as report keys):

``invalid_json``             a JSON Lines line that does not parse
``not_an_object``            a record that is not a JSON object
``missing_field``            a required field is absent (``instruction``/``output``, ``conversations``,
                             a turn's ``from``/``value``)
``wrong_type``               a field of the wrong type (e.g. a number where text is expected)
``empty_conversation``       ``conversations`` is an empty list
``unknown_role``             a turn whose ``from`` is neither a human nor an assistant role
``not_starting_with_human``  the first turn is the assistant's
``not_alternating``          two human (or two assistant) turns in a row
``empty_turn``               a turn (or an instruction/output) that is empty or only whitespace
``no_assistant_turn``        nothing to learn from: no assistant reply at all

*Filtered* records are valid but deliberately left out (e.g. a ShareGPT conversation in a language
other than English or Chinese); they are reported separately and do not count towards "mostly bad".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.errors import DataError

BAD_REASONS: tuple[str, ...] = (
    "invalid_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "empty_conversation",
    "unknown_role",
    "not_starting_with_human",
    "not_alternating",
    "empty_turn",
    "no_assistant_turn",
)

MOSTLY_BAD_FRACTION = 0.5
MAX_EXAMPLES_PER_REASON = 5


class BadRecord(Exception):
    """Raised by a converter for a record it cannot use; ``reason`` is one of :data:`BAD_REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in BAD_REASONS:
            raise ValueError(f"unknown bad-record reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class FileStats:
    """Counts for one file (or one named source): records read, bad by reason, filtered by reason."""

    origin: str
    records: int = 0
    bad: Counter = field(default_factory=Counter)
    filtered: Counter = field(default_factory=Counter)
    bad_examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_bad(self) -> int:
        return sum(self.bad.values())

    def add_bad(self, reason: str, where: str, detail: str = "") -> None:
        self.bad[reason] += 1
        examples = self.bad_examples.setdefault(reason, [])
        if len(examples) < MAX_EXAMPLES_PER_REASON:
            examples.append(f"{where}: {detail}" if detail else where)

    def check_not_mostly_bad(self) -> None:
        """Raise :class:`DataError` naming the file when more than half its records are bad."""
        if self.records and self.n_bad > MOSTLY_BAD_FRACTION * self.records:
            reasons = ", ".join(f"{reason} {count}" for reason, count in self.bad.most_common())
            first = next(iter(self.bad_examples.values()), [""])[0]
            raise DataError(
                f"{self.origin}: {self.n_bad} of {self.records} records are unusable ({reasons}); "
                "is this the right file and format?",
                hint=f"First bad record: {first}" if first else None,
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "records": self.records,
            "bad": dict(self.bad.most_common()),
            "n_bad": self.n_bad,
            "filtered": dict(self.filtered.most_common()),
            "bad_examples": {k: list(v) for k, v in self.bad_examples.items()},
        }
