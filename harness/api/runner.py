"""Run many API jobs at a bounded concurrency and hand each result over as soon as it is ready.

Components expose a synchronous interface (``judge(items, on_result=...)``) while the work is
asyncio underneath: :func:`run_jobs` runs a pool of ``concurrency`` worker coroutines pulling from a
queue (cheaper than one task per item for thousands of items), and calls ``on_done`` from the event
loop's thread under a lock, so the pipeline's append-to-disk callback is never entered twice at
once. If the caller is already inside an event loop (a notebook), the loop runs in a helper thread.
:func:`harness.api.processes.run_jobs_in_processes` runs the same loop in several forked processes
when litellm's per-request CPU, not the API, is what limits a run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
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
    jobs: Sequence[T],
    worker: Callable[[T], Awaitable[R]],
    on_done: Callable[[T, R], None],
    *,
    concurrency: int,
) -> None:
    queue: asyncio.Queue[T] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    deliver_lock = threading.Lock()

    async def work() -> None:
        while True:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            result = await worker(job)
            with deliver_lock:
                on_done(job, result)

    workers = [asyncio.create_task(work()) for _ in range(max(1, min(concurrency, len(jobs))))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()


def run_jobs(
    jobs: Sequence[T],
    worker: Callable[[T], Awaitable[R]],
    on_done: Callable[[T, R], None],
    *,
    concurrency: int,
    progress: ApiProgress | None = None,
) -> None:
    """Run ``worker`` over ``jobs`` (at most ``concurrency`` at once); ``on_done(job, result)`` is
    called once per job, serially, as results arrive. ``worker`` must not raise for an ordinary
    failure: it returns a failure result instead, so no job is lost."""

    def done(job: T, result: R) -> None:
        on_done(job, result)
        if progress is not None:
            progress.advance()

    if progress is not None:
        progress.start(len(jobs))
    try:
        run_sync(lambda: run_jobs_async(jobs, worker, done, concurrency=concurrency))
    finally:
        if progress is not None:
            progress.stop()
