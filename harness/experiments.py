"""Experiments: train a model (optionally) and evaluate it, as one resumable unit per config file.

A config (``configs/table2/*.yaml``) holds a ``train`` section (the trainer's options: base model,
data mixture, Table 3 hyper-parameters), an ``eval`` section (``harness run`` options) and the
paper's published figures for that row. :func:`run_experiment` trains into
``<out>/<name>/model`` (or continues a killed training with ``resume``), evaluates that model into
``<out>/<name>/eval``, and skips each step whose result is already on disk. Relative paths in a
config (``data_dir``) are resolved against the config file's directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UsageError
from harness.registry_yaml import load_yaml_model

TRAIN_DONE = "train_result.json"
PATH_KEYS = ("data_dir", "model_path", "tokenizer", "deepspeed_config")


class PaperFigures(BaseModel):
    """What the paper published for this row (``None`` where it published nothing)."""

    model_config = ConfigDict(extra="forbid")

    table: str | None = None
    model: str | None = None
    data: str | None = None
    macro: float | None = None
    macro_wo_others: float | None = None
    note: str = ""


class ExperimentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9._\-]+$")
    description: str = ""
    paper: PaperFigures = Field(default_factory=PaperFigures)
    trainer: str = "deepspeed"
    train: dict[str, Any] | None = None
    eval: dict[str, Any] = Field(default_factory=dict)
    source: str | None = Field(default=None, exclude=True)


@dataclass
class ExperimentResult:
    spec: ExperimentSpec
    exp_dir: Path
    trained: str  # "trained", "skipped (done)", "none"
    eval_status: str = "not run"
    macro: float | None = None
    macro_wo_others: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _resolve_paths(section: dict[str, Any], base: Path) -> dict[str, Any]:
    out = dict(section)
    for key in PATH_KEYS:
        value = out.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute() and (base / value).exists():
            out[key] = str((base / value).resolve())
    return out


def load_experiment(path: Path) -> ExperimentSpec:
    spec = load_yaml_model(path, ExperimentSpec)
    base = path.parent
    spec.train = _resolve_paths(spec.train, base) if spec.train else None
    spec.eval = _resolve_paths(spec.eval, base)
    spec.source = str(path)
    return spec


def find_experiments(targets: list[Path]) -> list[ExperimentSpec]:
    files: list[Path] = []
    for target in targets:
        if target.is_dir():
            files += sorted([*target.glob("*.yaml"), *target.glob("*.yml")])
        elif target.is_file():
            files.append(target)
        else:
            raise UsageError(f"no experiment config at {target}")
    if not files:
        raise UsageError(f"no experiment configs (*.yaml) in {', '.join(map(str, targets))}")
    specs = [load_experiment(f) for f in files]
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"experiment names must be unique; repeated: {', '.join(dupes)}")
    return specs


def _macro_value(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("mean")
    return float(value) if value is not None else None


def run_experiment(spec: ExperimentSpec, *, out_root: Path, overrides: dict[str, Any] | None = None,
                   train_overrides: dict[str, Any] | None = None, log: Callable[[str], None] = print,
                   manager=None) -> ExperimentResult:
    """Train (unless done) and evaluate (resuming) one experiment."""
    from harness.manager import get_manager
    from harness.runs.config import RunConfig
    from harness.runs.pipeline import run_eval
    from harness.runs.records import write_json_atomic

    manager = manager or get_manager()
    exp_dir = out_root / spec.name
    exp_dir.mkdir(parents=True, exist_ok=True)
    eval_options = {**spec.eval, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    trained = "none"
    if spec.train is not None:
        model_dir = exp_dir / "model"
        done = exp_dir / TRAIN_DONE
        if done.is_file():
            trained = "skipped (done)"
            log(f"[{spec.name}] training already done: {model_dir}")
        else:
            train_options = {**spec.train, **{k: v for k, v in (train_overrides or {}).items() if v is not None}}
            resume = model_dir.is_dir() and any(model_dir.iterdir())
            log(f"[{spec.name}] {'resuming' if resume else 'starting'} training into {model_dir}")
            trainer = manager.registry.create("trainer", spec.trainer)
            result = trainer.train(**train_options, out=str(model_dir), resume=resume)
            write_json_atomic(done, result.to_dict() if hasattr(result, "to_dict") else {"result": str(result)})
            trained = "trained"
        eval_options["model"] = f"hf:{model_dir.resolve()}"
    if "model" not in eval_options:
        raise UsageError(f"{spec.source or spec.name}: the eval section needs a model when there is no train section")
    config = RunConfig.model_validate({**eval_options, "out": str(exp_dir), "name": "eval"})
    run = run_eval(config, manager=manager, log=lambda m: log(f"[{spec.name}] {m}"))
    scores = run.scores or {}
    result = ExperimentResult(spec=spec, exp_dir=exp_dir, trained=trained, eval_status=run.status,
                              macro=_macro_value(scores.get("macro")),
                              macro_wo_others=_macro_value(scores.get("macro_wo_others")))
    write_json_atomic(exp_dir / "experiment.json", {
        "name": spec.name, "source": spec.source, "trained": trained, "eval_status": run.status,
        "run_dir": str(run.run_dir), "macro": result.macro, "macro_wo_others": result.macro_wo_others,
        "paper": spec.paper.model_dump(),
    })
    return result


def summary_rows(results: list[ExperimentResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        paper = r.spec.paper
        rows.append({
            "name": r.spec.name,
            "model": (r.spec.train or {}).get("model") or r.spec.eval.get("model"),
            "paper_model": paper.model,
            "data": (r.spec.train or {}).get("data") or paper.data or "-",
            "macro": r.macro, "paper_macro": paper.macro,
            "macro_wo_others": r.macro_wo_others, "paper_macro_wo_others": paper.macro_wo_others,
            "trained": r.trained, "eval": r.eval_status,
        })
    return rows


def write_summary(out_root: Path, rows: list[dict[str, Any]]) -> Path:
    path = out_root / "summary.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
