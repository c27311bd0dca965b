"""``harness data clean`` (paper section 3) on the shared BELLE and Alpaca files: throughput and drop counts.

Runs the cleaning pipeline of :mod:`harness.data.clean` over Belle_open_source_1k and the two
LLaMA-Factory Alpaca demos (alpaca-4 stand-ins), optionally with the first ``--open-chinese N``
records of the open-chinese Alpaca-52K translation, comparing whole samples and then instructions
only, and prints per stage the samples per second and what was dropped. ``--with-models`` adds the
semantic stage (``lm-mean:tiny-llama``) and the perplexity filter (``tiny-llama``, threshold at the
median, so about half is dropped: the point is the throughput, a random model's perplexity means
nothing) on the Belle file.

    python bench/data_clean.py [--open-chinese 10000] [--with-models] [--seed 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def run(items, label: str, **options) -> dict:
    from harness.data.clean.pipeline import CleanOptions, clean

    embedder = options.pop("embedder_obj", None)
    start = time.perf_counter()
    kept, report = clean(items, CleanOptions(**options), embedder=embedder)
    wall = time.perf_counter() - start
    print(
        f"{label}: {report['samples']:,} samples -> {report['kept']:,} kept in {wall:.1f}s "
        f"({report['samples'] / wall:,.0f} samples/s); dropped {report['dropped_by_reason'] or 'nothing'}"
    )
    for stage in report["stages"]:
        rate = stage["in"] / stage["seconds"] if stage["seconds"] else float("inf")
        print(
            f"  {stage['stage']:<10} {stage['in']:>7,} in  {stage['dropped']:>6,} dropped  "
            f"{stage['seconds']:>7.2f}s  {rate:>10,.0f} samples/s"
        )
    before, after = report["diversity"]["input"], report["diversity"]["kept"]
    print(
        f"  distinct-2 {before['distinct_2']} -> {after['distinct_2']}; top words (kept): "
        + " ".join(w for w, _ in after["top_words"][:8])
    )
    return {
        "label": label,
        "wall_s": round(wall, 3),
        **{k: report[k] for k in ("samples", "kept", "dropped", "dropped_by_reason", "stages")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--open-chinese",
        type=int,
        default=0,
        metavar="N",
        help="also clean the first N records of the open-chinese Alpaca-52K (Chinese side)",
    )
    parser.add_argument("--with-models", action="store_true", help="add the semantic and perplexity stages")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    from harness.data.clean.items import check_unique_ids, item_from_record, read_file_items
    from harness.paths import shared_data_dir

    shared = shared_data_dir()
    if shared is None:
        print("shared data folder absent (set HARNESS_SHARED_DATA)", file=sys.stderr)
        return 2
    files = [
        shared / "belle" / "Belle_open_source_1k.json",
        shared / "alpaca" / "llamafactory_alpaca_zh_demo.json",
        shared / "alpaca" / "llamafactory_alpaca_en_demo.json",
    ]
    start = time.perf_counter()
    items = [item for path in files for item in read_file_items(path)]
    if args.open_chinese:
        from harness.data.clean.items import _json_records
        from harness.training.data.files import read_bytes

        path = shared / "alpaca" / "open_chinese_alpaca_52k_en_zh.json.xz"
        records = _json_records(read_bytes(path).decode("utf-8"), str(path))[: args.open_chinese]
        items += [item_from_record(r, origin=path.name, line=line) for line, r in records]
    check_unique_ids(items)
    print(
        f"read {len(items):,} samples from {len(files) + bool(args.open_chinese)} files in "
        f"{time.perf_counter() - start:.1f}s"
    )
    near = {"threshold": args.threshold, "num_perm": args.num_perm, "seed": args.seed}
    results = [
        run(items, "whole samples", on="sample", **near),
        run(items, "instructions only", on="instruction", **near),
    ]
    if args.with_models:
        from harness.manager import get_registry

        belle = [i for i in items if i.origin == files[0].name]
        scored = run(
            belle, "Belle 1k, perplexity scored (tiny-llama)", perplexity_model="tiny-llama", near=False
        )
        median = scored["stages"][-1]["median"]
        embedder = get_registry().create("embedder", "lm-mean:tiny-llama")
        results += [
            scored,
            run(
                belle,
                f"Belle 1k, semantic (lm-mean:tiny-llama, cos >= 0.99) + perplexity <= {median:.1f}",
                embedder_obj=embedder,
                semantic_threshold=0.99,
                perplexity_model="tiny-llama",
                max_perplexity=median,
                near=False,
            ),
        ]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
