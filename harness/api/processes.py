"""Run API jobs in several forked worker processes when one event loop's CPU is the bottleneck.

WHY: each ``litellm.acompletion`` costs ~8 ms of CPU (OpenAI SDK request building, litellm's
logging and cost bookkeeping), and :func:`harness.api.runner.run_jobs` runs every request in one
event loop in one process, so a run tops out near 120 requests/s however fast the API is: at
concurrency 16 and 100 ms latency the API could give 160/s. Several processes, each running the
ordinary :func:`run_jobs_async`, lift that ceiling. Workers take jobs from one shared counter as
their slots free up (not a fixed share each), so a worker slowed by the scheduler takes fewer and
the run does not wait at the end for the slowest share.

What the single-process path guarantees still holds:

* at most ``concurrency`` requests in flight in total: it is split among the workers as evenly as
  it goes (``ceil(concurrency / processes)`` or one less each), never more workers than that;
* ``on_done`` is called in the parent, in one thread, serially, exactly once per job; the progress
  bar (rate, ETA, failures, spend) advances there;
* a worker that dies (killed, crashed) loses nothing silently: the parent notices its exit without
  a "done" message and hands each job it had taken and not reported to ``on_done`` as
  ``lost(job, reason)`` (a failure result, which the pipeline retries next run), never twice; the
  jobs nobody had taken yet go to the surviving workers;
* ``max_cost`` holds for the run as a whole: the budget's spend lives in shared memory
  (:meth:`Budget.share_across_processes`) that every worker adds to and checks;
* the client's statistics in the parent are the sum over the parent and all workers, kept current
  from the counters each worker sends with every result;
* ``KeyboardInterrupt`` (or any error) in the parent terminates the workers and propagates.

Workers are forked (Linux): they inherit the imported litellm (spawning would re-import it, ~2 s)
and the component's state, so nothing, the API key included, is pickled or written anywhere; only
results and counters cross the pipes. A process that has sent no request yet sends the first job
itself before forking: litellm imports ~500 more modules during its first request, and workers
forked before that would each import them again, all at once (~1 s of CPU each). Each worker
re-opens its SQLite connection, builds fresh HTTP clients (:meth:`ChatClient.after_fork`) and dies
with its parent (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from harness.api.client import ChatClient, request_sent_in_this_process
from harness.api.progress import ApiProgress
from harness.api.runner import run_jobs_async, run_sync

T = TypeVar("T")
R = TypeVar("R")

MAX_AUTO_PROCESSES = 4
# Requests in flight one worker's event loop is given when the count is automatic. Each reply costs
# its loop several ms of CPU, and replies that arrive while the loop is busy wait: fewer per loop
# means less of that queueing in every request's latency. Workers are mostly idle (waiting on the
# API), so more of them than cores still pays: on 2 cores at concurrency 16 and 100 ms latency,
# 4 workers finished 1,000 judgments in 1.16-1.22x the ideal, 2 workers in 1.17-1.25x
# (bench/judge_throughput.py).
REQUESTS_PER_PROCESS = 4
# Below this many uncached jobs, or this concurrency, forking costs more than one loop's CPU limit.
MIN_JOBS_FOR_PROCESSES = 64
MIN_CONCURRENCY_FOR_PROCESSES = 8
PR_SET_PDEATHSIG = 1


def fork_available() -> bool:
    """Fork-based workers are possible: Linux, and litellm's opt-in Rust runtime not enabled (its
    threads do not survive ``fork``: a child of a process that ran it cannot call native routes)."""
    rust = os.environ.get("LITELLM_RUST", "").strip().lower() in {"1", "true", "yes", "on", "t", "y"}
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods() and not rust


def choose_processes(requested: int | None, *, n_uncached: int, concurrency: int) -> int:
    """How many worker processes to use: ``requested`` if given (1 = the in-process path), else one
    per :data:`REQUESTS_PER_PROCESS` requests in flight, at most :data:`MAX_AUTO_PROCESSES`, when
    the work is big and parallel enough to pay for forking. Never more processes than
    ``concurrency`` (each needs at least one request in flight), and 1 without fork."""
    if requested is not None and requested < 1:
        from harness.errors import UsageError

        raise UsageError(f"processes must be at least 1, not {requested}")
    if not fork_available():
        return 1
    if requested is None:
        if n_uncached < MIN_JOBS_FOR_PROCESSES or concurrency < MIN_CONCURRENCY_FOR_PROCESSES:
            return 1
        requested = min(MAX_AUTO_PROCESSES, -(-concurrency // REQUESTS_PER_PROCESS))
    return max(1, min(requested, concurrency, n_uncached))


def plan_processes(
    requested: int | None, jobs: Sequence[T], *, concurrency: int, is_cached: Callable[[T], bool]
) -> tuple[int, list[T], list[T]]:
    """``(processes, cached, uncached)`` for ``jobs``. Cached jobs (no request, little CPU) are left
    to the parent, so only the uncached ones count towards forking; with 1 process, ``cached`` is
    empty and ``uncached`` is every job (the cache is only read when forking is possible at all)."""
    jobs = list(jobs)
    if choose_processes(requested, n_uncached=len(jobs), concurrency=concurrency) == 1:
        return 1, [], jobs
    cached: list[T] = []
    uncached: list[T] = []
    for job in jobs:
        (cached if is_cached(job) else uncached).append(job)
    processes = choose_processes(requested, n_uncached=len(uncached), concurrency=concurrency)
    return (processes, cached, uncached) if processes > 1 else (1, [], jobs)


def run_jobs_in_processes(
    jobs: Sequence[T],
    worker: Callable[[T], Awaitable[R]],
    on_done: Callable[[T, R], None],
    *,
    concurrency: int,
    processes: int,
    client: ChatClient,
    lost: Callable[[T, str], R],
    progress: ApiProgress | None = None,
    parent_jobs: Sequence[T] = (),
) -> None:
    """Like :func:`harness.api.runner.run_jobs`, with ``jobs`` shared among ``processes`` forked
    workers. ``parent_jobs`` (e.g. cache hits: no request, little CPU) run first in the parent's own
    loop. ``worker`` and ``on_done`` are the same callables as for ``run_jobs``; results must be
    picklable. ``lost(job, reason)`` builds the failure result for a job whose worker died."""
    total = len(parent_jobs) + len(jobs)

    def done(job: T, result: R) -> None:
        on_done(job, result)
        if progress is not None:
            progress.advance()

    inline = client.builds_requests_inline
    if progress is not None:
        progress.start(total)
    try:
        if parent_jobs:
            run_sync(lambda: run_jobs_async(parent_jobs, worker, done, concurrency=concurrency,
                                            inline_executor=inline))
        if jobs and not request_sent_in_this_process():  # warm up litellm here, once (module docstring)
            first, jobs = jobs[:1], jobs[1:]
            run_sync(lambda: run_jobs_async(first, worker, done, concurrency=1, inline_executor=inline))
        if jobs:
            _Pool(jobs, worker, done, concurrency=concurrency, processes=processes, client=client, lost=lost).run()
    finally:
        if progress is not None:
            progress.stop()


# How long a worker waits for the shared job counter's lock before it stops taking jobs: only a
# worker that died inside the few-microsecond critical section can hold it that long, and the
# parent then hands every job nobody took to ``lost`` instead of letting the others hang.
CLAIM_LOCK_TIMEOUT = 10.0
UNCLAIMED = -1


class _Worker:
    """One forked worker as the parent sees it: its process and its pipe."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.process: Any = None
        self.reader: Connection | None = None
        self.finished = False  # its "done" (or "error") message arrived, or it was found dead
        self.last_stats: dict[str, Any] | None = None


