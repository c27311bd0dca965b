"""Experiments: train a model (optionally) and evaluate it, as one resumable unit per config file.

A config (``configs/table2/*.yaml``) holds a ``train`` section (the trainer's options: base model,
data mixture, Table 3 hyper-parameters), an ``eval`` section (``harness run`` options) and the id of
its published row (``paper: {table5: <row id>}``). The figures themselves are never copied into a
config: they are read from ``registry/paper/table5.yaml`` (the project's one copy of the paper's Table
5), so a config cannot drift from the published numbers. :func:`run_experiment` trains into
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

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.errors import UsageError
from harness.io import write_json_atomic, write_text_atomic
from harness.manager import get_manager
from harness.paper.comparability import MeasuredSetup, differences
from harness.paper.side_by_side import paper_section, recipe_paper_row
from harness.paper.table5 import PublishedRow, load_table5, published_row
from harness.registry_yaml import load_yaml_model
from harness.report.experiment_html import render_experiments_html
from harness.runs.config import RunConfig
from harness.runs.pipeline import run_eval
from harness.scoring.records import Scores

TRAIN_DONE = "train_result.json"
NO_PUBLISHED_ROW = "no published row"
PATH_KEYS = ("data_dir", "model_path", "tokenizer", "deepspeed_config")


LEGACY_PAPER_KEYS = frozenset({"table", "model", "data", "macro", "macro_wo_others"})


class PaperLink(BaseModel):
    """Which published Table 5 row an experiment reproduces (``None``: none), and a note on it."""

    model_config = ConfigDict(extra="forbid")

    table5: str | None = Field(default=None, description="row id in registry/paper/table5.yaml")
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _no_copied_figures(cls, data: Any) -> Any:
        if isinstance(data, dict) and LEGACY_PAPER_KEYS & set(data):
            copied = ", ".join(sorted(LEGACY_PAPER_KEYS & set(data)))
            raise ValueError(
                f"published figures are not copied into configs ({copied}): write `table5: <row id>` instead "
                "(the `id:` of a row in registry/paper/table5.yaml), and the figures are read from there"
            )
        return data


class ExperimentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9._\-]+$")
    description: str = ""
    paper: PaperLink = Field(default_factory=PaperLink)
    trainer: str = "deepspeed"
    train: dict[str, Any] | None = None
    eval: dict[str, Any] = Field(default_factory=dict)
    # job resources for --executor slurm (gpus, nodes, time_min, partition); options on the command line win
    slurm: dict[str, Any] | None = None
    source: str | None = Field(default=None, exclude=True)

    def published(self) -> PublishedRow | None:
        """The published row this experiment reproduces (validated when the config was loaded)."""
        if not self.paper.table5:
            return None
        return published_row(self.paper.table5, where=f"{self.source or self.name}: paper.table5")


@dataclass
class ExperimentResult:
    spec: ExperimentSpec
    exp_dir: Path
    trained: str  # "trained", "skipped (done)", "none"
    eval_status: str = "not run"
    macro: float | None = None
    macro_wo_others: float | None = None
    scores: Scores | None = None
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
    spec.published()  # an unknown row id fails here, naming the file, before anything runs
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


def _macro_value(value: float | None) -> float | None:
    return float(value) if value is not None else None


def run_experiment(
    spec: ExperimentSpec,
    *,
    out_root: Path,
    overrides: dict[str, Any] | None = None,
    train_overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    manager=None,
) -> ExperimentResult:
    """Train (unless done) and evaluate (resuming) one experiment."""
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
            train_options = {
                **spec.train,
                **{k: v for k, v in (train_overrides or {}).items() if v is not None},
            }
            resume = model_dir.is_dir() and any(model_dir.iterdir())
            log(f"[{spec.name}] {'resuming' if resume else 'starting'} training into {model_dir}")
            trainer = manager.registry.create("trainer", spec.trainer)
            result = trainer.train(**train_options, out=str(model_dir), resume=resume)
            write_json_atomic(
                done, result.to_dict() if hasattr(result, "to_dict") else {"result": str(result)}
            )
            trained = "trained"
        eval_options["model"] = f"hf:{model_dir.resolve()}"
    if spec.paper.table5 and not eval_options.get("paper_row"):
        # the eval run's scores.json then carries published beside measured, and its comparability
        # is judged from the run's own records (train_config.json beside the model, judge, subset)
        eval_options["paper_row"] = spec.paper.table5
    if "model" not in eval_options:
        raise UsageError(
            f"{spec.source or spec.name}: the eval section needs a model when there is no train section"
        )
    config = RunConfig.model_validate({**eval_options, "out": str(exp_dir), "name": "eval"})
    run = run_eval(config, manager=manager, log=lambda m: log(f"[{spec.name}] {m}"))
    scores = run.scores
    result = ExperimentResult(
        spec=spec,
        exp_dir=exp_dir,
        trained=trained,
        eval_status=run.status,
        macro=None if scores is None else _macro_value(scores.macro.mean),
        macro_wo_others=None if scores is None else _macro_value(scores.macro_wo_others.mean),
        scores=scores,
        extra={"eval_options": eval_options},
    )
    write_json_atomic(
        exp_dir / "experiment.json",
        {
            "name": spec.name,
            "source": spec.source,
            "trained": trained,
            "eval_status": run.status,
            "run_dir": str(run.run_dir),
            "macro": result.macro,
            "macro_wo_others": result.macro_wo_others,
            "paper": side_by_side(result),
        },
    )
    return result


def configured_setup(spec: ExperimentSpec, eval_options: dict[str, Any] | None = None) -> MeasuredSetup:
    """What an experiment's config says it will do (used when its eval run left no scores to read)."""
    options = {**spec.eval, **(eval_options or {})}
    categories = options.get("categories")
    model = None if spec.train is not None else options.get("model")
    return MeasuredSetup(
        model=model,
        released_row=recipe_paper_row(model),
        dataset=str(options.get("dataset") or "belle-eval"),
        limit=options.get("limit"),
        categories=tuple(categories) if categories else None,
        judge=str(options.get("judge") or "gpt35"),
        judge_model=options.get("judge_model"),
        trained=spec.train,
    )


