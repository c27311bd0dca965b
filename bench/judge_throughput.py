"""Judge throughput against the local OpenAI-compatible server (real HTTP), side by side in one run.

1. 1,000 judgments at 100 ms latency, concurrency 1 (measured on a subset, default 100, and
   extrapolated to 1,000 -- the line says so) and at concurrency 16, three times (``--repeats``),
   each run printed, the median compared with the targets: at most 1.10x the ideal wall time and
   at most 3.5 ms of client CPU per judgment. The same workload through the plain ``openai`` SDK
   (``AsyncOpenAI`` + a semaphore), bare ``aiohttp`` (the floor this server and machine allow) and,
   when installed, Inspect AI's ``generate()`` run
   interleaved with the harness's and is printed beside it;
2. the same with 10% injected 429/500 faults: every item judged exactly once, none lost, no answer
   fetched twice, retries == injected faults;
3. a second run from the cache: zero requests;
4. scale: 10,000 judgments at concurrency 256 with 10% faults (429, 500, malformed, dropped
   connections), 0 lost and 0 doubled, and the peak RSS at 10,000 against the peak at 1,000 (each
   measured in a fresh subprocess; target ratio at most 1.2);
5. at a rate limit: 1,000 judgments against ``--rpm 600`` (429 with ``Retry-After`` when over) at
   ``--judge-concurrency 64``, paced from the rate-limit headers (target: at least 90% of the
   allowed rate, at most 2% of requests answered 429) beside the same run with ``--judge-pacing off``.

Prints wall times and ratios to the ideal (n x latency / concurrency). By default the server runs
in a child process (``python -m harness.testing``) so its CPU does not compete with the judge's
event loop for the GIL, as a real API server would not; ``--in-process`` runs it in a thread
instead (sections 1-3).

OpenAI-compatible endpoints go through the judge's direct aiohttp client on one event loop (no
worker processes; the litellm route costs ~5-8 ms of CPU a call). The machine's load average and a
pure-Python speed probe are printed: on a machine whose cores are busy with other work any client
falls short of the ideal, so "client CPU ms per judgment" (process CPU time) is the figure to
compare, and the other clients measured in the same run are the reference.

    python bench/judge_throughput.py [--n 1000] [--latency 0.1] [--serial-subset 100] [--repeats 3]
                                     [--in-process] [--scale-n 10000] [--scale-base 1000]
                                     [--scale-concurrency 256] [--no-scale] [--no-compare]
                                     [--rpm 600] [--rate-n 1000] [--no-rate-limit] [--only-rate-limit]
"""

from __future__ import annotations

import argparse
import asyncio
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
from harness.judging.settings import JudgeSettings
from harness.protocols import EvalSample, JudgeItem

LIMIT = 1.10  # wall time / ideal at concurrency 16
CPU_LIMIT_MS = 3.5  # client CPU per judgment
RSS_LIMIT = 1.2  # peak RSS at scale_n / at scale_base
SCALE_FAULTS = ("429", "500", "malformed", "drop")
RATE_SHARE = 0.90  # judgments per second / the allowed rate, paced from the headers
RATE_429_SHARE = 0.02  # requests answered 429, paced


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
        question, reference, cls = (
            questions[i % len(questions)] if questions else (f"问题{i}", "答案", "open qa")
        )
        sample = EvalSample(
            id=f"bench-{i}", question=question, category=cls.replace("\u00a0", " "), reference=reference
        )
        items.append(
            JudgeItem(
                sample=sample,
                answer=f"模型回答{i}",
                category_prompt='请按照"得分:"这样的形式输出分数。',
                gold_shown=bool(reference),
            )
        )
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
        args = [
            sys.executable,
            "-m",
            "harness.testing",
            "--latency",
            str(self.options["latency"]),
            "--fault-rate",
            str(self.options.get("fault_rate", 0)),
            "--faults",
            ",".join(self.options.get("faults", ("429", "500"))),
            "--retry-after",
            str(self.options.get("retry_after", 0.05)),
            "--seed",
            str(self.options.get("seed", 0)),
        ]
        for option in ("rpm", "tpm", "bucket_fill"):
            if self.options.get(option) is not None:
                args += ["--" + option.replace("_", "-"), str(self.options[option])]
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


