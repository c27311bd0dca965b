"""Train/eval overlap: training questions that are (near-)copies of eval questions.

The paper warns that overlap between training data and the eval set inflates scores. Every human
turn of every training conversation is compared with every eval question, at three levels:

``exact``       identical after stripping surrounding whitespace;
``normalized``  identical after :func:`normalize_question` (NFKC -- which also maps the eval set's
                NO-BREAK SPACEs --, casefold, all whitespace and punctuation removed), so
                full-width/half-width punctuation and spacing differences do not hide a copy;
``near``        Jaccard similarity of the normalised texts' character n-gram sets (default
                trigrams) at least ``threshold`` (default 0.7). Character n-grams work for Chinese,
                which has no spaces to split words on.

Near-duplicate search must be fast for 100K training texts against 1K questions, and it is exact
(no MinHash approximation): every text becomes a set of integer n-gram codes (code points packed
into 64 bits, computed with numpy over all texts at once); the n-grams no eval question has are
dropped; a sparse product (scipy) of the text-by-n-gram and n-gram-by-question incidence matrices
gives ``|A & B|`` for every pair that shares an n-gram, in chunks of texts to bound memory; and
``|A & B| / (|A| + |B| - |A & B|)`` decides.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from harness.protocols import Conversation

DEFAULT_NGRAM = 3
DEFAULT_THRESHOLD = 0.7
MAX_TEXT_IN_REPORT = 200


@lru_cache(maxsize=1)
def _strip_table() -> dict[int, None]:
    """``str.translate`` table deleting every whitespace and Unicode punctuation (P*) character.

    Built once from Unicode planes 0 and 1; the higher planes hold no punctuation or whitespace.
    """
    codes = range(0x20000)
    table: dict[int, None] = {0: None}  # NUL pads short texts' n-grams; it must never be content
    for code in codes:
        char = chr(code)
        if char.isspace() or unicodedata.category(char).startswith("P"):
            table[code] = None
    return table


def normalize_question(text: str) -> str:
    """NFKC, casefold, and every whitespace and punctuation character removed."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_strip_table())


def char_ngrams(normalized: str, n: int = DEFAULT_NGRAM) -> frozenset[str]:
    """The set of character n-grams (a text shorter than ``n`` is its own single n-gram).

    The reference definition; :class:`EvalOverlapIndex` computes the same sets as integer codes.
    """
    if len(normalized) <= n:
        return frozenset([normalized]) if normalized else frozenset()
    return frozenset(normalized[i : i + n] for i in range(len(normalized) - n + 1))


def jaccard(a: str, b: str, n: int = DEFAULT_NGRAM) -> float:
    """Jaccard similarity of two texts' normalised character n-gram sets."""
    ga, gb = char_ngrams(normalize_question(a), n), char_ngrams(normalize_question(b), n)
    return len(ga & gb) / len(ga | gb) if ga or gb else 1.0


_BITS_PER_CHAR = 21  # every Unicode code point fits; 3 of them fit in 64 bits
CHUNK_TEXTS = 4096


