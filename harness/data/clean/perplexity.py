"""The perplexity filter: drop samples a causal LM finds too unlikely (garbled, truncated, noise).

Each sample's text (instruction, then response, as the cleaner compares them) is scored by any
registered causal LM (:func:`harness.models.lm_text.perplexities`). With ``max_perplexity`` the
samples above it are dropped; without it every sample is only scored, and the report's quantiles
help choose a threshold for that model (a threshold means nothing across models: it depends on the
vocabulary and on how well the model knows the language).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from harness.data.clean.dedup import Drop
from harness.data.clean.items import CleanItem
from harness.errors import UsageError


def perplexity_filter(
    items: Sequence[CleanItem],
    model: str,
    *,
    on: str,
    max_perplexity: float | None,
    max_tokens: int = 512,
    batch_size: int = 16,
) -> tuple[list[CleanItem], list[Drop], dict]:
    from harness.models.lm_text import load_causal_lm, perplexities

    if max_perplexity is not None and not max_perplexity > 0:
        raise UsageError(f"--max-perplexity must be positive, not {max_perplexity}")
    lm, tokenizer, name = load_causal_lm(model)
    scores = perplexities(
        lm, tokenizer, [item.text(on) for item in items], max_tokens=max_tokens, batch_size=batch_size
    )
    kept, dropped = [], []
    for item, ppl in zip(items, scores, strict=True):
        if max_perplexity is not None and ppl > max_perplexity:
            dropped.append(
                Drop(
                    item,
                    "perplexity",
                    None,
                    ppl if math.isfinite(ppl) else None,
                    detail=f"perplexity {ppl:.2f} > {max_perplexity:g}",
                )
            )
        else:
            kept.append(item)
    finite = sorted(s for s in scores if math.isfinite(s))
    stats = {"model": name, "max_perplexity": max_perplexity, "max_tokens": max_tokens, "scored": len(scores)}
    if finite:
        q = statistics.quantiles(finite, n=10, method="inclusive") if len(finite) > 1 else [finite[0]] * 9
        stats.update(
            {
                "min": round(finite[0], 4),
                "p10": round(q[0], 4),
                "median": round(statistics.median(finite), 4),
                "p90": round(q[8], 4),
                "max": round(finite[-1], 4),
            }
        )
    return kept, dropped, stats
