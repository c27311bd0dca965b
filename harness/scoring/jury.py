"""A jury: several judge models judge every item; one verdict per (id, repeat) is scored.

A jury run's judgment lines carry ``juror`` (the judge model that gave the verdict). Before the
usual scoring, the jurors' verdicts on one (id, repeat) become one record (:func:`aggregate`):
the ``mean`` (or ``median``: ``--jury-aggregation``) of the scores the jurors gave (jurors that gave none are left out and counted in
``meta.jurors_unscored``); no juror scored it: ``unscored`` if any juror's verdict is final, else
``failed``. The record keeps each juror's score (``meta.jurors``). How far the jurors agree is
Krippendorff's alpha (interval), over every (id, repeat) at least two jurors scored, as
``compare --judges`` computes it for two judges (:func:`jury_agreement`).

Lines without ``juror`` (every run judged by one model) pass through untouched.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from typing import Any

AGGREGATIONS: dict[str, Callable[[list[float]], float]] = {
    "mean": statistics.fmean,
    "median": statistics.median,
}


def is_jury(records: Iterable[Mapping[str, Any]]) -> bool:
    return any(isinstance(r.get("juror"), str) for r in records)


def _by_unit(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], list[Mapping[str, Any]]]:
    units: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for record in records:
        units.setdefault((record["id"], record.get("repeat") or 0), []).append(record)
    return units


def _one(lines: list[Mapping[str, Any]], how: str) -> dict[str, Any]:
    scored = {r["juror"]: float(r["score"]) for r in lines if r.get("status") == "scored"}
    base = {k: v for k, v in lines[0].items() if k not in ("juror", "score", "raw", "meta", "reason")}
    meta = {
        "jurors": scored,
        "aggregation": how,
        "jurors_unscored": sorted(r["juror"] for r in lines if r.get("status") != "scored"),
        **_who_answered(lines),
    }
    if scored:
        return {
            **base,
            "status": "scored",
            "score": AGGREGATIONS[how](list(scored.values())),
            "reason": "",
            "meta": meta,
        }
    final = [r for r in lines if r.get("status") == "unscored"]
    status = "unscored" if final else "failed"
    reason = (final or lines)[0].get("reason", "")
    return {**base, "status": status, "score": None, "reason": f"no juror scored it ({reason})", "meta": meta}


def _who_answered(lines: list[Mapping[str, Any]]) -> dict[str, str]:
    """The jurors' answering models and fingerprints, joined, so that ``compare`` still sees when
    two jury runs were judged by different backends (:mod:`harness.runs.judge_drift`)."""
    found = {}
    for key in ("answering_model", "system_fingerprint"):
        values = {r["meta"].get(key) for r in lines if isinstance(r.get("meta"), Mapping)}
        names = sorted(v for v in values if isinstance(v, str) and v)
        if names:
            found[key] = " + ".join(names)
    return found


def aggregate(records: list[dict[str, Any]], how: str = "mean") -> list[dict[str, Any]]:
    """One record per (id, repeat): the jurors' verdicts combined ``how`` (see the module docstring)."""
    if not is_jury(records):
        return records
    return [
        _one(lines, how) if any("juror" in r for r in lines) else dict(lines[-1])
        for lines in _by_unit(records).values()
    ]


def jury_aggregation(run_meta: Mapping[str, Any]) -> str:
    """The aggregation ``run.json`` records (``config.jury_aggregation``), ``mean`` by default."""
    config = run_meta.get("config")
    how = config.get("jury_aggregation") if isinstance(config, Mapping) else None
    return how if how in AGGREGATIONS else "mean"


def jury_agreement(records: Iterable[Mapping[str, Any]], how: str = "mean") -> dict[str, Any] | None:
    """The jurors, and Krippendorff's alpha (interval) between them (``None`` for one judge)."""
    records = [r for r in records if isinstance(r.get("juror"), str)]
    if not records:
        return None
    import numpy as np

    jurors = sorted({r["juror"] for r in records})
    units = sorted(_by_unit(records))
    column = {u: i for i, u in enumerate(units)}
    data = np.full((len(jurors), len(units)), np.nan)
    for r in records:
        if (
            r.get("status") == "scored"
            and isinstance(r.get("score"), (int, float))
            and math.isfinite(r["score"])
        ):
            data[jurors.index(r["juror"]), column[(r["id"], r.get("repeat") or 0)]] = float(r["score"])
    paired = int((np.sum(~np.isnan(data), axis=0) >= 2).sum())
    return {
        "jurors": jurors,
        "aggregation": how,
        "units_by_two_or_more": paired,
        "krippendorff_alpha_interval": _alpha(data) if paired >= 2 else None,
    }


def _alpha(data: Any) -> float | None:
    import krippendorff
    import numpy as np

    values = data[~np.isnan(data)]
    if len(values) < 2 or np.all(values == values[0]):
        return None  # no variation: alpha is undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))
