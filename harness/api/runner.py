"""Run many API jobs at a bounded concurrency and hand each result over as soon as it is ready.

Components expose a synchronous interface (``judge(items, on_result=...)``) while the work is
asyncio underneath: :func:`run_jobs` runs a pool of ``concurrency`` worker coroutines pulling from
one iterator (cheaper than one task per item for thousands of items), and calls ``on_done`` from the event
loop's thread under a lock, so the pipeline's append-to-disk callback is never entered twice at
once. If the caller is already inside an event loop (a notebook), the loop runs in a helper thread.
One loop is enough: the direct OpenAI-compatible client costs under 1 ms of CPU a judgment
(``bench/judge_throughput.py``), so one process keeps hundreds of requests in flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence, Sized
from typing import Any, TypeVar

from harness.api.progress import ApiProgress

T = TypeVar("T")
R = TypeVar("R")


def run_sync(make_coro: Callable[[], Coroutine[Any, Any, R]]) -> R:
    """Run a coroutine to completion from synchronous code, even inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coro())).result()


async def run_jobs_async(
    jobs: Iterable[T],
    worker: Callable[[T], Awaitable[R]],
    on_done: Callable[[T, R], None],
    *,
    concurrency: int,
    finalize: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """``concurrency`` worker coroutines take jobs from one iterator over ``jobs`` until it is
    exhausted (each job goes to exactly one of them); ``jobs`` may be a lazy iterator.
    ``finalize`` is awaited in this loop at the end, whatever happened (to close connections)."""
    if isinstance(jobs, Sized):
        concurrency = min(concurrency, len(jobs))
    source = iter(jobs)
    deliver_lock = threading.Lock()

    async def work() -> None:
        for job in source:  # shared by every worker coroutine: next() hands each job out once
            result = await worker(job)
            with deliver_lock:
                on_done(job, result)

    workers = [asyncio.create_task(work()) for _ in range(max(1, concurrency))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        if finalize is not None:
            await asyncio.gather(*workers, return_exceptions=True)  # let them unwind, then close
            await finalize()


def run_jobs(
    jobs: Sequence[T],
    worker: Callable[[T], Awaitable[R]],
    on_done: Callable[[T, R], None],
    *,
    concurrency: int,
    progress: ApiProgress | None = None,
    finalize: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run ``worker`` over ``jobs`` (at most ``concurrency`` at once); ``on_done(job, result)`` is
    called once per job, serially, as results arrive. ``worker`` must not raise for an ordinary
    failure: it returns a failure result instead, so no job is lost. ``finalize``: see
    :func:`run_jobs_async`."""

    def done(job: T, result: R) -> None:
        on_done(job, result)
        if progress is not None:
            progress.advance()

    if progress is not None:
        progress.start(len(jobs))
    try:
        run_sync(lambda: run_jobs_async(jobs, worker, done, concurrency=concurrency, finalize=finalize))
    finally:
        if progress is not None:
            progress.stop()
