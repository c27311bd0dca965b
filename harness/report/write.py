"""``write_report``: a run directory in, ``scores.json``, ``scores.csv``, ``report.md`` and
``report.html`` out (each written to a temporary file and renamed, so a reader never sees half).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import DataError, UsageError
from harness.io import write_text_atomic
from harness.manager import get_registry
from harness.paper.side_by_side import comparison_for_run
from harness.report.calibration import stored_calibration
from harness.report.csv_export import render_csv
from harness.report.html import render_html
from harness.report.markdown import render_markdown
from harness.report.rundir import RunDir, read_run_dir
from harness.runs.calibration_file import CALIBRATION_FILE
from harness.runs.layout import JUDGMENTS, RUN_FILE, report_file_names
from harness.scoring.aggregate import score_judgments
from harness.scoring.bias import pointwise_bias
from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from harness.scoring.headline import DEFAULT_HEADLINE
from harness.scoring.records import Scores
from harness.scoring.samples import fold_records
from harness.scoring.turns import has_turns, turn_scores
from harness.specs import CategorySpec


def scores_for_run(
    run: RunDir,
    *,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Scores:
    """The scores of a loaded run, with a ``run`` header (name, model, judge, dataset) and the
    report's sections (notes, jury, turns, published, judge bias, calibration).

    A run linked to a published Table 5 row (its config's ``paper_row``, or its model's recipe) also
    gets a ``paper`` section: published and measured per column, and whether they are comparable.
    """
    scores = score_judgments(
        run.judgments, categories=categories, n_resamples=n_resamples, seed=seed, headline=run_headline(run)
    )
    _note_rejected(run, scores)
    scores = scores.with_sections(run=run.describe(), notes=list(run.notes))
    if run.jury is not None:  # only a jury run: a single judge's scores.json is unchanged
        scores = scores.with_sections(jury=run.jury)
    if has_turns(run.judgments):  # multi-turn samples: per-turn columns (harness.scoring.turns)
        turns = turn_scores(run.judgments, scale=scores.scale_or_default, n_resamples=n_resamples, seed=seed)
        scores = scores.with_sections(turns=turns)
    run_config = _applied_config(run)
    published = published_for_run(scores.run, run_config, run.record.decoding)
    if published is not None:
        scores = scores.with_sections(published=published)
    bias = pointwise_bias(
        run.judgments,
        run.generations,
        scale=None if scores.scale is None else scores.scale.to_dict(),
        models=[m for m in (scores.run.get("model"),) if m],
        configured_judge=_configured_judge_model(run_config),
        n_resamples=n_resamples,
        seed=seed,
    )
    scores = scores.with_sections(judge_bias=bias)
    calibration = calibration_for_run(run, n_resamples=n_resamples, seed=seed)
    if calibration is not None:
        scores = scores.with_sections(calibration=calibration)
        run.notes.extend(calibration["notes"])
    scores = scores.with_sections(notes=list(run.notes))  # with a note on labels that could not be used
    paper = comparison_for_run(run_config, run.judgments, scores)
    return scores.with_sections(paper=paper) if paper is not None else scores


def _note_rejected(run: RunDir, scores: Scores) -> None:
    """A note on judgments marked scored whose score was not a number in the judge's scale."""
    rejected = scores.rejected_scores or ()
    if rejected:
        scale = scores.scale_or_default
        run.notes.append(
            f"{run.judgments_file}: {len(rejected)} judgment(s) marked scored had a score that is not a number "
            f"within {scale.low:g}..{scale.high:g}; they count as unscored (first: {rejected[0]})"
        )


def _applied_config(run: RunDir) -> dict[str, Any]:
    """The run's recorded configuration, with the length limit that applied (a dataset's default)."""
    run_config = dict(run.record.config)
    if run.record.max_new_tokens is not None:
        run_config["max_new_tokens"] = run.record.max_new_tokens
    return run_config


