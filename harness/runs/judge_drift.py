"""Who answered a run's judgments, and whether that changed while it ran.

A judge is named by an alias (``gpt-3.5-turbo``) that the provider re-points, and the backend
behind one model string moves too (OpenAI's ``system_fingerprint``). Every judgment records both
(``meta.answering_model``, ``meta.system_fingerprint``: scrubbed and capped by the API client).
Read back from the judgments file in the order they were written (the order they finished, across
resumes), they give the counts ``run.json`` keeps (``answering_models``, ``fingerprints``) and the
changes the run's summary names: old value, new value, and where. A jury is read per juror (each
judge model's own answers), so two jurors are never taken for one judge that changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

FIELDS = (("answering_model", "answering model"), ("system_fingerprint", "system_fingerprint"))
MAX_CHANGES = 20  # a judge flapping between backends is said by its first changes and a count


def _meta(record: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = record.get("meta")
    return meta if isinstance(meta, Mapping) else {}


def _value(record: Mapping[str, Any], key: str) -> str | None:
    value = _meta(record).get(key)
    return value if isinstance(value, str) and value else None


def _juror(record: Mapping[str, Any]) -> str:
    juror = record.get("juror")  # only a jury's lines carry one
    return juror if isinstance(juror, str) else ""


def answering_counts(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Judgments per answering model and per fingerprint (judgments without one are not counted)."""
    records = list(records)
    counts: dict[str, dict[str, int]] = {}
    for key, name in (("answering_model", "answering_models"), ("system_fingerprint", "fingerprints")):
        counts[name] = dict(Counter(v for v in (_value(r, key) for r in records) if v is not None))
    return counts


def changes(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each change of answering model or fingerprint, per juror, in file order: ``{"field",
    "juror", "old", "new", "after"}`` (``after``: judgments of that juror before the change)."""
    last: dict[tuple[str, str], str] = {}
    seen: Counter[str] = Counter()
    found: list[dict[str, Any]] = []
    for record in records:
        juror = _juror(record)
        for key, _ in FIELDS:
            value = _value(record, key)
            if value is None:
                continue
            old = last.get((juror, key))
            if old is not None and old != value:
                found.append({"field": key, "juror": juror, "old": old, "new": value, "after": seen[juror]})
            last[(juror, key)] = value
        seen[juror] += 1
    return found


def change_lines(found: list[dict[str, Any]]) -> list[str]:
    """One line per change for the run's summary (the first ``MAX_CHANGES``, then a count)."""
    names = dict(FIELDS)
    lines = [
        f"judge drift: the {names[c['field']]}{' of ' + c['juror'] if c['juror'] else ''} changed from "
        f"{c['old']!r} to {c['new']!r} after {c['after']} judgments"
        for c in found[:MAX_CHANGES]
    ]
    if len(found) > MAX_CHANGES:
        lines.append(f"judge drift: {len(found) - MAX_CHANGES} more changes (see run.json judge_drift)")
    return lines


def drift_record(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What ``run.json`` keeps: the counts, and the changes (the first ``MAX_CHANGES``, and how many)."""
    records = list(records)
    found = changes(records)
    return {
        **answering_counts(records),
        "judge_drift": {"changes": found[:MAX_CHANGES], "n_changes": len(found)},
    }


def judge_difference(
    a: tuple[str, list[Mapping[str, Any]]], b: tuple[str, list[Mapping[str, Any]]]
) -> dict[str, Any] | None:
    """Where two runs' judgments were answered by different models or fingerprints: per differing
    count, each run's counts by name (``None`` when the same backends answered both)."""
    counts = {name: answering_counts(records) for name, records in (a, b)}
    found = {
        key: {name: counts[name][key] for name in counts}
        for key in ("answering_models", "fingerprints")
        if set(counts[a[0]][key]) != set(counts[b[0]][key])
    }
    return found or None


def difference_lines(found: dict[str, Any]) -> list[str]:
    """``compare``'s note beside the deltas: which backends judged each run."""
    what = {"answering_models": "different answering models", "fingerprints": "different system_fingerprints"}
    lines = []
    for key, by_run in found.items():
        each = "; ".join(
            f"{name}: {', '.join(sorted(counts)) or 'none recorded'}" for name, counts in by_run.items()
        )
        lines.append(f"judged by {what[key]} ({each}): part of each delta may be the judge's")
    return lines
