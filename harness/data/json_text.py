"""Decoding JSON a user can edit: every undecodable text is a decode error, in linear time.

Beyond text that is not JSON (``JSONDecodeError``), the json module fails on two hostile inputs
with bare exceptions: nesting deeper than the interpreter's stack (``RecursionError``) and an
integer of more than ``sys.get_int_max_str_digits()`` digits (``ValueError``: Python refuses the
quadratic conversion). Here both become :class:`TooComplex`, a ``JSONDecodeError`` (so readers
report it like any malformed line and never take it for a torn one), or, where the caller names the
place, a :class:`DataError` at that file and line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from harness.errors import DataError, UsageError
from harness.io import FileTooLarge, read_bytes_bounded

# run.json, scores.json and their kind hold settings and figures, never records: anything larger
# is not the harness's
MAX_JSON_OBJECT_BYTES = 64 * 2**20

_WHITESPACE = re.compile(r"[ \t\r\n]*")


class TooComplex(json.JSONDecodeError):
    """Whole JSON the json module cannot read (too deep, too long a number): never a torn line."""


class LineCounter:
    """1-based line numbers of increasing offsets into one text, counted incrementally, so numbering
    every item of a file costs one pass over it (counting from the start each time is quadratic)."""

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def at(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def skip_whitespace(text: str, pos: int) -> int:
    """The offset of the first character at or after ``pos`` that is not JSON whitespace."""
    match = _WHITESPACE.match(text, pos)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def loads(text: str | bytes, *, where: str | None = None) -> Any:
    """``json.loads(text)``; too deep or too long a number raises :class:`TooComplex`, or a
    :class:`DataError` at ``where`` when given."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _too_complex(exc, text, where) from None


def raw_decode(decoder: json.JSONDecoder, text: str, pos: int, *, where: str) -> tuple[Any, int]:
    """``decoder.raw_decode(text, pos)``, with the errors of :func:`loads` at ``where``."""
    try:
        return decoder.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _too_complex(exc, text, where) from None


def _problem(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if "integer string conversion" in str(exc) or "digits" in str(exc):
        return f"an integer of more than {sys.get_int_max_str_digits()} digits"
    return f"invalid JSON ({exc})"


def _too_complex(exc: Exception, text: str | bytes, where: str | None) -> Exception:
    problem = _problem(exc)
    if where is None:
        return TooComplex(problem, text if isinstance(text, str) else "", 0)
    return DataError(f"{where}: JSON {problem}", hint="Fix or remove that record and run again.")


def read_json_object(path: Path, *, hint: str | None = None) -> dict[str, Any]:
    """The JSON object in ``path``; a damaged file (bad JSON, not UTF-8, not an object) is a usage
    error naming the file and line -- what the harness wrote and someone edited or cut short."""
    hint = hint or "The file is damaged: restore it from a copy, or remove it and run again."
    try:
        data = loads(read_bytes_bounded(path, MAX_JSON_OBJECT_BYTES).decode("utf-8"))
    except FileTooLarge as exc:
        raise UsageError(str(exc), hint=hint) from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 (offset {exc.start})", hint=hint) from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})", hint=hint
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}:1: expected a JSON object, got {type(data).__name__}", hint=hint)
    return data
