"""A sample as ``generations.jsonl`` keeps it, so that ``harness judge`` and ``harness compare``
rebuild the very sample ``harness run`` judged: its ``meta`` (what the dataset gave beyond the
question) travels with the answer as ``sample_meta``, and a judge that reads ``item.meta`` sees
the same thing under every command."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from harness.protocols import EvalSample

SAMPLE_META = "sample_meta"


def sample_fields(sample: EvalSample) -> dict[str, Any]:
    """The sample's fields a generation record carries besides id/category/question/reference."""
    if not sample.meta:
        return {}
    try:
        json.dumps(sample.meta, allow_nan=False)
    except (TypeError, ValueError):  # a dataset's own objects: kept in memory only, never half-written
        return {}
    return {SAMPLE_META: sample.meta}


def sample_from_record(record: Mapping[str, Any], **fields: Any) -> EvalSample:
    """The sample a generation record was answered for (``fields`` override: turns, references...)."""
    meta = record.get(SAMPLE_META)
    base = {
        "id": str(record["id"]),
        "question": str(record["question"]),
        "category": str(record["category"]),
        "reference": str(record.get("reference") or ""),
        "meta": dict(meta) if isinstance(meta, dict) else {},
    }
    return EvalSample(**{**base, **fields})