def judge_run(
    server: Server,
    items,
    *,
    concurrency: int,
    cache_path: Path,
    use_cache: bool,
    settings: JudgeSettings | None = None,
    max_retries: int | None = 8,
):
    judge = LLMJudge(
        api_base=server.base_url,
        concurrency=concurrency,
        cache_path=cache_path,
        use_cache=use_cache,
        progress=False,
        max_retries=max_retries,
        settings=settings,
    )
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


def _measure(run, n: int) -> tuple[float, float]:
    """(wall seconds, client CPU ms per judgment) of ``run()``."""
    start, cpu_start = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, (time.process_time() - cpu_start) * 1000 / max(1, n)


def openai_sdk_run(base_url: str, items, *, concurrency: int) -> tuple[float, float, int]:
    """The same judgments through the plain ``openai`` SDK: ``AsyncOpenAI`` + a semaphore, the
    same rendered prompt, the score read with the same parser. (wall, CPU ms/judgment, scored)."""
    from openai import AsyncOpenAI

    from harness.judging.parse import parse_score
    from harness.judging.template import DEFAULT_TEMPLATE, load_template

    template = load_template(DEFAULT_TEMPLATE)
    scored = 0

    async def main() -> None:
        nonlocal scored
        client = AsyncOpenAI(base_url=base_url, api_key=os.environ["OPENAI_API_KEY"], max_retries=5)
        semaphore = asyncio.Semaphore(concurrency)

        async def one(item) -> None:
            nonlocal scored
            async with semaphore:
                reply = await client.chat.completions.create(
                    model="gpt-3.5-turbo", temperature=0, messages=template.messages(item)
                )
            scored += parse_score(reply.choices[0].message.content or "").ok

        await asyncio.gather(*(one(item) for item in items))
        await client.close()

    wall, cpu = _measure(lambda: asyncio.run(main()), len(items))
    return wall, cpu, scored


def raw_aiohttp_run(base_url: str, items, *, concurrency: int) -> tuple[float, float, int]:
    """The floor: the same POSTs through bare ``aiohttp`` + a semaphore (no retries, no cache, no
    checks), so what this server and machine allow at this concurrency is printed beside the rest."""
    import aiohttp

    from harness.judging.parse import parse_score
    from harness.judging.template import DEFAULT_TEMPLATE, load_template

    template = load_template(DEFAULT_TEMPLATE)
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"}
    scored = 0

    async def main() -> None:
        nonlocal scored
        semaphore = asyncio.Semaphore(concurrency)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

            async def one(item) -> None:
                nonlocal scored
                async with semaphore:
                    body = {"model": "gpt-3.5-turbo", "temperature": 0, "messages": template.messages(item)}
                    async with session.post(url, json=body) as response:
                        reply = await response.json()
                scored += parse_score(reply["choices"][0]["message"]["content"] or "").ok

            await asyncio.gather(*(one(item) for item in items))

    wall, cpu = _measure(lambda: asyncio.run(main()), len(items))
    return wall, cpu, scored


