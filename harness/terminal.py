"""What reaches the terminal is inert: one console factory, and one rule for text printed without it.

Why: a category name, a dataset path, a plugin's error or a server's reply reaches the terminal in
tables, progress bars, logs and error messages. Printed as it is, ``ESC`` clears the screen or sets
the window title, ``U+202E`` reverses the text after it, and rich turns ``:smile:`` into an emoji
and ``[red]`` into markup. So:

* :func:`inert` shows C0 controls (but newline and tab), DEL, C1 controls and the bidirectional
  marks, embeddings, overrides and isolates as visible escapes (``\\x1b``, ``\\u202e``);
* :func:`make_console` is the rich console every command prints through: emoji codes off, no
  highlighting, every string made inert before rich parses it (so widths are measured on what is
  shown) and every segment it renders made inert again (text built as ``Text`` objects, progress
  bars); rich's own control sequences (styles, cursor moves) pass;
* :func:`json_text` is JSON that a terminal shows as written: the same characters as ``\\u``
  escapes, which JSON readers decode to the very same string.

Markup in user text is still the caller's to escape (:func:`harness.report.escape.terminal_text`).
A leaf module: rich is imported only when a console is made.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: Any) -> str:
    """``text`` with every control and bidi character shown as an escape (newline and tab kept)."""
    text = "" if text is None else str(text)
    return UNSAFE.sub(_visible, text) if UNSAFE.search(text) else text


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(value: Any, **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)`` with control and bidi characters as
    ``\\u`` escapes: the same JSON, shown as written."""
    return UNSAFE.sub(_json_escape, json.dumps(value, ensure_ascii=False, **options))


@cache
def _console_class() -> type:
    from rich.console import Console
    from rich.segment import Segment

    class InertConsole(Console):
        """A rich console that shows control and bidi characters of the text it prints escaped."""

        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(inert(text), **kwargs)

        def render(self, renderable: Any, options: Any = None) -> Any:
            for segment in super().render(renderable, options):
                if segment.control or not UNSAFE.search(segment.text):
                    yield segment
                else:
                    yield Segment(inert(segment.text), segment.style)

    return InertConsole


def make_console(stderr: bool = False, **options: Any) -> Any:
    """The console to print through: emoji codes off, no highlighting, text inert (see above)."""
    options.setdefault("highlight", False)
    return _console_class()(stderr=stderr, emoji=False, **options)
