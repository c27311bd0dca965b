"""Decoding JSON read from a data file, in linear time, with errors that name the file and the line.

Beyond text that is not JSON (``JSONDecodeError``, which callers word for their own files),
``json`` fails on two hostile inputs with bare exceptions: nesting deeper than the interpreter's
stack (``RecursionError``) and an integer of more than ``sys.get_int_max_str_digits()`` digits
(``ValueError``: Python refuses to convert one, the conversion being quadratic). Both become a
:class:`DataError` here, at the line where the value starts.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from harness.errors import DataError

_WHITESPACE = re.compile(r"[ \t\r\n]*")


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
    return _WHITESPACE.match(text, pos).end()


def loads(text: str, *, where: str) -> Any:
    """``json.loads(text)``; too deep or too long a number is a :class:`DataError` at ``where``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _hostile(exc, where) from None


def raw_decode(decoder: json.JSONDecoder, text: str, pos: int, *, where: str) -> tuple[Any, int]:
    """``decoder.raw_decode(text, pos)``, with the errors of :func:`loads`."""
    try:
        return decoder.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _hostile(exc, where) from None


def _hostile(exc: Exception, where: str) -> DataError:
    if isinstance(exc, RecursionError):
        problem = "JSON nested too deeply to read"
    elif "integer string conversion" in str(exc):
        problem = f"a number of more than {sys.get_int_max_str_digits()} digits"
    else:
        problem = f"invalid JSON ({exc})"
    return DataError(f"{where}: {problem}", hint="Fix or remove that record and run again.")
