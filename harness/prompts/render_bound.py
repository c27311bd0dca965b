"""A bound on rendering a Jinja chat template: the characters it writes and the time it takes.

A chat template is code, run by transformers in Jinja's sandbox; the sandbox stops attribute
tricks, not loops, so nested loops render without end (or into gigabytes). Rendering is bounded
twice: the text is counted as Jinja streams it (:data:`MAX_RENDER_CHARS` plus a few times the
conversation's own length), and on the main thread a timer interrupts a render that runs past
:data:`MAX_RENDER_SECONDS` (a loop that writes nothing). Either way the error names the template.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from harness.errors import UsageError

MAX_RENDER_CHARS = 1_000_000  # plus CHARS_PER_INPUT_CHAR per character of the messages
CHARS_PER_INPUT_CHAR = 4
MAX_RENDER_SECONDS = 10.0
T = TypeVar("T")
_budget = threading.local()


class RenderBoundError(UsageError):
    """A template that rendered past a bound (exit 2): a fault of the template, not the data."""


def bounded_render(where: str, input_chars: int, jinja_source: str | None, render: Callable[[], T]) -> T:
    """``render()`` under the bounds of the module docstring; ``where`` names the template."""
    limit = MAX_RENDER_CHARS + CHARS_PER_INPUT_CHAR * input_chars
    _count_output_of(jinja_source)
    _budget.state = {"where": where, "limit": limit, "deadline": time.monotonic() + MAX_RENDER_SECONDS}
    try:
        with _timer(where):
            return render()
    finally:
        _budget.state = None


def _count_output_of(jinja_source: str | None) -> None:
    """Make the compiled template (transformers' cached one) concatenate through :func:`_concat`."""
    if jinja_source is None:
        return
    try:
        from transformers.utils.chat_template_utils import _compile_jinja_template
    except ImportError:  # another transformers: the timer still bounds the render
        return
    environment = _compile_jinja_template(jinja_source).environment
    environment.concat = _concat


def _concat(parts: Iterable[Any]) -> str:
    """``"".join(parts)``, stopping once the text passes the render's limit or its deadline."""
    return "".join(_counted(parts, getattr(_budget, "state", None)))


def _counted(parts: Iterable[Any], state: dict[str, Any] | None) -> Iterator[Any]:
    total = 0
    for part in parts:
        total += len(part)
        if state is not None and (total > state["limit"] or time.monotonic() > state["deadline"]):
            too_long = total > state["limit"]
            raise RenderBoundError(
                f"prompt template {state['where']}: rendering stopped "
                + (f"past {state['limit']:,} characters" if too_long else f"after {MAX_RENDER_SECONDS:g} s"),
                hint="A loop in the template runs without bound; fix the template.",
            )
        yield part


@contextmanager
def _timer(where: str) -> Iterator[None]:
    """On the main thread, a SIGALRM at the deadline raises :class:`RenderBoundError`."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise RenderBoundError(
            f"prompt template {where}: rendering stopped after {MAX_RENDER_SECONDS:g} s",
            hint="A loop in the template runs without bound; fix the template.",
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, MAX_RENDER_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def count_output(environment: Any) -> Any:
    """``environment`` (a Jinja environment), with its renders counted against the bound of the
    :func:`bounded_render` they run in."""
    environment.concat = _concat
    return environment
