"""Making untrusted text inert in every report format, in one place.

Why one module: a category display name, a run name, a note or a judge reply comes from a plugin,
a registry YAML or a model, and each report format has its own way of turning text into action: a
spreadsheet runs a CSV cell starting with ``=`` as a formula, a Markdown viewer renders ``<script>``
and ``[link](...)``, a browser runs HTML, and rich reads ``[bold]`` as markup. Each writer passes
every piece of such text through the function for its format here, so the rules live once:

* :func:`csv_cell` -- a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading single quote (OWASP's advice against CSV injection); numbers are left alone;
* :func:`markdown_text` -- ``<``, ``>`` and ``&`` become entities, Markdown's punctuation (``|``
  included, so a table keeps its columns) is backslash-escaped, newlines become spaces;
* :func:`html_text` -- ``html.escape`` with quotes (also safe inside attributes);
* :func:`terminal_text` -- rich markup escaped, so ``[bold]`` is printed as written, and control
  characters shown escaped (every console: :mod:`harness.terminal`).

A leaf module: imports only the standard library (rich only when :func:`terminal_text` runs).
"""

from __future__ import annotations

import html
import re
from typing import Any

from harness.terminal import inert

CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Markdown punctuation that can start emphasis, code, links, images, headings, tables or HTML
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#+!|~])")


def csv_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will not run it: text starting with a formula trigger is quoted."""
    if isinstance(value, str) and value.startswith(CSV_TRIGGERS):
        return "'" + value
    return value


def markdown_text(value: Any) -> str:
    """``value`` as literal text in Markdown (also inside a table cell)."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # entities last: a backslash before '&' would otherwise be doubled into the entity
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_text(value: Any) -> str:
    """``value`` as literal text in HTML, in an element or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def terminal_text(value: Any) -> str:
    """``value`` as literal text in a rich console string or table cell: markup escaped, control
    and bidi characters shown as escapes (the console does that too; :mod:`harness.terminal`)."""
    from rich.markup import escape

    return escape(inert(value))
