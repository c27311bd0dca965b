"""A run directory and human labels -> the calibration figures (``harness calibrate``, and the
calibrated figure ``harness report`` shows beside the judge's).

The labels come from the file the user names (checked line by line, then stored in the run's
``calibration.json``) or, without one, from what was stored; either way the figures are computed
from the run's judgments as they are now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.errors import DataError, UsageError
from harness.report.rundir import JUDGMENTS, RunDir, read_run_dir
from harness.runs.calibration_file import CALIBRATION_FILE, HINT, load_stored, store_labels
from harness.runs.labels import read_labels
from harness.scales import check_score
from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from harness.scoring.calibration import calibrate
from harness.scoring.samples import FoldedJudgments, fold_records

PAIRWISE_HINT = (
    "A run directory holds a pointwise judge's scores: give scores on the judge's scale. Verdicts "
    "(a, b, tie) calibrate a pairwise judge: harness compare RUN_A RUN_B --judge <pairwise> "
    "--verdicts FILE, then harness calibrate FILE --labels LABELS."
)


def answer_digests(run: RunDir, ids: Iterable[str]) -> dict[str, str]:
    """sha256 of each of ``ids``' answers (its turns, for a conversation), as the run holds them now."""
    digests = {}
    for sample_id in ids:
        record = run.generations.get(sample_id)
        if record is not None:
            answer = record.get("answer", record.get("turns"))
            digests[sample_id] = hashlib.sha256(json.dumps(answer, ensure_ascii=False).encode()).hexdigest()
    return digests


def _check_answers(run: RunDir, stored: dict[str, Any]) -> None:
    """Labels judge answers: an answer regenerated since it was labelled makes its label meaningless."""
    recorded = stored.get("answers_sha256") or {}
    now = answer_digests(run, recorded)
    changed = sorted(i for i, digest in recorded.items() if now.get(i) != digest)
    if changed:
        raise DataError(
            f"{run.path / CALIBRATION_FILE}: {len(changed)} labelled answer(s) changed since they were "
            f"labelled (first: id {changed[0][:80]!r}); the labels are of the old answers",
            hint="Label the new answers and give them: harness calibrate RUN_DIR --labels FILE",
        )


def _stored_values(run: RunDir, stored: dict[str, Any], folded: FoldedJudgments) -> dict[str, float]:
    """The stored labels, checked again against the run's ids, answers and scale (the file may be
    hand-edited, the run regenerated)."""
    _check_answers(run, stored)
    run_dir = run.path
    values: dict[str, float] = {}
    for sample_id, value in stored["labels"].items():
        score, reason = check_score(value, folded.scale)
        if sample_id not in folded.outcomes or score is None:
            problem = reason or "not a sample of this run"
            raise DataError(
                f"{run_dir / CALIBRATION_FILE}: label of id {sample_id[:80]!r}: {problem}", hint=HINT
            )
        values[sample_id] = score
    return values


def _labels_for(
    run: RunDir, folded: FoldedJudgments, labels_path: Path | None
) -> tuple[dict[str, float], dict[str, Any]]:
    """The labels to use and where they came from (``source``, ``sha256``)."""
    if labels_path is not None:
        labels = read_labels(labels_path, known_ids=folded.outcomes.keys(), scale=folded.scale)
        if labels.kind != "pointwise":
            raise DataError(
                f"{labels_path}: verdict labels, but this run's judge scores answers pointwise",
                hint=PAIRWISE_HINT,
            )
        if not (run.path / "run.json").is_file():
            raise UsageError(
                f"{run.path} is not a harness run directory (no run.json); the labels are not stored"
            )
        store_labels(
            run.path,
            labels,
            judgments_file=run.judgments_file,
            scale=folded.scale.to_dict(),
            answers=answer_digests(run, labels.values),
        )
        return labels.values, {"labels_file": str(labels_path), "labels_sha256": labels.sha256}
    stored = load_stored(run.path)
    if stored is None:
        raise UsageError(
            f"{run.path} has no stored human labels",
            hint="Give them: harness calibrate RUN_DIR --labels FILE",
        )
    if stored.get("scale") != folded.scale.to_dict():
        raise UsageError(
            f"{run.path / CALIBRATION_FILE}: the stored labels are not on {run.judgments_file}'s scale "
            f"({folded.scale.label})",
            hint="Give labels on this judge's scale: --labels FILE",
        )
    return _stored_values(run, stored, folded), {
        "labels_file": stored.get("labels_file"),
        "labels_sha256": stored.get("labels_sha256"),
    }


def calibrate_run(
    run_dir: Path,
    *,
    labels_path: Path | None = None,
    judgments_file: str = JUDGMENTS,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The calibration figures of ``run_dir`` (``labels_path``: new labels, stored first)."""
    run = read_run_dir(run_dir, judgments_file=judgments_file)
    folded = fold_records(run.judgments)
    if folded.scale.kind != "pointwise":
        raise UsageError(
            f"{run.path}: its judge is {folded.scale.kind}; calibrate needs a pointwise judge's scores",
            hint=PAIRWISE_HINT,
        )
    values, source = _labels_for(run, folded, labels_path)
    figures = calibrate(folded.outcomes, values, folded.scale, n_resamples=n_resamples, seed=seed)
    return {**figures, "run": run.describe(), **source, "notes": [*run.notes, *figures["notes"]]}


def stored_calibration(
    run: RunDir, folded: FoldedJudgments, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> dict[str, Any] | None:
    """The figures from the labels stored in ``run`` (``None`` without any, or when they are on
    another scale than this judgments file's judge: labels are of samples, so they calibrate every
    judge of the run that scores on their scale)."""
    stored = load_stored(run.path)
    if stored is None or stored.get("scale") != folded.scale.to_dict():
        return None
    values = _stored_values(run, stored, folded)
    return calibrate(folded.outcomes, values, folded.scale, n_resamples=n_resamples, seed=seed)
