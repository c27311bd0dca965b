"""Run the cleaning stages in order and write the kept set and the report.

Order: exact duplicates, near duplicates (MinHash/LSH), semantic duplicates (optional, an
embedder), perplexity (optional, a causal LM). The cheap stages run first so the model-based ones
see fewer samples. The report (JSON) holds the options, the counts per stage, every dropped sample
(id, origin, line, reason, the kept sample it matched, score), the perplexity quantiles and the
diversity of the input and of the kept set.

Write safety: ``out`` and the report are never an input file (the file actually read: the
``.xz``/``.gz`` copy that stood in for a missing plain file, a symlink's target, a hard link), never
written through a symlink, and an existing file is replaced only with ``force`` (the user named it;
the harness did not create it).
Both are written through a temporary file and a rename, so a crash leaves the old file or none.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.data.clean.dedup import Drop, exact_dedup, near_dedup
from harness.data.clean.diversity import diversity
from harness.data.clean.items import CleanItem
from harness.data.clean.perplexity import perplexity_filter
from harness.data.clean.semantic import semantic_dedup
from harness.errors import UsageError
from harness.io import write_json_atomic, write_jsonl_atomic

COMPARE_ON = ("sample", "instruction", "response")


@dataclass(frozen=True)
class CleanOptions:
    on: str = "sample"
    threshold: float = 0.8
    num_perm: int = 128
    shingle: int = 3
    seed: int = 1
    near: bool = True
    embedder: str | None = None
    semantic_threshold: float = 0.95
    perplexity_model: str | None = None
    max_perplexity: float | None = None
    max_tokens: int = 512
    top: int = 20

    def check(self) -> None:
        if self.on not in COMPARE_ON:
            raise UsageError(f"--on must be one of {', '.join(COMPARE_ON)}, not {self.on!r}")
        if self.max_perplexity is not None and self.perplexity_model is None:
            raise UsageError(
                "--max-perplexity needs --perplexity-model (the causal LM that scores the samples)"
            )
        if self.max_tokens < 2:
            raise UsageError(f"--max-tokens must be at least 2, not {self.max_tokens}")


def clean(
    items: Sequence[CleanItem], options: CleanOptions, *, inputs: Sequence[str] = (), embedder: Any = None
) -> tuple[list[CleanItem], dict[str, Any]]:
    """The kept items and the report. ``embedder`` is built by the caller from ``options.embedder``."""
    options.check()
    stages: list[dict[str, Any]] = []
    drops: list[Drop] = []
    kept = list(items)

    def stage(name: str, run) -> dict[str, Any]:
        nonlocal kept
        start = time.perf_counter()
        before = len(kept)
        result = run(kept)
        kept, dropped = result[0], result[1]
        drops.extend(dropped)
        info = {
            "stage": name,
            "in": before,
            "dropped": len(dropped),
            "kept": len(kept),
            "seconds": round(time.perf_counter() - start, 3),
        }
        if len(result) > 2:
            info.update(result[2])
        stages.append(info)
        return info

    stage("exact", lambda xs: exact_dedup(xs, on=options.on))
    if options.near:
        stage(
            "near",
            lambda xs: near_dedup(
                xs,
                on=options.on,
                threshold=options.threshold,
                num_perm=options.num_perm,
                shingle=options.shingle,
                seed=options.seed,
            ),
        )
    if embedder is not None:
        stage(
            "semantic",
            lambda xs: semantic_dedup(xs, embedder, on=options.on, threshold=options.semantic_threshold),
        )
    if options.perplexity_model is not None:
        stage(
            "perplexity",
            lambda xs: perplexity_filter(
                xs,
                options.perplexity_model,
                on=options.on,
                max_perplexity=options.max_perplexity,
                max_tokens=options.max_tokens,
            ),
        )
    reasons: dict[str, int] = {}
    for drop in drops:
        reasons[drop.reason] = reasons.get(drop.reason, 0) + 1
    report = {
        "inputs": list(inputs),
        "options": asdict(options),
        "samples": len(items),
        "kept": len(kept),
        "dropped": len(drops),
        "dropped_by_reason": reasons,
        "stages": stages,
        "diversity": {
            "input": diversity(items, on=options.on, top=options.top),
            "kept": diversity(kept, on=options.on, top=options.top),
        },
        "drops": [d.to_dict() for d in drops],
    }
    return kept, report


def check_output(path: Path, *, force: bool, inputs: Sequence[Path], what: str) -> None:
    """Raise :class:`UsageError` unless writing ``path`` is safe (see the module docstring)."""
    if path.is_symlink():
        raise UsageError(f"{what} {path} is a symlink; the harness writes no file through a symlink")
    if path.exists() and not path.is_file():
        raise UsageError(f"{what} {path} exists and is not a plain file")
    for source in inputs:
        if _same_file(path, source):
            raise UsageError(
                f"{what} {path} is an input file (it is {source}, which is read); "
                "the harness never overwrites its input"
            )
    if path.exists() and not force:
        raise UsageError(
            f"{what} {path} already exists", hint="Choose another path, or add --force to replace it."
        )
    if not path.parent.is_dir():
        raise UsageError(f"{what} {path}: no such directory {path.parent}")


def _same_file(a: Path, b: Path) -> bool:
    """One file under two names (a symlink, a hard link, ``..``): what ``os.path.samefile`` says."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # either is missing: nothing to overwrite
        return False


def write_outputs(kept: Sequence[CleanItem], report: dict[str, Any], out: Path, report_path: Path) -> None:
    try:
        write_jsonl_atomic(out, (item.record for item in kept))
        write_json_atomic(report_path, report)
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from None