class _Pool:
    def __init__(
        self,
        jobs: Sequence[T],
        worker: Callable[[T], Awaitable[R]],
        done: Callable[[T, R], None],
        *,
        concurrency: int,
        processes: int,
        client: ChatClient,
        lost: Callable[[T, str], R],
    ) -> None:
        self.jobs = list(jobs)
        self.worker = worker
        self.done = done
        self.client = client
        self.lost = lost
        self.processes = max(1, min(processes, concurrency, len(self.jobs)))
        # concurrency split as evenly as it goes (16 over 3: 6, 5, 5): the total is exactly concurrency
        self.shares = [concurrency // self.processes + (k < concurrency % self.processes)
                       for k in range(self.processes)]
        self.delivered = [False] * len(self.jobs)
        self.next_job: Any = None  # shared: the index of the next job nobody has taken
        self.taken_by: Any = None  # shared: which worker took each job (UNCLAIMED until one does)

    # ------------------------------------------------------------------------------------ parent

    def run(self) -> None:
        context = multiprocessing.get_context("fork")
        self.client.budget.share_across_processes(context)
        self.next_job = context.Value("l", 0)
        self.taken_by = context.Array("h", [UNCLAIMED] * len(self.jobs), lock=False)
        workers = [_Worker(k) for k in range(self.processes)]
        parent_pid = os.getpid()
        try:
            for w in workers:
                reader, writer = context.Pipe(duplex=False)
                w.process = context.Process(
                    target=self._child,
                    args=(w.number, self.shares[w.number], writer, parent_pid),
                    name=f"api-worker-{w.number}",
                    daemon=True,
                )
                w.process.start()
                writer.close()  # only the child holds the write end, so its death shows as EOF here
                w.reader = reader
            self._collect(workers)
            # every worker ended; a job none of them took (all died, or one died holding the counter)
            self._lose_undelivered(range(len(self.jobs)), "no worker process was left to run it")
            for w in workers:  # all reported "done": let them exit on their own (briefly)
                w.process.join(5)
        finally:
            for w in workers:  # interrupted, or a straggler: stop it now
                if w.process is not None and w.process.is_alive():
                    w.process.terminate()
            for w in workers:
                if w.process is not None:
                    w.process.join(10)
                    if w.process.is_alive():
                        w.process.kill()
                        w.process.join()
                if w.reader is not None:
                    w.reader.close()

    def _collect(self, workers: list[_Worker]) -> None:
        while not all(w.finished for w in workers):
            waiting = {}
            for w in workers:
                if not w.finished:
                    waiting[w.reader] = w
                    waiting[w.process.sentinel] = w
            for ready in wait(list(waiting), timeout=5.0):
                w = waiting[ready]
                if w.finished:
                    continue
                if ready is w.reader:
                    self._receive(w)
                else:  # the process ended: take what it sent before, then account for the rest
                    self._drain(w)
                    if not w.finished:
                        w.process.join()
                        self._worker_gone(w, f"worker process {w.number} died (exit code {w.process.exitcode})")

    def _drain(self, w: _Worker) -> None:
        while not w.finished and w.reader.poll():
            if not self._receive(w):
                return

    def _receive(self, w: _Worker) -> bool:
        """Handle one message from ``w``; ``False`` at end of stream (the worker is gone)."""
        try:
            message = w.reader.recv()
        except (EOFError, OSError):
            w.process.join()
            self._worker_gone(w, f"worker process {w.number} died (exit code {w.process.exitcode})")
            return False
        kind, payload, stats = message
        self.client.stats.add_growth(stats, w.last_stats)
        w.last_stats = stats
        if kind == "result":
            index, result = payload
            if not self.delivered[index]:  # never twice, whatever a worker sends
                self.delivered[index] = True
                self.done(self.jobs[index], result)
        elif kind == "done":
            self._worker_gone(w, f"worker process {w.number} ended without reporting this job")
        else:  # "error": the worker raised; payload is the reason
            self._worker_gone(w, f"worker process {w.number} failed: {payload}")
        return True

    def _worker_gone(self, w: _Worker, reason: str) -> None:
        """``w`` will send nothing more: each job it took and did not report ends as ``lost``."""
        w.finished = True
        self._lose_undelivered([i for i in range(len(self.jobs)) if self.taken_by[i] == w.number], reason)

    def _lose_undelivered(self, indices: Any, reason: str) -> None:
        reason = self.client.scrub(reason)
        for index in indices:
            if not self.delivered[index]:
                self.delivered[index] = True
                self.done(self.jobs[index], self.lost(self.jobs[index], reason))

    # ------------------------------------------------------------------------------------- child

    def _take_job(self, number: int) -> int | None:
        """The index of the next job nobody has taken, now marked as worker ``number``'s; ``None``
        when none is left (or the counter's lock is stuck: see :data:`CLAIM_LOCK_TIMEOUT`)."""
        lock = self.next_job.get_lock()
        if not lock.acquire(timeout=CLAIM_LOCK_TIMEOUT):
            return None
        try:
            index = self.next_job.value
            if index >= len(self.jobs):
                return None
            self.taken_by[index] = number  # before the counter moves on: a job is never unaccounted
            self.next_job.value = index + 1
        finally:
            lock.release()
        return index

    def _child(self, number: int, concurrency: int, writer: Connection, parent_pid: int) -> None:
        _die_with_parent(parent_pid)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
        asyncio.events._set_running_loop(None)  # forked from inside a running loop (a notebook)
        # Everything inherited (litellm's ~400k objects) is long-lived: keep the collector from
        # rescanning it (~5% of a request's CPU) and from dirtying the pages shared with the parent.
        gc.freeze()
        self.client.after_fork()
        stats = self.client.stats
        jobs = self.jobs
        worker = self.worker

        async def one(index: int) -> R:
            return await worker(jobs[index])

        def report(index: int, result: R) -> None:
            writer.send(("result", (index, result), stats.snapshot()))

        try:
            taken = iter(lambda: self._take_job(number), None)
            run_sync(lambda: run_jobs_async(taken, one, report, concurrency=concurrency,
                                            inline_executor=self.client.builds_requests_inline))
        except BaseException as exc:
            writer.send(("error", f"{type(exc).__name__}: {exc}"[:500], stats.snapshot()))
            traceback.print_exc()
            os._exit(1)
        writer.send(("done", None, stats.snapshot()))
        writer.close()


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGTERM this process when its parent dies, so no worker outlives a killed run."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)
