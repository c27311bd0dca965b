"""Judge throughput against the local OpenAI-compatible server (real HTTP through litellm).

1. 1,000 judgments at 100 ms latency, concurrency 1 (measured on a subset, default 100, and
   extrapolated to 1,000 — the line says so) and at the default concurrency (16), the latter
   three times (``--repeats``), each run printed, the median compared with the limit;
2. the same with 10% injected 429/500 faults: every item judged exactly once, none lost, no answer
   fetched twice, retries == injected faults;
3. a second run from the cache: zero requests.

Prints wall times and ratios to the ideal (n x latency / concurrency). Done when the default
concurrency is within 1.25x of ideal. By default the server runs in a child process
(``python -m harness.testing``) so its CPU does not compete with the judge's event loop
for the GIL, as a real API server would not; ``--in-process`` runs it in a thread instead.

OpenAI-compatible endpoints go through the judge's direct httpx client on one event loop (no
worker processes; the litellm route costs ~5-8 ms of CPU a call, this one ~2 ms). The machine's
load average and a pure-Python speed probe are printed: on a machine whose cores are busy with
other work any client falls short of the ideal, so "judge CPU ms per judgment" (process CPU time)
is the figure to compare.

    python bench/judge_throughput.py [--n 1000] [--latency 0.1] [--serial-subset 100] [--repeats 3]
                                     [--in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from harness.judging.llm_judge import LLMJudge
from harness.protocols import EvalSample, JudgeItem

LIMIT = 1.25


def make_items(n: int) -> list[JudgeItem]:
    """Real BELLE eval questions when ../shared/data is present (1,000 of them), else synthetic."""
    from harness.paths import shared_data_dir

    questions: list[tuple[str, str, str]] = []
    shared = shared_data_dir()
    if shared is not None and (shared / "belle" / "eval_set.json").is_file():
        for line in (shared / "belle" / "eval_set.json").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            questions.append((record["question"], record["std_answer"], record["class"]))
    items = []
    for i in range(n):
        question, reference, cls = questions[i % len(questions)] if questions else (f"问题{i}", "答案", "open qa")
        sample = EvalSample(id=f"bench-{i}", question=question, category=cls.replace("\u00a0", " "),
                            reference=reference)
        items.append(JudgeItem(sample=sample, answer=f"模型回答{i}", category_prompt="请按照\"得分:\"这样的形式输出分数。",
                               gold_shown=bool(reference)))
    return items


class Server:
    """The test server, in a child process (default) or in a thread; ``stats()`` reads its counters."""

    def __init__(self, *, in_process: bool, **options) -> None:
        self.in_process = in_process
        self.options = options

    @contextmanager
    def running(self):
        if self.in_process:
            from harness.testing import ChatCompletionsServer

            with ChatCompletionsServer(**self.options) as server:
                self.base_url = server.base_url
                self._server = server
                yield self
            return
        args = [sys.executable, "-m", "harness.testing", "--latency", str(self.options["latency"]),
                "--fault-rate", str(self.options.get("fault_rate", 0)),
                "--faults", ",".join(self.options.get("faults", ("429", "500"))),
                "--retry-after", str(self.options.get("retry_after", 0.05)), "--seed", str(self.options.get("seed", 0))]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        try:
            self.base_url = proc.stdout.readline().strip()
            yield self
        finally:
            proc.terminate()
            proc.wait(10)

    def stats(self) -> dict:
        if self.in_process:
            return {"requests": self._server.n_requests, "counts": self._server.counts}
        with urllib.request.urlopen(self.base_url.removesuffix("/v1") + "/_stats", timeout=10) as response:
            return json.loads(response.read())


def speed_probe_ms() -> float:
    """Milliseconds for a fixed pure-Python loop (best of 3): how fast this machine runs Python now."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i * i
        best = min(best, time.perf_counter() - start)
    return best * 1000


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def judge_run(server: Server, items, *, concurrency: int, cache_path: Path, use_cache: bool):
    judge = LLMJudge(api_base=server.base_url, concurrency=concurrency, cache_path=cache_path,
                     use_cache=use_cache, progress=False, max_retries=8)
    before = server.stats()["counts"]
    out = []
    start, cpu_start, workers_start = time.perf_counter(), time.process_time(), _children_cpu()
    judge.judge(items, on_result=out.append)
    wall = time.perf_counter() - start
    # this process plus its joined worker processes (the server, a child still running, is not counted)
    cpu = time.process_time() - cpu_start + _children_cpu() - workers_start
    judge.stats["cpu_ms_per_judgment"] = cpu * 1000 / max(1, len(items))
    after = server.stats()["counts"]
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) - before.get(k, 0)}
    return wall, out, judge.stats, delta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serial-subset", type=int, default=100, help="items measured at concurrency 1")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs at the default concurrency; the median decides (each is printed)")
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key")
    items = make_items(args.n)
    tmp = Path(tempfile.mkdtemp(prefix="judge-bench-"))
    ok = True
    print(f"judge throughput: n={args.n}, latency={args.latency * 1000:.0f} ms, server "
          f"{'in-process thread' if args.in_process else 'child process'}, load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs, speed probe {speed_probe_ms():.0f} ms "
          f"(a fixed pure-Python loop; lower is faster)")

    with Server(in_process=args.in_process, latency=args.latency).running() as server:
        judge_run(server, make_items(20), concurrency=4, cache_path=tmp / "warm.sqlite", use_cache=False)  # warm-up
        subset = items[: args.serial_subset]
        wall1, out1, _, _ = judge_run(server, subset, concurrency=1, cache_path=tmp / "c1.sqlite", use_cache=False)
        ideal1 = len(subset) * args.latency
        extrapolated = wall1 * args.n / len(subset)
        print(f"  concurrency 1 : {len(subset)} judgments in {wall1:.2f} s (ideal {ideal1:.2f} s, "
              f"ratio {wall1 / ideal1:.3f}); extrapolated to {args.n}: {extrapolated:.1f} s "
              f"(ideal {args.n * args.latency:.1f} s)")
        ideal = args.n * args.latency / args.concurrency
        walls = []
        for k in range(args.repeats):  # each a full, fresh run of n judgments (nothing cached)
            wall, out, stats, delta = judge_run(server, items, concurrency=args.concurrency,
                                                cache_path=tmp / f"c{args.concurrency}-{k}.sqlite", use_cache=False)
            walls.append(wall)
            ok &= len(out) == args.n and stats["requests"] == args.n
            print(f"  concurrency {args.concurrency}, run {k + 1}/{args.repeats}: {len(out)} judgments in {wall:.2f} s "
                  f"(ideal {ideal:.2f} s, ratio {wall / ideal:.3f}); requests {stats['requests']}; "
                  f"judge CPU {stats['cpu_ms_per_judgment']:.1f} ms per "
                  f"judgment, all processes (the ideal {args.concurrency / args.latency:.0f}/s needs "
                  f"{stats['cpu_ms_per_judgment'] * args.concurrency / args.latency / 1000:.2f} cores of "
                  f"{os.cpu_count()})")
        wall = statistics.median(walls)
        ratio = wall / ideal
        ok &= ratio <= LIMIT
        print(f"  concurrency {args.concurrency}: median of {len(walls)} runs {wall:.2f} s (ideal {ideal:.2f} s, "
              f"ratio {ratio:.3f}, limit {LIMIT}; runs {', '.join(f'{w / ideal:.3f}' for w in walls)}) -> "
              f"{'PASS' if ratio <= LIMIT else 'FAIL'}; speed-up over concurrency 1: {extrapolated / wall:.1f}x")

    faults = ("429", "500")
    with Server(in_process=args.in_process, latency=args.latency, fault_rate=args.fault_rate, faults=faults,
                retry_after=args.latency, seed=1).running() as server:
        cache = tmp / "faults.sqlite"
        wall, out, stats, delta = judge_run(server, items, concurrency=args.concurrency, cache_path=cache,
                                            use_cache=True)
        injected = sum(v for k, v in delta.items() if k != "ok")
        ids = [j.id for j in out]
        once = len(ids) == len(set(ids)) == args.n and set(ids) == {i.sample.id for i in items}
        all_scored = all(j.status == "scored" for j in out)
        no_double = delta.get("ok", 0) == args.n
        counted = stats["retries"] == injected
        fault_ok = once and all_scored and no_double and counted
        ok &= fault_ok
        print(f"  {args.fault_rate:.0%} faults ({'/'.join(faults)}): {len(out)} judgments in {wall:.2f} s "
              f"(ratio {wall / ideal:.3f}); injected {injected} ({delta}), retries {stats['retries']}; "
              f"each id exactly once: {once}; all scored: {all_scored}; answers fetched once: {no_double} "
              f"-> {'PASS' if fault_ok else 'FAIL'}")
        wall, out, stats, delta = judge_run(server, items, concurrency=args.concurrency, cache_path=cache,
                                            use_cache=True)
        cached_ok = sum(delta.values()) == 0 and stats["requests"] == 0 and stats["cache_hits"] == args.n
        ok &= cached_ok and len(out) == args.n
        print(f"  cached re-run: {len(out)} judgments in {wall:.2f} s, requests to the server "
              f"{sum(delta.values())}, cache hits {stats['cache_hits']} "
              f"-> {'PASS' if cached_ok else 'FAIL'}")
    print("overall:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
