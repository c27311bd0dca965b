"""Semantic de-duplication: samples whose embeddings are nearly parallel say the same thing.

Near-duplicate removal sees shared wording; this stage sees shared meaning (a paraphrase, the same
task with other words). The vectors come from an embedder plugin (``harness_register_embedders``,
e.g. the built-in ``lm-mean``); a sample is dropped when the cosine similarity to a kept sample is
at least ``threshold``, the first in input order being kept. Exact search, O(kept x samples).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.data.clean.dedup import Drop
from harness.data.clean.items import CleanItem
from harness.errors import HarnessError, UsageError


def unit_rows(vectors: Any, expected: int, embedder: str) -> Any:
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != expected:
        raise HarnessError(
            f"embedder {embedder!r} returned an array of shape {matrix.shape}, "
            f"expected ({expected}, dimension)"
        )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def semantic_dedup(
    items: Sequence[CleanItem], embedder: Any, *, on: str, threshold: float = 0.95, batch: int = 256
) -> tuple[list[CleanItem], list[Drop], dict]:
    """Keep-first removal of samples with cosine >= ``threshold`` to a kept one; also returns stats."""
    import numpy as np

    if not -1.0 <= threshold <= 1.0:
        raise UsageError(f"--semantic-threshold must be in [-1, 1], not {threshold}")
    name = getattr(embedder, "name", type(embedder).__name__)
    vectors = unit_rows(embedder.embed([item.text(on) for item in items]), len(items), name)
    kept_rows: list[int] = []
    kept: list[CleanItem] = []
    dropped: list[Drop] = []
    for index, item in enumerate(items):
        if kept_rows:
            sims = vectors[kept_rows] @ vectors[index]
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                dropped.append(Drop(item, "semantic_duplicate", kept[best], float(sims[best])))
                continue
        kept_rows.append(index)
        kept.append(item)
    return kept, dropped, {"embedder": name, "dimension": int(vectors.shape[1]) if len(items) else None}
