"""How long a dataset file takes to load as a ``.json`` array next to the same rows as ``.jsonl``.

Writes the same rows both ways, loads each with :class:`harness.data.adhoc.AdhocDataset` (what
``harness run --dataset FILE`` does before anything runs), interleaved so that machine noise hits
both alike, and prints the median time of each and their ratio. The goal (issue 23.7: the array
reader counted lines from the start for every item, 80k rows took 230 s against 2 s) is ``.json``
within 3x of ``.jsonl``. Exit status 1 when it is over.

    python bench/dataset_file_load.py [--rows 80000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness.data.adhoc import AdhocDataset
from harness.specs import CategorySpec

CATEGORIES = {"open_qa": CategorySpec(name="open_qa", source_names=("open qa",))}


def write_files(directory: Path, rows: int) -> dict[str, Path]:
    records = [
        json.dumps(
            {
                "id": i,
                "question": f"问题 {i}: 法国的首都是哪里？",
                "reference": "巴黎",
                "category": "open qa",
            },
            ensure_ascii=False,
        )
        for i in range(rows)
    ]
    jsonl, array = directory / "rows.jsonl", directory / "rows.json"
    jsonl.write_text("\n".join(records) + "\n", encoding="utf-8")
    array.write_text("[\n" + ",\n".join(records) + "\n]\n", encoding="utf-8")
    return {".jsonl": jsonl, ".json": array}


def load_seconds(path: Path, rows: int) -> float:
    start = time.perf_counter()
    samples = AdhocDataset(path, categories=CATEGORIES).load()
    elapsed = time.perf_counter() - start
    assert len(samples) == rows, (path, len(samples))
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=80_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=3.0, help="ratio .json / .jsonl must stay under")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), args.rows)
        times: dict[str, list[float]] = {suffix: [] for suffix in files}
        for _ in range(args.runs):
            for suffix, path in files.items():
                times[suffix].append(load_seconds(path, args.rows))
    medians = {suffix: statistics.median(samples) for suffix, samples in times.items()}
    for suffix, median in medians.items():
        print(f"{suffix:<7} {args.rows} rows: {median:.2f} s (median of {args.runs})")
    ratio = medians[".json"] / medians[".jsonl"]
    verdict = "within" if ratio <= args.limit else "OVER"
    print(f".json / .jsonl = {ratio:.2f}x ({verdict} the {args.limit:g}x goal)")
    return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
