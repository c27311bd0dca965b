"""The report pages' Jinja2 environment: templates with autoescape, CSS and JS inlined from files.

Why Jinja with ``autoescape``: every question, answer, judge reply, name and note is untrusted text,
and a template escapes each value it prints unless the code says otherwise (:class:`Markup`), so
forgetting to escape is no longer possible by omission. ``StrictUndefined`` makes a misspelt name an
error instead of an empty cell. Templates (``templates/*.html.j2``) and the CSS/JS they inline
(``static/``) ship with the package and are read through :mod:`importlib.resources`; the page a
template renders is one self-contained file (no external URL), so it opens offline.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from harness.report import cells
from harness.report.escape import html_text

if TYPE_CHECKING:
    from jinja2 import Environment

_PACKAGE = "harness.report"
# a static file is inlined into <style> or <script>: it must not be able to close that element
_CLOSERS = ("</style", "</script", "<!--")


def _read(folder: str, name: str) -> str:
    return resources.files(_PACKAGE).joinpath(folder).joinpath(name).read_text(encoding="utf-8")


@cache
def static_text(name: str) -> Markup:
    """A file of ``static/``, to inline as it is (it is the harness's own, not data)."""
    text = _read("static", name)
    if any(closer in text.lower() for closer in _CLOSERS):
        raise ValueError(f"static/{name} would close the element it is inlined into")
    return Markup(text)


def script_json(value: Any) -> Markup:
    """``value`` as JSON safe inside a ``<script>`` element: ``<``, ``>``, ``&`` and the line
    separators U+2028/U+2029 are written as ``\\u`` escapes, so no data can end the script."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for char in ("<", ">", "&", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return Markup(text)


def _escaped(value: Any) -> Any:
    """Text printed by a template goes through the one escaping module (:mod:`harness.report.escape`);
    what is already markup (a macro's output, :func:`static_text`) and numbers pass as they are."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html_text(value))
    return value


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _sorted_turns(turns: Any) -> list[str]:
    return sorted(turns, key=int)


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, FunctionLoader, StrictUndefined

    env = Environment(
        loader=FunctionLoader(lambda name: _read("templates", name)),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        static=static_text,
        fmt=cells.fmt,
        score_text=cells.score_text,
        lang=cells.lang_markup,
        signed=cells.signed,
        sorted_turns=_sorted_turns,
        preview_chars=cells.PREVIEW_CHARS,
    )
    env.filters.update(script_json=script_json, pct=_percent)
    return env


def render(template: str, **context: Any) -> str:
    """The page ``templates/<template>`` renders with ``context``."""
    return environment().get_template(template).render(**context)