def _gram_codes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique (text index, n-gram code) pairs of ``texts`` (normalised), as two aligned arrays.

    A text of length ``L >= n`` has the n-grams at positions ``0 .. L-n``; a shorter non-empty text
    is one n-gram padded with NUL (which normalisation removes from texts, so padding never
    collides with content).
    """
    if n * _BITS_PER_CHAR > 64:
        raise ValueError(f"n-grams of {n} characters do not fit in 64 bits (n <= 3)")
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    pad = "\x00" * n
    joined = pad.join(texts) + pad
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate(([0], np.cumsum(lengths + n)[:-1])).astype(np.int64)
    # n-grams per text: L - n + 1 for long texts, 1 for short non-empty ones, 0 for empty ones
    counts = np.where(lengths >= n, lengths - n + 1, (lengths > 0).astype(np.int64))
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    first = np.repeat(starts, counts)
    offset = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    positions = first + offset
    codes = np.zeros(len(positions), dtype=np.uint64)
    for k in range(n):
        codes = (codes << np.uint64(_BITS_PER_CHAR)) | cps[positions + k]
    order = np.lexsort((codes, owner))
    owner, codes = owner[order], codes[order]
    keep = np.ones(len(codes), dtype=bool)
    keep[1:] = (owner[1:] != owner[:-1]) | (codes[1:] != codes[:-1])
    return owner[keep], codes[keep]


@dataclass(frozen=True)
class OverlapMatch:
    """The closest eval question to one training text."""

    eval_index: int
    kind: str  # "exact", "normalized" or "near"
    similarity: float


@dataclass(frozen=True)
class OverlapFinding:
    """One training conversation turn that copies an eval question."""

    source: str
    conversation_id: str
    turn: int
    kind: str
    similarity: float
    eval_index: int
    eval_question: str
    train_text: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class EvalOverlapIndex:
    """The eval questions, indexed for exact, normalised and near-duplicate lookup."""

    def __init__(
        self, questions: Sequence[str], *, ngram: int = DEFAULT_NGRAM, threshold: float = DEFAULT_THRESHOLD
    ):
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        from scipy import sparse

        self.questions = list(questions)
        self.ngram = ngram
        self.threshold = threshold
        self._exact: dict[str, int] = {}
        self._normalized: dict[str, int] = {}
        normalized = [normalize_question(q) for q in self.questions]
        for index, (question, norm) in enumerate(zip(self.questions, normalized, strict=True)):
            self._exact.setdefault(question.strip(), index)
            if norm:
                self._normalized.setdefault(norm, index)
        owner, codes = _gram_codes(normalized, ngram)
        self._codes, gram_ids = np.unique(codes, return_inverse=True)
        self._sizes = np.bincount(owner, minlength=len(self.questions)).astype(np.float64)
        # n-gram x question incidence (0/1)
        self._incidence = sparse.csr_matrix(
            (np.ones(len(owner), dtype=np.float32), (gram_ids, owner)),
            shape=(len(self._codes), len(self.questions)),
        )

    def match(self, text: str) -> OverlapMatch | None:
        """The eval question ``text`` copies (exactly, after normalisation, or nearly), if any."""
        return self.match_many([text])[0]

    def match_many(self, texts: Sequence[str]) -> list[OverlapMatch | None]:
        """:meth:`match` for many texts at once (vectorised; use this for training sets)."""
        results: list[OverlapMatch | None] = [None] * len(texts)
        pending: list[int] = []
        pending_norm: list[str] = []
        for i, text in enumerate(texts):
            stripped = text.strip()
            if stripped in self._exact:
                results[i] = OverlapMatch(self._exact[stripped], "exact", 1.0)
                continue
            norm = normalize_question(stripped)
            if not norm:
                continue
            if norm in self._normalized:
                results[i] = OverlapMatch(self._normalized[norm], "normalized", 1.0)
                continue
            pending.append(i)
            pending_norm.append(norm)
        for start in range(0, len(pending), CHUNK_TEXTS):
            chunk = pending_norm[start : start + CHUNK_TEXTS]
            for local, match in self._near(chunk).items():
                results[pending[start + local]] = match
        return results

    def _near(self, normalized: Sequence[str]) -> dict[int, OverlapMatch]:
        from scipy import sparse

        if len(self._codes) == 0:
            return {}
        owner, codes = _gram_codes(normalized, self.ngram)
        sizes = np.bincount(owner, minlength=len(normalized)).astype(np.float64)
        slot = np.searchsorted(self._codes, codes)
        slot[slot == len(self._codes)] = 0
        shared = self._codes[slot] == codes
        if not shared.any():
            return {}
        texts_by_gram = sparse.csr_matrix(
            (np.ones(int(shared.sum()), dtype=np.float32), (owner[shared], slot[shared])),
            shape=(len(normalized), len(self._codes)),
        )
        common = (texts_by_gram @ self._incidence).tocoo()
        rows, cols, inter = common.row, common.col, common.data.astype(np.float64)
        similarity = inter / (sizes[rows] + self._sizes[cols] - inter)
        hit = similarity >= self.threshold - 1e-12
        rows, cols, similarity = rows[hit], cols[hit], similarity[hit]
        best: dict[int, OverlapMatch] = {}
        for row, col, sim in zip(rows.tolist(), cols.tolist(), similarity.tolist(), strict=True):
            current = best.get(row)
            if current is None or (sim, -col) > (current.similarity, -current.eval_index):
                best[row] = OverlapMatch(int(col), "near", sim)
        return {row: OverlapMatch(m.eval_index, m.kind, round(m.similarity, 4)) for row, m in best.items()}


def find_overlap(
    conversations: Sequence[Conversation],
    index: EvalOverlapIndex,
) -> list[OverlapFinding]:
    """Every human turn in ``conversations`` that copies an eval question, in conversation order."""
    where: list[tuple[Conversation, int]] = []
    texts: list[str] = []
    for conversation in conversations:
        for turn, (role, text) in enumerate(conversation.turns):
            if role == "human":
                where.append((conversation, turn))
                texts.append(text)
    findings: list[OverlapFinding] = []
    for (conversation, turn), text, hit in zip(where, texts, index.match_many(texts), strict=True):
        if hit is None:
            continue
        findings.append(
            OverlapFinding(
                source=conversation.source,
                conversation_id=conversation.id,
                turn=turn,
                kind=hit.kind,
                similarity=hit.similarity,
                eval_index=hit.eval_index,
                eval_question=index.questions[hit.eval_index][:MAX_TEXT_IN_REPORT],
                train_text=text[:MAX_TEXT_IN_REPORT],
            )
        )
    return findings
