"""SIGTERM ends a run the way Ctrl-C does: records kept, ``run.json`` says ``interrupted``.

By default SIGTERM (``kill``, a batch scheduler's time limit, ``docker stop``) ends Python at once,
with no ``finally`` run, so ``run.json`` would claim ``running`` for ever. While a run works it
turns SIGTERM into :class:`KeyboardInterrupt`, which every stage already handles.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`KeyboardInterrupt` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