def inspect_run(base_url: str, items, *, concurrency: int) -> tuple[float, float, int] | str:
    """The same judgments through Inspect AI's ``get_model(...).generate()`` (its own concurrency
    limit set to ``concurrency``); a sentence when inspect-ai is not installed."""
    try:
        from inspect_ai.model import GenerateConfig, get_model
    except ImportError:
        return "not installed (pip install inspect-ai to measure it beside the harness)"
    from harness.judging.parse import parse_score
    from harness.judging.template import DEFAULT_TEMPLATE, load_template

    template = load_template(DEFAULT_TEMPLATE)
    scored = 0
    try:
        model = get_model(
            "openai/gpt-3.5-turbo",
            base_url=base_url,
            api_key=os.environ["OPENAI_API_KEY"],
            config=GenerateConfig(max_connections=concurrency, temperature=0),
        )
    except Exception as exc:  # noqa: BLE001 - e.g. inspect-ai wants a newer openai than litellm's
        return f"installed, but unusable here: {str(exc).strip().splitlines()[0][:120]}"

    async def main() -> None:
        nonlocal scored

        async def one(item) -> None:
            nonlocal scored
            output = await model.generate(template.render(item))
            scored += parse_score(output.completion).ok

        await asyncio.gather(*(one(item) for item in items))

    wall, cpu = _measure(lambda: asyncio.run(main()), len(items))
    return wall, cpu, scored


def scale_child(n: int, base_url: str, concurrency: int) -> None:
    """Run in a fresh process: judge ``n`` items at ``concurrency`` with the cache on, keeping only
    counts (so the process's memory is the judge's), and print one JSON line of figures."""
    from collections import Counter

    items = make_items(n)
    seen: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    judge = LLMJudge(
        api_base=base_url,
        concurrency=concurrency,
        cache_path=Path(tempfile.mkdtemp()) / "c.sqlite",
        progress=False,
        max_retries=8,
    )

    def on_result(judgment) -> None:
        seen[judgment.id] += 1
        statuses[judgment.status] += 1

    wall, cpu = _measure(lambda: judge.judge(items, on_result=on_result), n)
    expected = {item.sample.id for item in items}
    print(
        json.dumps(
            {
                "n": n,
                "wall": wall,
                "cpu_ms": cpu,
                "delivered": sum(seen.values()),
                "lost": len(expected - set(seen)),
                "doubled": sum(c - 1 for c in seen.values() if c > 1),
                "statuses": dict(statuses),
                "requests": judge.stats["requests"],
                "retries": judge.stats["retries"],
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def scale_section(args) -> bool:
    """Section 4: each size in a fresh subprocess against one faulty server (child process)."""
    print(
        f"  scale: concurrency {args.scale_concurrency}, {args.fault_rate:.0%} faults ({'/'.join(SCALE_FAULTS)}), "
        f"{args.latency * 1000:.0f} ms latency, each size in a fresh process"
    )
    results = {}
    ok = True
    with Server(
        in_process=False,
        latency=args.latency,
        fault_rate=args.fault_rate,
        faults=SCALE_FAULTS,
        retry_after=args.latency,
        seed=2,
    ).running() as server:
        for n in (args.scale_base, args.scale_n):
            before = server.stats()["counts"]
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child-scale",
                    str(n),
                    "--base-url",
                    server.base_url,
                    "--scale-concurrency",
                    str(args.scale_concurrency),
                ],
                capture_output=True,
                text=True,
                timeout=1800,
            )
            if child.returncode != 0:
                print(f"    n={n}: the child failed (rc {child.returncode}):\n{child.stderr[-2000:]}")
                return False
            result = json.loads(child.stdout.strip().splitlines()[-1])
            after = server.stats()["counts"]
            delta = {
                k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) - before.get(k, 0)
            }
            injected = sum(v for k, v in delta.items() if k != "ok")
            # every answer the server gave was used once: "ok" answers == judgments delivered
            fetched_twice = delta.get("ok", 0) - n
            fine = (
                result["lost"] == 0
                and result["doubled"] == 0
                and fetched_twice == 0
                and result["statuses"].get("scored", 0) == n
            )
            ok &= fine
            results[n] = result
            print(
                f"    n={n}: {result['delivered']} judgments in {result['wall']:.1f} s "
                f"({n / result['wall']:.0f}/s, ideal {n * args.latency / args.scale_concurrency:.1f} s), "
                f"client CPU {result['cpu_ms']:.2f} ms/judgment; injected {injected} ({delta}), retries "
                f"{result['retries']}; lost {result['lost']}, doubled {result['doubled']}, answers fetched "
                f"twice {fetched_twice}; peak RSS {result['peak_rss_mb']:.0f} MB -> {'PASS' if fine else 'FAIL'}"
            )
    ratio = results[args.scale_n]["peak_rss_mb"] / results[args.scale_base]["peak_rss_mb"]
    ok &= ratio <= RSS_LIMIT
    print(
        f"    peak RSS at {args.scale_n} / at {args.scale_base}: {ratio:.3f} (target <= {RSS_LIMIT}) "
        f"-> {'PASS' if ratio <= RSS_LIMIT else 'FAIL'}"
    )
    return ok


