"""A run directory: where one evaluation's records live, and how a run finds it again.

Layout (stable; other tools read it)::

    run.json             resolved config, fingerprint, versions, seeds, status, stats
    config.yaml          the resolved config again, as a file `harness run --config` accepts
    generations.jsonl    one record per sample: id, category, question, reference, answer, ...
    judgments.jsonl      one record per sample (and repeat): id, category, score, status, raw, ...
    scores.json, report.md, scores.csv, report.html     written by the scoring/report step

Without ``--name``, a run looks under ``--out`` for the newest *unfinished* run with the same
fingerprint and continues it, so the same command resumes a killed run; otherwise it starts a new
directory named from its components and a timestamp.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from harness import __version__
from harness.errors import UsageError
from harness.runs.config import RunConfig
from harness.runs.records import write_json_atomic

RUN_FILE = "run.json"
CONFIG_FILE = "config.yaml"
GENERATIONS = "generations.jsonl"
JUDGMENTS = "judgments.jsonl"
KEY_PACKAGES = ("torch", "transformers", "tokenizers", "sentencepiece", "accelerate", "deepspeed", "litellm",
                "pluggy", "pydantic", "numpy", "vllm")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:48] or "x"


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": sys.version.split()[0], "harness": __version__}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def read_run(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise UsageError(f"{run_dir} is not a run directory (no {RUN_FILE})")
    return json.loads(path.read_text(encoding="utf-8"))


def _existing_runs(out: Path) -> list[tuple[Path, dict[str, Any]]]:
    runs = []
    if out.is_dir():
        for candidate in out.iterdir():
            meta_path = candidate / RUN_FILE
            if meta_path.is_file():
                try:
                    runs.append((candidate, json.loads(meta_path.read_text(encoding="utf-8"))))
                except (OSError, json.JSONDecodeError):
                    continue
    return runs


def select_run_dir(config: RunConfig) -> tuple[Path, bool]:
    """Where ``config`` runs, and whether that continues an earlier run."""
    out = Path(config.out)
    fingerprint = config.fingerprint()
    if config.name:
        run_dir = out / config.name
        if (run_dir / RUN_FILE).is_file():
            meta = read_run(run_dir)
            if meta.get("fingerprint") == fingerprint:
                return run_dir, True
            if not config.force:
                old = meta.get("config", {})
                changed = sorted(k for k, v in config.result_settings().items() if old.get(k) != v)
                raise UsageError(
                    f"{run_dir} holds a run with a different configuration (changed: {', '.join(changed)}).",
                    hint="Use another --name, or --force to discard that run's records and start over.",
                )
            discard_records(run_dir)
        return run_dir, False
    unfinished = [
        (meta.get("updated_at", ""), path)
        for path, meta in _existing_runs(out)
        if meta.get("fingerprint") == fingerprint and meta.get("status") != "complete"
    ]
    if unfinished:
        return max(unfinished)[1], True
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    base = "_".join(_slug(p) for p in (config.model, config.dataset, config.judge)) + f"_{stamp}"
    run_dir, n = out / base, 1
    while run_dir.exists():
        n += 1
        run_dir = out / f"{base}-{n}"
    return run_dir, False


def discard_records(run_dir: Path) -> None:
    for child in run_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def write_run_meta(run_dir: Path, config: RunConfig, *, status: str, extra: dict[str, Any] | None = None,
                   plugins: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Create or update ``run.json`` (and ``config.yaml``), keeping fields written earlier."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / RUN_FILE
    meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    resolved = config.model_dump()
    resolved["name"] = run_dir.name
    meta.setdefault("created_at", now)
    meta.update(
        {
            "name": run_dir.name,
            "fingerprint": config.fingerprint(),
            "model": config.model,
            "dataset": config.dataset,
            "judge": config.judge,
            "config": resolved,
            "seed": config.seed,
            "versions": library_versions(),
            "status": status,
            "updated_at": now,
            "updated_unix": time.time(),
        }
    )
    if plugins is not None:
        meta["plugins"] = plugins
    if extra:
        meta.update(extra)
    write_json_atomic(path, meta)
    config_path = run_dir / CONFIG_FILE
    if not config_path.exists():
        resolved_for_file = {k: v for k, v in resolved.items() if v is not None and k != "force"}
        config_path.write_text(yaml.safe_dump(resolved_for_file, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return meta
