"""The judge benchmark script runs end to end (small and fast here; its speed goal is for the full
run, ``python bench/judge_throughput.py``): fault accounting and the cached re-run must hold at
any size."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "judge_throughput.py"


@pytest.mark.slow  # bench/judge.py in a fresh interpreter: runs of tens to hundreds of judged samples (~20 s)
def test_judge_benchmark_runs_and_keeps_its_accounting():
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--n",
            "60",
            "--latency",
            "0.02",
            "--serial-subset",
            "10",
            "--repeats",
            "2",
            "--scale-n",
            "150",
            "--scale-base",
            "50",
            "--scale-concurrency",
            "64",
            # section 5 at a smoke size: 200 judgments at 100/s (the full 1,000 at --rpm 600 is ~4 min)
            "--rate-n",
            "200",
            "--rpm",
            "6000",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout
    assert "median of 2 runs" in out, out + result.stderr
    assert len(re.findall(r"concurrency 16, run \d/2: 60 judgments", out)) == 2
    faults = next(line for line in out.splitlines() if "faults (429/500)" in line)
    assert "each id exactly once: True" in faults and "answers fetched once: True" in faults
    assert faults.endswith("-> PASS")
    cached = next(line for line in out.splitlines() if "cached re-run" in line)
    assert "requests to the server 0" in cached and cached.endswith("-> PASS")
    # the other clients, measured in the same run, are printed beside the harness
    side = out[out.index("side by side") :]
    assert (
        "harness (direct aiohttp, one event loop)" in side and "openai SDK (AsyncOpenAI + semaphore)" in side
    )
    assert "inspect-ai generate()" in side
    # scale: each size in a fresh process against the faulty server, nothing lost or doubled
    for n in (50, 150):
        line = next(line for line in out.splitlines() if line.strip().startswith(f"n={n}:"))
        assert "lost 0, doubled 0, answers fetched twice 0" in line and line.endswith("-> PASS"), line
    assert re.search(r"peak RSS at 150 / at 50: \d+\.\d+", out)
    # rate limit: paced from the headers, every judgment scored and far fewer 429s than unpaced (the
    # rate and 429-share goals are the full run's: at this size a few early 429s are noise)
    paced, unpaced = (
        next(line for line in out.splitlines() if f"--judge-pacing {mode}" in line)
        for mode in ("auto", "off ")
    )
    assert "200/200 scored" in paced, paced

    def refused(line: str) -> int:
        return int(re.search(r"(\d+) answered 429", line).group(1))  # type: ignore[union-attr]

    assert refused(paced) * 10 < refused(unpaced), (paced, unpaced)
