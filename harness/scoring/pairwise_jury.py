"""A pairwise jury: several judge models judge every pair, the majority decides.

Each juror's two orders give its outcome for a pair (a flipped verdict is a tie, as
``harness.judging.pairwise.combine`` decides for one judge; the run layer combines them). The jury's outcome is the outcome
more than half of the jurors that decided the pair gave; a pair where no outcome has such a majority
(a, b and tie once each; or two jurors split) is a tie, and one no juror decided stays undecided.
How far the jurors agree is Krippendorff's alpha at the nominal level over their per-pair outcomes
(``krippendorff`` package), the same statistic ``compare --judges`` uses, on categories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import UsageError

AGGREGATIONS = ("majority",)
CODES = {"a": 0.0, "b": 1.0, "tie": 2.0}


def pairwise_aggregation(how: str | None) -> str:
    """The jury's aggregation for ``compare --judge``: only ``majority`` (mean and median are pointwise)."""
    if how is None or how in AGGREGATIONS:
        return "majority"
    raise UsageError(
        f"--jury-aggregation {how!r} is not a pairwise aggregation",
        hint="a pairwise jury takes majority; mean and median combine pointwise scores (harness run)",
    )


def majority(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The jury's row for one pair from its jurors' rows (juror -> row)."""
    decided = [r["outcome"] for r in rows.values() if r["outcome"] is not None]
    top, votes = Counter(decided).most_common(1)[0] if decided else (None, 0)
    has_majority = votes * 2 > len(decided)
    flipped = sum(bool(r["inconsistent"]) for r in rows.values())
    return {
        "winners": {},
        "jurors": {j: r["outcome"] for j, r in sorted(rows.items())},
        "outcome": (top if has_majority else "tie") if decided else None,
        "inconsistent": bool(decided) and flipped * 2 > len(decided),
        "no_majority": bool(decided) and not has_majority,
    }


def jury_outcomes(per_juror: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Judged id -> the jury's row (see :func:`majority`)."""
    ids = sorted({i for rows in per_juror.values() for i in rows})
    return {i: majority({j: rows[i] for j, rows in per_juror.items() if i in rows}) for i in ids}


def juror_rows(per_juror: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Mapping[str, Any]]:
    """Every juror's row for every pair, keyed apart, so that the flip rate counts each juror's pairs."""
    return {f"{juror}\x00{i}": row for juror, rows in per_juror.items() for i, row in rows.items()}


def juror_win_rate(rows: Mapping[str, Mapping[str, Any]]) -> float | None:
    """One juror's win rate of b over a: (wins + ties / 2) / decided pairs."""
    points = [{"b": 1.0, "a": 0.0}.get(r["outcome"], 0.5) for r in rows.values() if r["outcome"] is not None]
    return sum(points) / len(points) if points else None


def jury_agreement(
    per_juror: Mapping[str, Mapping[str, Mapping[str, Any]]], jurors: Sequence[str], how: str
) -> dict[str, Any]:
    """The jurors, the aggregation, each juror's win rate of b and Krippendorff's alpha (nominal)."""
    import numpy as np

    ids = sorted({i for rows in per_juror.values() for i in rows})
    data = np.full((len(jurors), len(ids)), np.nan)
    for r, juror in enumerate(jurors):
        for c, judged_id in enumerate(ids):
            outcome = per_juror.get(juror, {}).get(judged_id, {}).get("outcome")
            data[r, c] = np.nan if outcome is None else CODES.get(outcome, np.nan)
    paired = int((np.sum(~np.isnan(data), axis=0) >= 2).sum())
    return {
        "jurors": list(jurors),
        "aggregation": how,
        "n_pairs": len(ids),
        "pairs_by_two_or_more": paired,
        "krippendorff_alpha_nominal": _nominal_alpha(data) if paired else None,
        "win_rate_b": {j: juror_win_rate(per_juror.get(j, {})) for j in jurors},
    }


def _nominal_alpha(data: Any) -> float | None:
    import krippendorff
    import numpy as np

    values = data[~np.isnan(data)]
    if len(values) < 2 or np.all(values == values[0]):
        return None  # every juror gave one outcome throughout: alpha is undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
