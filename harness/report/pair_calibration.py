"""A verdicts file of ``harness compare --verdicts`` and people's verdicts -> the calibration figures
of a pairwise judge (``harness calibrate FILE --labels LABELS``).

Nothing is stored: the verdicts file is the comparison's record and the labels file the people's.
Both runs' answers must be those the verdicts were given on (sha256 of each ``generations.jsonl``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.runs.labels import read_labels
from harness.runs.pair_verdicts import check_runs_unchanged, read_verdicts
from harness.scales import ScoreScale
from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from harness.scoring.pair_calibration import calibrate_pairs


def calibrate_verdicts(
    path: Path, *, labels_path: Path, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """The figures of the pairwise judge whose outcomes ``path`` holds, against ``labels_path``."""
    header, pairs = read_verdicts(path)
    check_runs_unchanged(path, header)
    labels = read_labels(
        labels_path, known_ids=pairs.keys(), scale=ScoreScale(kind="pairwise"), expect="pairwise"
    )
    figures = calibrate_pairs(pairs, labels.values, n_resamples=n_resamples, seed=seed)
    runs = {side: header[side]["path"] for side in ("a", "b")}
    return {
        **figures,
        "verdicts_file": str(path),
        "runs": runs,
        "judge": header.get("judge"),
        "labels_file": str(labels_path),
        "labels_sha256": labels.sha256,
    }
