"""``write_report``: a run directory in, ``scores.json``, ``scores.csv``, ``report.md`` and
``report.html`` out (each written to a temporary file and renamed, so a reader never sees half).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.paper.side_by_side import comparison_for_run
from harness.report.csv_export import render_csv
from harness.report.html import render_html
from harness.report.markdown import render_markdown
from harness.report.rundir import JUDGMENTS, RunDir, read_run_dir
from harness.scoring.aggregate import score_judgments
from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from harness.specs import CategorySpec

REPORT_FILES = ("scores.json", "scores.csv", "report.md", "report.html")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def scores_for_run(
    run: RunDir,
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The scores dict for a loaded run, with a ``run`` header (name, model, judge, dataset).

    A run linked to a published Table 5 row (its config's ``paper_row``, or its model's recipe) also
    gets a ``paper`` section: published and measured per column, and whether they are comparable.
    """
    scores = score_judgments(run.judgments, categories=categories, n_resamples=n_resamples, seed=seed)
    scores = {**scores, "run": run.describe(), "notes": list(run.notes)}
    run_config = run.config.get("config") if isinstance(run.config.get("config"), dict) else run.config
    paper = comparison_for_run(run_config, run.judgments, scores)
    return {**scores, "paper": paper} if paper is not None else scores


def write_report(
    run_dir: Path,
    *,
    judgments_file: str = JUDGMENTS,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Score ``run_dir`` and write the report files into it; returns the scores dict.

    With a judgments file other than ``judgments.jsonl`` (another judge's), the outputs are named
    after it (``scores-<stem>.json`` ...) so they do not overwrite the main judge's report.
    """
    run_dir = Path(run_dir)
    run = read_run_dir(run_dir, judgments_file=judgments_file)
    scores = scores_for_run(run, categories=categories, n_resamples=n_resamples, seed=seed)
    suffix = "" if run.judgments_file == JUDGMENTS else "-" + Path(run.judgments_file).stem.removeprefix("judgments-")
    outputs = {
        f"scores{suffix}.json": json.dumps(scores, ensure_ascii=False, indent=2) + "\n",
        f"scores{suffix}.csv": render_csv(scores),
        f"report{suffix}.md": render_markdown(run, scores),
        f"report{suffix}.html": render_html(run, scores),
    }
    for name, text in outputs.items():
        _write_atomic(run_dir / name, text)
    return scores