def rate_limit_section(args) -> bool:
    """Section 5: judging at a provider's rate limit (``--rpm``, 429 with ``Retry-After`` when over),
    each pacing mode against a fresh server whose bucket starts empty, with retries enough (50, a
    10-minute deadline) that the run without pacing finishes too (with the defaults it stops after
    20 requests in a row are refused). The allowed rate is ``rpm / 60`` a second over the wall time."""
    print(
        f"  rate limit: {args.rate_n} judgments against --rpm {args.rpm} ({args.rpm / 60:g}/s, bucket empty "
        f"at the start), {args.latency * 1000:.0f} ms latency, --judge-concurrency {args.rate_concurrency}"
    )
    ok = True
    items = make_items(args.rate_n)
    tmp = Path(tempfile.mkdtemp(prefix="judge-rate-"))
    for pacing in ("auto", "off"):
        with Server(in_process=False, latency=args.latency, rpm=args.rpm, bucket_fill=0).running() as server:
            wall, out, stats, delta = judge_run(
                server,
                items,
                concurrency=args.rate_concurrency,
                cache_path=tmp / f"{pacing}.sqlite",
                use_cache=False,
                settings=JudgeSettings(pacing=pacing, deadline=600, max_consecutive_failures=10_000),
                max_retries=50,
            )
        scored = sum(j.status == "scored" for j in out)
        sent = sum(delta.values())
        limited = delta.get("rate_limited", 0)
        share = scored / (wall * args.rpm / 60)
        fine = scored == args.rate_n and share >= RATE_SHARE and limited <= RATE_429_SHARE * sent
        if pacing == "auto":
            ok &= fine
        verdict = ("PASS" if fine else "FAIL") if pacing == "auto" else "(reference)"
        print(
            f"    --judge-pacing {pacing:4s}: {scored}/{args.rate_n} scored in {wall:.1f} s = {share:.1%} of the "
            f"allowed rate; {sent} requests, {limited} answered 429 ({limited / max(1, sent):.1%}) -> {verdict}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serial-subset", type=int, default=100, help="items measured at concurrency 1")
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs at the default concurrency; the median decides (each is printed)",
    )
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--no-compare", action="store_true", help="skip the openai SDK / inspect-ai runs")
    parser.add_argument("--no-scale", action="store_true", help="skip section 4 (10,000 judgments)")
    parser.add_argument("--scale-n", type=int, default=10_000)
    parser.add_argument(
        "--scale-base", type=int, default=1_000, help="the size peak RSS at --scale-n is compared to"
    )
    parser.add_argument("--scale-concurrency", type=int, default=256)
    parser.add_argument("--rpm", type=int, default=600, help="section 5: the server's requests a minute")
    parser.add_argument("--rate-n", type=int, default=1000, help="section 5: judgments at the rate limit")
    parser.add_argument("--rate-concurrency", type=int, default=64, help="section 5: --judge-concurrency")
    parser.add_argument("--no-rate-limit", action="store_true", help="skip section 5 (about 4 minutes)")
    parser.add_argument("--only-rate-limit", action="store_true", help="run section 5 alone")
    parser.add_argument("--child-scale", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key")
    if args.child_scale is not None:
        scale_child(args.child_scale, args.base_url, args.scale_concurrency)
        return 0
    if args.only_rate_limit:
        ok = rate_limit_section(args)
        print("overall:", "PASS" if ok else "FAIL")
        return 0 if ok else 1
    items = make_items(args.n)
    tmp = Path(tempfile.mkdtemp(prefix="judge-bench-"))
    ok = True
    print(
        f"judge throughput: n={args.n}, latency={args.latency * 1000:.0f} ms, server "
        f"{'in-process thread' if args.in_process else 'child process'}, load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs, speed probe {speed_probe_ms():.0f} ms "
        f"(a fixed pure-Python loop; lower is faster)"
    )

    with Server(in_process=args.in_process, latency=args.latency).running() as server:
        judge_run(
            server, make_items(20), concurrency=4, cache_path=tmp / "warm.sqlite", use_cache=False
        )  # warm-up
        subset = items[: args.serial_subset]
        wall1, out1, _, _ = judge_run(
            server, subset, concurrency=1, cache_path=tmp / "c1.sqlite", use_cache=False
        )
        ideal1 = len(subset) * args.latency
        extrapolated = wall1 * args.n / len(subset)
        print(
            f"  concurrency 1 : {len(subset)} judgments in {wall1:.2f} s (ideal {ideal1:.2f} s, "
            f"ratio {wall1 / ideal1:.3f}); extrapolated to {args.n}: {extrapolated:.1f} s "
            f"(ideal {args.n * args.latency:.1f} s)"
        )
        ideal = args.n * args.latency / args.concurrency
        walls, cpus = [], []
        others: dict[str, list[tuple[float, float, int]] | str] = {}
        if not args.no_compare:  # warm-ups (imports, connections), or why a client is left out
            try:
                openai_sdk_run(server.base_url, make_items(20), concurrency=4)
                sdk: list | str = []
            except ImportError:
                sdk = "not installed (pip install openai to measure it beside the harness)"
            # at the measured concurrency: Inspect keeps one connection limit per model for the
            # whole process, set by its first call (a warm-up at 4 would cap every run at 4)
            warm = inspect_run(server.base_url, make_items(20), concurrency=args.concurrency)
            try:
                raw_aiohttp_run(server.base_url, make_items(20), concurrency=4)
                floor: list | str = []
            except ImportError:
                floor = "not installed (pip install aiohttp to measure the floor)"
            others = {
                "openai SDK (AsyncOpenAI + semaphore)": sdk,
                "inspect-ai generate()": [] if not isinstance(warm, str) else warm,
                "raw aiohttp (the floor: no retries, cache or checks)": floor,
            }
        for k in range(args.repeats):  # each a full, fresh run of n judgments (nothing cached)
            wall, out, stats, delta = judge_run(
                server,
                items,
                concurrency=args.concurrency,
                cache_path=tmp / f"c{args.concurrency}-{k}.sqlite",
                use_cache=False,
            )
            walls.append(wall)
            cpus.append(stats["cpu_ms_per_judgment"])
            ok &= len(out) == args.n and stats["requests"] == args.n
            print(
                f"  concurrency {args.concurrency}, run {k + 1}/{args.repeats}: {len(out)} judgments in {wall:.2f} s "
                f"(ideal {ideal:.2f} s, ratio {wall / ideal:.3f}); requests {stats['requests']}; "
                f"judge CPU {stats['cpu_ms_per_judgment']:.1f} ms per "
                f"judgment, all processes (the ideal {args.concurrency / args.latency:.0f}/s needs "
                f"{stats['cpu_ms_per_judgment'] * args.concurrency / args.latency / 1000:.2f} cores of "
                f"{os.cpu_count()})"
            )
            for label, runs in others.items():  # interleaved: the same load on the machine
                if isinstance(runs, str):
                    continue
                runner = (
                    openai_sdk_run
                    if label.startswith("openai")
                    else raw_aiohttp_run
                    if label.startswith("raw")
                    else inspect_run
                )
                o_wall, o_cpu, o_scored = runner(server.base_url, items, concurrency=args.concurrency)
                runs.append((o_wall, o_cpu, o_scored))
                print(
                    f"  {label}, run {k + 1}/{args.repeats}: {o_scored} scored in {o_wall:.2f} s "
                    f"(ratio {o_wall / ideal:.3f}); client CPU {o_cpu:.1f} ms per judgment"
                )
        wall = statistics.median(walls)
        cpu = statistics.median(cpus)
        ratio = wall / ideal
        target = ratio <= LIMIT and cpu <= CPU_LIMIT_MS
        ok &= target
        print(
            f"  concurrency {args.concurrency}: median of {len(walls)} runs {wall:.2f} s (ideal {ideal:.2f} s, "
            f"ratio {ratio:.3f}, limit {LIMIT}; runs {', '.join(f'{w / ideal:.3f}' for w in walls)}), client CPU "
            f"{cpu:.2f} ms per judgment (limit {CPU_LIMIT_MS}) -> {'PASS' if target else 'FAIL'}; "
            f"speed-up over concurrency 1: {extrapolated / wall:.1f}x"
        )
        print(
            f"  side by side, {args.n} judgments at concurrency {args.concurrency} (median of {args.repeats}; "
            f"ideal {ideal:.2f} s):"
        )
        print(
            f"    {'harness (direct aiohttp, one event loop)':40s} {ratio:6.3f}x ideal  {cpu:6.2f} ms CPU/judgment"
        )
        for label, runs in others.items():
            if isinstance(runs, str):
                print(f"    {label:40s} {runs}")
            else:
                o_ratio = statistics.median(r[0] for r in runs) / ideal
                o_cpu = statistics.median(r[1] for r in runs)
                print(f"    {label:40s} {o_ratio:6.3f}x ideal  {o_cpu:6.2f} ms CPU/judgment")

    faults = ("429", "500")
    with Server(
        in_process=args.in_process,
        latency=args.latency,
        fault_rate=args.fault_rate,
        faults=faults,
        retry_after=args.latency,
        seed=1,
    ).running() as server:
        cache = tmp / "faults.sqlite"
        wall, out, stats, delta = judge_run(
            server, items, concurrency=args.concurrency, cache_path=cache, use_cache=True
        )
        injected = sum(v for k, v in delta.items() if k != "ok")
        ids = [j.id for j in out]
        once = len(ids) == len(set(ids)) == args.n and set(ids) == {i.sample.id for i in items}
        all_scored = all(j.status == "scored" for j in out)
        no_double = delta.get("ok", 0) == args.n
        counted = stats["retries"] == injected
        fault_ok = once and all_scored and no_double and counted
        ok &= fault_ok
        print(
            f"  {args.fault_rate:.0%} faults ({'/'.join(faults)}): {len(out)} judgments in {wall:.2f} s "
            f"(ratio {wall / ideal:.3f}); injected {injected} ({delta}), retries {stats['retries']}; "
            f"each id exactly once: {once}; all scored: {all_scored}; answers fetched once: {no_double} "
            f"-> {'PASS' if fault_ok else 'FAIL'}"
        )
        wall, out, stats, delta = judge_run(
            server, items, concurrency=args.concurrency, cache_path=cache, use_cache=True
        )
        cached_ok = sum(delta.values()) == 0 and stats["requests"] == 0 and stats["cache_hits"] == args.n
        ok &= cached_ok and len(out) == args.n
        print(
            f"  cached re-run: {len(out)} judgments in {wall:.2f} s, requests to the server "
            f"{sum(delta.values())}, cache hits {stats['cache_hits']} "
            f"-> {'PASS' if cached_ok else 'FAIL'}"
        )
    if not args.no_scale:
        ok &= scale_section(args)
    if not args.no_rate_limit:
        ok &= rate_limit_section(args)
    print("overall:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
