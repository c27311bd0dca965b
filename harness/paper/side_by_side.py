"""Published next to measured, per Table 5 column and macro, with the comparability verdict.

:func:`comparison_for_run` finds the published row a run directory is compared with and builds the
``paper`` section of ``scores.json``, which the terminal, Markdown and HTML reports render. A run is
linked to a row by its config's ``paper_row`` (set by ``harness experiment`` from the experiment
config, or by the user) or else by its model's registry recipe (``paper_row`` of a released model
such as ``belle-on-open-datasets``). Without a link there is no paper section: the harness never
guesses which published figure a run should be held against.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.paper.comparability import MeasuredSetup, differences
from harness.paper.table5 import PublishedRow, load_table5
from harness.scoring.columns import TABLE5_LABELS

TRAIN_RECORD = "train_config.json"


def recipe_paper_row(model: str | None) -> str | None:
    """The Table 5 row of a registered model's own released weights (``paper_row`` in its recipe)."""
    if not model:
        return None
    from harness.models.hub import builtin_recipes

    for recipe in builtin_recipes():
        if model == recipe.name or model in recipe.aliases:
            return recipe.paper_row
    return None


def _answering_models(judgments: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    seen: set[str] = set()
    for record in judgments:
        meta = record.get("meta")
        meta = meta if isinstance(meta, Mapping) else {}
        value = record.get("answering_model") or meta.get("answering_model")
        if isinstance(value, str) and value:
            seen.add(value)
    return tuple(sorted(seen))


def _training_record(model: str | None, model_path: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """``(trainer options, None)`` from ``train_config.json`` beside a trained model, or ``(None, why not)``."""
    directory = model_path or (model[3:] if model and model.startswith("hf:") else None)
    if not directory:
        return None, None
    record = Path(directory) / TRAIN_RECORD
    if not record.is_file():
        return None, f"no {TRAIN_RECORD} beside the model {directory}: its training data cannot be checked"
    try:
        loaded = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{record}: unreadable ({type(exc).__name__}); its training data cannot be checked"
    config = loaded.get("config") if isinstance(loaded, dict) else None
    if not isinstance(config, dict):
        return None, f"{record}: no 'config' object; its training data cannot be checked"
    return config, None


def measured_setup_for_run(
    config: Mapping[str, Any],
    judgments: Sequence[Mapping[str, Any]],
    n_samples: int | None,
    row: PublishedRow,
) -> MeasuredSetup:
    """What a run directory's records say it did (``run.json``'s config, judgments, training record)."""
    model = config.get("model")
    trained, why_not = _training_record(model, config.get("model_path"))
    unknown: list[str] = []
    if trained is None and row.base_model is not None and recipe_paper_row(model) != row.id:
        unknown.append(
            why_not or f"model {model}: no training record, so its training data cannot be checked"
        )
    if trained is None and recipe_paper_row(model) == row.id and config.get("model_path"):
        # the released weights are encrypted diffs; nothing records that a local copy is them, decrypted
        unknown.append(
            f"model weights: {config['model_path']} stands for {model}; not checked to be the "
            "released weights"
        )
    judge_model = config.get("judge_model")
    answered = [m for m in _answering_models(judgments) if not m.startswith("gpt-3.5-turbo")]
    if answered:
        unknown.append(f"judge answered by {', '.join(answered)}, not gpt-3.5-turbo")
    categories = config.get("categories")
    return MeasuredSetup(
        model=model,
        dataset=str(config.get("dataset") or "belle-eval"),
        n_samples=n_samples,
        limit=config.get("limit"),
        categories=tuple(categories) if categories else None,
        judge=str(config.get("judge") or "gpt35"),
        judge_model=judge_model,
        trained=trained,
        released_row=recipe_paper_row(model),
        unknown=tuple(unknown),
    )


def paper_section(row: PublishedRow, scores: Mapping[str, Any], setup: MeasuredSetup) -> dict[str, Any]:
    """The ``paper`` section of ``scores.json``: per column and macro, published, measured, delta."""
    table = load_table5()
    verdict = differences(row, table.setup, setup)

    def entry(label: str, published: float, measured: Mapping[str, Any] | None) -> dict[str, Any]:
        mean = None if measured is None else measured.get("mean")
        return {
            "label": label,
            "published": published,
            "measured": mean,
            "delta": None if mean is None else mean - published,
            "n": None if measured is None else measured.get("n"),
        }

    columns = {
        name: entry(
            scores["columns"].get(name, {}).get("label", TABLE5_LABELS.get(name, name)),
            value,
            scores["columns"].get(name),
        )
        for name, value in row.scores.items()
    }
    return {
        "row": row.id,
        "paper_model": row.model,
        "paper_data": row.data,
        "source": table.source,
        **verdict.to_dict(),
        "columns": columns,
        "macro": entry("macro ave", row.macro, scores.get("macro")),
        "macro_wo_others": entry("macro ave w/o others", row.macro_wo_others, scores.get("macro_wo_others")),
    }


def comparison_for_run(
    config: Mapping[str, Any], judgments: Sequence[Mapping[str, Any]], scores: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The paper section for a run, or ``None`` when the run is linked to no published row."""
    row_id = config.get("paper_row") or recipe_paper_row(config.get("model"))
    if not row_id:
        return None
    row = load_table5().row(str(row_id), where="run.json paper_row")
    setup = measured_setup_for_run(config, judgments, scores.get("totals", {}).get("n_samples"), row)
    return paper_section(row, scores, setup)