def configured_verdict(spec: ExperimentSpec) -> str:
    """The comparability verdict an experiment's config implies, before anything runs (``--dry-run``)."""
    row = spec.published()
    if row is None:
        return NO_PUBLISHED_ROW

    return differences(row, load_table5().setup, configured_setup(spec)).verdict


def side_by_side(result: ExperimentResult) -> dict[str, Any]:
    """Published and measured per Table 5 column and macro for one experiment, with the verdict.

    The eval run's own ``paper`` section (``scores.json``, judged from the run's records) when there
    is one; else the published row beside no measurement, judged from the config; else, for an
    experiment that names no published row, the measured figures alone.
    """
    scores = result.scores
    if scores is not None and scores.section("paper"):
        return dict(scores.section("paper"))
    row = result.spec.published()
    if row is not None:
        return paper_section(row, None, configured_setup(result.spec, result.extra.get("eval_options")))
    return measured_only(scores)


def _measured(label: str, mean: float | None, n: int | None) -> dict[str, Any]:
    return {"label": label, "published": None, "measured": mean, "delta": None, "n": n}


def measured_only(scores: Scores | None) -> dict[str, Any]:
    """The paper section of an experiment that names no published row: its measured figures alone."""
    columns = {} if scores is None else scores.columns
    return {
        "row": None,
        "paper_model": None,
        "paper_data": None,
        "source": None,
        "comparable": False,
        "verdict": NO_PUBLISHED_ROW,
        "differences": [],
        "columns": {g: _measured(c.label, c.mean, c.n) for g, c in columns.items()},
        "macro": _measured("macro ave", *_macro_mean(scores, "macro")),
        "macro_wo_others": _measured("macro ave w/o others", *_macro_mean(scores, "macro_wo_others")),
    }


def _macro_mean(scores: Scores | None, key: str) -> tuple[float | None, None]:
    """A macro's mean (``None`` without scores); a macro has no ``n``."""
    return (None if scores is None else getattr(scores, key).mean), None


def summary_rows(results: list[ExperimentResult]) -> list[dict[str, Any]]:
    """One row per experiment for ``summary.json`` and the printed table.

    ``paper`` holds published, measured and delta per Table 5 column and macro, the verdict
    (``substitute data: not comparable`` ...) and the list of what differs from the paper's setup.
    """
    rows = []
    for r in results:
        published = r.spec.published()
        paper = side_by_side(r)
        rows.append(
            {
                "name": r.spec.name,
                "model": (r.spec.train or {}).get("model") or r.spec.eval.get("model"),
                "paper_row": None if published is None else published.id,
                "paper_model": None if published is None else published.model,
                "data": (r.spec.train or {}).get("data") or (published.data if published else None) or "-",
                "macro": r.macro,
                "paper_macro": None if published is None else published.macro,
                "macro_wo_others": r.macro_wo_others,
                "paper_macro_wo_others": None if published is None else published.macro_wo_others,
                "comparable": paper["comparable"],
                "verdict": paper["verdict"],
                "differences": paper["differences"],
                "trained": r.trained,
                "eval": r.eval_status,
                "run_dir": str(r.exp_dir / "eval"),
                "paper": paper,
            }
        )
    return rows


def write_summary(out_root: Path, rows: list[dict[str, Any]]) -> Path:
    """``summary.json`` and ``summary.html`` (measured beside published, with verdicts) in ``out_root``."""
    path = out_root / "summary.json"
    write_text_atomic(path, json.dumps(rows, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    write_text_atomic(out_root / "summary.html", render_experiments_html(rows))
    return path
