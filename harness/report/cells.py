"""How a value is shown in an HTML report cell: numbers to 3 decimals, scores as read, Chinese marked.

A leaf of the report package: the templates' helpers (:mod:`harness.report.templating`) and the
page builders both use these, so neither imports the other for them.
"""

from __future__ import annotations

import math
import re
from typing import Any

from markupsafe import Markup

PREVIEW_CHARS = 60
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def lang_attr(text: Any) -> str:
    """`` lang="zh"`` for text holding Chinese (the page itself is ``lang="en"``), else nothing."""
    return ' lang="zh"' if text is not None and _CJK.search(str(text)) else ""


def lang_markup(text: Any) -> Markup:
    """:func:`lang_attr` for a template (an attribute, not text to escape)."""
    return Markup(lang_attr(text))


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def score_text(value: Any) -> str:
    """A judge's score as shown: a number to 3 decimals (``0.053``, not ``0.052532833020637895``);
    anything else as it is (text, to be escaped where it is written)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return fmt(float(value))
    return "" if value is None else str(value)


def signed(value: float | None) -> str:
    """A difference with its sign: ``+0.050``, ``-0.120``; ``–`` when there is none."""
    return "–" if value is None else f"{'+' if value >= 0 else ''}{value:.3f}"
