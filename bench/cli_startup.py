"""How close `harness --help` and `harness list` stay to a bare Python start-up.

Runs each command several times, interleaved so that machine noise hits all of them alike, and
prints the median wall time of each and its ratio to `python -c pass`. The goal (issue 16) is
`harness --help` and `harness list`, with every built-in plugin registered, within 3x of bare
start-up (median of 15 or more runs). Exit status 1 when either is over.

    python bench/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "harness --help": [sys.executable, "-m", "harness", "--help"],
    "harness list": [sys.executable, "-m", "harness", "list"],
    "harness list --json": [sys.executable, "-m", "harness", "list", "--json"],
    "harness list --long": [sys.executable, "-m", "harness", "list", "--long"],
}
GOALS = ("harness --help", "harness list")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--limit",
        type=float,
        default=3.0,
        help="ratio that `harness --help` and `harness list` must stay under",
    )
    args = parser.parse_args()

    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for cmd in COMMANDS.values():  # warm the OS file cache once
        subprocess.run(cmd, capture_output=True, check=True)
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)

    base = statistics.median(times["python -c pass"])
    print(f"{'command':<22} {'median (ms)':>12} {'ratio':>8}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<22} {median * 1000:>12.1f} {median / base:>7.2f}x")
    print()
    over = []
    for name in GOALS:
        ratio = statistics.median(times[name]) / base
        verdict = "within" if ratio <= args.limit else "OVER"
        print(f"{name} / python -c pass = {ratio:.2f}x ({verdict} the {args.limit:g}x goal)")
        over += [name] if ratio > args.limit else []
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
