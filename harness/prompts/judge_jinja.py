"""Rendering a YAML judge's message templates: Jinja's immutable sandbox (no attribute tricks, no
mutation, bounded ``*`` and ``**``), undefined names are errors (a typo never renders as empty text), and the render is
bounded in characters and time (:mod:`harness.prompts.render_bound`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from harness.errors import UsageError
from harness.prompts.render_bound import RenderBoundError, bounded_render, count_output


@lru_cache(maxsize=1)
def environment() -> Any:
    from jinja2 import StrictUndefined

    from harness.prompts.bounded_sandbox import BoundedSandbox

    env = BoundedSandbox(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    return count_output(env)


def check_template(source: str) -> str:
    """``""`` when ``source`` is a valid Jinja template, else the problem with its template line."""
    from jinja2 import TemplateSyntaxError

    try:
        environment().parse(source)
    except TemplateSyntaxError as exc:
        return f"template line {exc.lineno}: not a valid Jinja template ({exc.message})"
    return ""


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    return environment().from_string(source)


def render(source: str, context: dict[str, Any], *, where: str) -> str:
    """``source`` rendered with ``context``; any error is a usage error naming ``where``."""
    from jinja2 import TemplateError

    chars = sum(len(v) for v in context.values() if isinstance(v, str))
    try:
        return bounded_render(where, chars, None, lambda: _compiled(source).render(**context))
    except RenderBoundError:
        raise
    except (TemplateError, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise UsageError(
            f"{where}: the template cannot be rendered: {type(exc).__name__}: {exc}"[:400],
            hint="Names available: " + ", ".join(sorted(context)),
        ) from None