def scores_json(scores: Scores) -> str:
    """The text of ``scores.json``: strict JSON (allow_nan=False: a NaN here would be a bug, not a
    figure), indented, not ASCII-escaped."""
    return json.dumps(scores.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _configured_judge_model(config: Any) -> str | None:
    """The run's ``--judge-model`` as run.json recorded it (None when it used the judge's default)."""
    value = config.get("judge_model") if isinstance(config, Mapping) else None
    return value if isinstance(value, str) and value else None


def calibration_for_run(run: RunDir, *, n_resamples: int, seed: int) -> dict[str, Any] | None:
    """The figures from the human labels ``harness calibrate`` stored in the run (``None`` without
    any); a damaged ``calibration.json`` is a note, not a report that fails."""
    if not (run.path / CALIBRATION_FILE).exists():  # most runs: nothing to import or compute
        return None

    try:
        return stored_calibration(run, fold_records(run.judgments), n_resamples=n_resamples, seed=seed)
    except DataError as exc:
        run.notes.append(f"calibration not shown: {exc.args[0]}")
        return None


def run_headline(run: RunDir) -> str:
    """How the run's dataset aggregates its headline (``DatasetSpec.headline``); ``macro``, BELLE's,
    for a dataset this registry does not know (a plugin not installed here, a file)."""
    try:
        spec = get_registry().get("dataset", str(run.describe().get("dataset")))
    except Exception:  # an unknown dataset, no registry: the default
        return DEFAULT_HEADLINE
    return str(getattr(spec, "headline", DEFAULT_HEADLINE))


def run_decoding(config: Mapping[str, Any], recorded: Any = None) -> str | None:
    """How the run generated its answers, in words: what run.json recorded (``recorded``, its
    ``decoding``), else what its configuration says, and the length limit."""
    if isinstance(recorded, str) and recorded:
        how = recorded
    elif config and ("temperature" in config or "greedy" in config):
        how = (
            "greedy" if config.get("greedy") else f"temperature {config.get('temperature')} for every sample"
        )
    else:
        return None
    length = config.get("max_new_tokens") if config else None
    return f"{how}, at most {length:,} new tokens" if isinstance(length, int) else how


def published_for_run(
    info: Mapping[str, Any], config: Mapping[str, Any] | None = None, decoding: Any = None
) -> dict[str, Any] | None:
    """The scores published for the run's dataset with the run's judge (``DatasetSpec.published``),
    for reference, with how their answers were generated beside how this run's were (``config``:
    the run's recorded configuration); ``None`` when there are none or the plugin registry cannot
    be read."""
    try:
        spec = get_registry().get("dataset", str(info.get("dataset")))
    except Exception:  # an unknown dataset (plugin not installed here), no registry: nothing to show
        return None
    published = getattr(spec, "published", None)
    judge = getattr(spec, "published_judge", "")
    if not published or judge != info.get("judge"):
        return None
    return {
        "scores": dict(published),
        "judge": judge,
        "source": getattr(spec, "published_source", ""),
        "note": "published figures, for reference only: not measured by this run",
        "protocol": getattr(spec, "published_protocol", "") or None,
        "run_decoding": run_decoding(config or {}, decoding),
    }


def _check_ours(run_dir: Path) -> None:
    """Report files go only into a harness run directory: a folder without ``run.json`` may hold a
    ``report.md`` of the user's, and the harness never writes into a folder it did not create."""
    if not (run_dir / RUN_FILE).is_file():
        raise UsageError(
            f"{run_dir} is not a harness run directory (no {RUN_FILE}); the harness never writes "
            "report files into such a folder",
            hint="harness compare reads it without writing; or copy the judgments into a run directory.",
        )


def write_report(
    run_dir: Path,
    *,
    judgments_file: str = JUDGMENTS,
    categories: Mapping[str, CategorySpec] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Scores:
    """Score ``run_dir`` and write the report files into it; returns the scores.

    With a judgments file other than ``judgments.jsonl`` (another judge's), the outputs are named
    after it (``scores-<stem>.json`` ...) so they do not overwrite the main judge's report.
    """
    run_dir = Path(run_dir)
    run = read_run_dir(run_dir, judgments_file=judgments_file)
    _check_ours(run_dir)
    if categories is None:
        categories = get_registry().categories()
    scores = scores_for_run(run, categories=categories, n_resamples=n_resamples, seed=seed)
    names = report_file_names(run.judgments_file)
    texts = (
        scores_json(scores),
        render_csv(scores),
        render_markdown(run, scores),
        render_html(run, scores, categories),
    )
    outputs = dict(zip(names, texts, strict=True))
    for name, text in outputs.items():
        write_text_atomic(run_dir / name, text)
    return scores
