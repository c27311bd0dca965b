"""Exact and near-duplicate removal at token level (MinHash + LSH from ``datasketch``).

Exact duplicates share :func:`~harness.data.clean.tokens.exact_key` (the text up to case, width and
whitespace). Near duplicates are found the way large instruction sets are de-duplicated: each
sample's set of ``shingle``-token shingles gets a MinHash signature (``num_perm`` permutations drawn
from ``seed``), and an LSH index tuned to ``threshold`` proposes the already kept samples it may
duplicate. A candidate only counts when the *exact* Jaccard similarity of the two shingle sets is at
least ``threshold``, so LSH false positives never drop a sample and the score in the report is the
true similarity, not an estimate. Because of that confirmation, the LSH bands are tuned for recall
(``weights=(0.05, 0.95)``: 16 bands of 8 rows at 128 permutations and threshold 0.8, so a pair at
Jaccard 0.8 is proposed with probability 0.95 and at 0.85 with 0.994, where datasketch's balanced
default proposes it with 0.40 and 0.69). A pair just above the threshold can still be missed: that is
the price of not comparing every pair, and it is deterministic for a given seed.

The first sample of each group, in input order, is kept.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from harness.data.clean.items import CleanItem
from harness.data.clean.tokens import exact_key, shingles, tokens
from harness.errors import UsageError

LSH_WEIGHTS = (0.05, 0.95)  # (false positive, false negative): recall first, see the module docstring
INSTALL_HINT = "Install it with: pip install datasketch   (or: pip install 'harness-eval[clean]')"


@dataclass(frozen=True)
class Drop:
    """Why one sample was dropped: the stage's reason, the kept sample it matched, a score."""

    item: CleanItem
    reason: str  # exact_duplicate, near_duplicate, semantic_duplicate, perplexity
    matched: CleanItem | None = None
    score: float | None = None
    detail: str = ""

    def to_dict(self) -> dict:
        out = {
            "id": self.item.id,
            "origin": self.item.origin,
            "line": self.item.line,
            "reason": self.reason,
            "matched_id": self.matched.id if self.matched else None,
            "matched_origin": self.matched.origin if self.matched else None,
            "matched_line": self.matched.line if self.matched else None,
            "score": None if self.score is None else round(self.score, 6),
        }
        if self.detail:
            out["detail"] = self.detail
        return out


def exact_dedup(items: Sequence[CleanItem], *, on: str) -> tuple[list[CleanItem], list[Drop]]:
    first: dict[str, CleanItem] = {}
    kept, dropped = [], []
    for item in items:
        key = exact_key(item.text(on))
        if key in first:
            dropped.append(Drop(item, "exact_duplicate", first[key], 1.0))
        else:
            first[key] = item
            kept.append(item)
    return kept, dropped


def _datasketch():
    try:
        import datasketch
    except ImportError:
        raise UsageError(
            "near-duplicate removal needs the package 'datasketch', which is not installed", hint=INSTALL_HINT
        ) from None
    return datasketch


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_dedup(
    items: Sequence[CleanItem],
    *,
    on: str,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 3,
    seed: int = 1,
) -> tuple[list[CleanItem], list[Drop]]:
    """Keep-first near-duplicate removal (see the module docstring)."""
    if not 0.0 < threshold <= 1.0:
        raise UsageError(f"--threshold must be in (0, 1], not {threshold}")
    if num_perm < 2:
        raise UsageError(f"--num-perm must be at least 2, not {num_perm}")
    if shingle < 1:
        raise UsageError(f"--shingle must be at least 1, not {shingle}")
    ds = _datasketch()
    lsh = ds.MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
    kept: list[CleanItem] = []
    kept_shingles: dict[str, set[str]] = {}
    by_id: dict[str, CleanItem] = {}
    dropped: list[Drop] = []
    # one permutation table for every signature (creating it per MinHash dominates the run time), and
    # CRC-32 as the shingle hash: deterministic across processes like datasketch's default SHA-1, and
    # an order of magnitude cheaper per shingle (MinHash needs a uniform hash, not a cryptographic one)
    template = ds.MinHash(num_perm=num_perm, seed=seed, hashfunc=zlib.crc32)
    for item in items:
        grams = shingles(tokens(item.text(on)), shingle)
        signature = ds.MinHash(
            num_perm=num_perm,
            seed=seed,
            permutations=template.permutations,
            scheme=template.scheme,
            hashfunc=zlib.crc32,
        )
        signature.update_batch([g.encode("utf-8") for g in grams])
        best: tuple[float, str] | None = None
        for candidate in lsh.query(signature):
            score = jaccard(grams, kept_shingles[candidate])
            # ties go to the earliest kept sample (ids are inserted in input order)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, candidate)
        if best is not None:
            dropped.append(Drop(item, "near_duplicate", by_id[best[1]], best[0]))
            continue
        lsh.insert(item.id, signature)
        kept_shingles[item.id] = grams
        by_id[item.id] = item
        kept.append(item)
    return kept, dropped
