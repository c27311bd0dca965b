"""An executor that runs litellm's request building in the event loop's own thread.

WHY: ``litellm.acompletion`` hands its synchronous ``completion()`` to the loop's default executor
(``loop.run_in_executor(None, ...)``) and awaits the coroutine it returns. For providers served by
litellm's native async HTTP path (OpenAI and every OpenAI-compatible server), that call only
builds the request: pure Python CPU work, no I/O. Running it in a worker thread buys no
parallelism (the GIL) and costs a thread hop per request plus GIL hand-offs with the event loop
thread, which waits up to the interpreter's switch interval (5 ms) each time the worker holds the
GIL. Measured on the 2-core CI machine against the local test server: ~18% less CPU per request
and a 5-8% shorter run at concurrency 16 and 100 ms latency (``bench/judge_throughput.py``).

Safety net: a call that turns out to block (a provider whose ``completion()`` does its HTTP call
synchronously, a credential refresh) would stall every request on the loop. After
:data:`SLOW_CALLS_BEFORE_THREADS` calls each longer than :data:`BLOCKING_CALL_SECONDS`, this
executor sends every later call to a real thread pool. Not after the first slow one: litellm's
first request in a process takes ~1 s inline, importing ~500 modules, once.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Request building takes ~1-2 ms; a call this slow is doing I/O (or importing, the first time).
BLOCKING_CALL_SECONDS = 0.25
SLOW_CALLS_BEFORE_THREADS = 3


class InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """``submit`` runs the call at once in the calling thread and returns a finished future, until
    calls block (see the module docstring); from then on they go to a real thread pool.

    A :class:`~concurrent.futures.ThreadPoolExecutor` subclass because
    :meth:`asyncio.loop.set_default_executor` accepts nothing else; it starts no thread itself.
    """

    def __init__(self, *, blocking_seconds: float = BLOCKING_CALL_SECONDS,
                 slow_calls_before_threads: int = SLOW_CALLS_BEFORE_THREADS) -> None:
        super().__init__(max_workers=None, thread_name_prefix="litellm-request")
        self.blocking_seconds = blocking_seconds
        self.slow_calls_before_threads = slow_calls_before_threads
        self.inline = True
        self.inline_calls = 0
        self.slow_calls = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        if not self.inline:
            return super().submit(fn, *args, **kwargs)
        future: concurrent.futures.Future = concurrent.futures.Future()
        started = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # the future carries it to the awaiting coroutine, as a thread would
            future.set_exception(exc)
        else:
            future.set_result(result)
        self.inline_calls += 1
        elapsed = time.perf_counter() - started
        if elapsed > self.blocking_seconds:  # only the loop's thread submits: no lock needed
            self.slow_calls += 1
            if self.slow_calls >= self.slow_calls_before_threads:
                self.inline = False
                log.info("%d calls took over %.0f ms inline (the last %.0f ms); running later calls in threads",
                         self.slow_calls, self.blocking_seconds * 1000, elapsed * 1000)
        return future
