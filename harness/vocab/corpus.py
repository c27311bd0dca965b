"""Reading training/statistics corpora: plain text, JSON arrays, JSON Lines, optionally ``.xz``/``.gz``.

Corpora for vocabulary work come in whatever shape the data was published in (one paragraph per
line, Alpaca JSON arrays, BELLE's JSON Lines named ``.json``, ShareGPT conversations). Rather than
asking users to convert them first, one reader yields the text items of any of them; JSON records
are reduced to text through dotted *text fields* (``conversations.value`` walks into lists).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import lzma
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from harness.errors import DataError

DEFAULT_TEXT_FIELDS = ("text",)


@dataclass(frozen=True)
class CorpusFile:
    """One corpus file and, for JSON corpora, the dotted fields whose string values are its text."""

    path: Path
    text_fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS

    @property
    def format(self) -> str:
        """``text``, ``json`` or ``jsonl`` judged by the name with any compression suffix removed."""
        suffixes = [s.lower() for s in self.path.suffixes]
        if suffixes and suffixes[-1] in (".xz", ".gz"):
            suffixes = suffixes[:-1]
        last = suffixes[-1] if suffixes else ""
        if last == ".jsonl":
            return "jsonl"
        if last == ".json":
            return "json"
        return "text"


def open_text(path: Path) -> TextIO:
    """Open ``path`` for reading as UTF-8 text, decompressing ``.xz`` and ``.gz`` transparently."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xz":
            return io.TextIOWrapper(lzma.open(path, "rb"), encoding="utf-8")
        if suffix == ".gz":
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read corpus: {exc}") from exc


def file_sha256(path: Path) -> str:
    """sha256 of the file as stored (compressed files are hashed compressed: that is what is pinned)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _field_values(record: Any, dotted: str) -> Iterator[str]:
    """String values at ``dotted`` in ``record``; lists along the way are walked element by element."""
    nodes = [record]
    for key in dotted.split("."):
        next_nodes = []
        for node in nodes:
            if isinstance(node, list):
                node_items = node
            else:
                node_items = [node]
            for item in node_items:
                if isinstance(item, dict) and key in item:
                    next_nodes.append(item[key])
        nodes = next_nodes
    for node in nodes:
        if isinstance(node, str):
            yield node
        elif isinstance(node, list):
            yield from (x for x in node if isinstance(x, str))


def _json_records(fh: TextIO, path: Path) -> Iterator[Any]:
    """Records of a JSON array, or of JSON Lines (BELLE ships JSON Lines under a ``.json`` name)."""
    head = fh.read(1)
    while head and head.isspace():
        head = fh.read(1)
    if head == "[":
        try:
            records = json.loads(head + fh.read())
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: not valid JSON: {exc}") from exc
        yield from records
        return
    yield from _jsonl_records(_prepend(head, fh), path)


def _prepend(first: str, fh: TextIO) -> Iterator[str]:
    lines = iter(fh)
    yield first + next(lines, "")
    yield from lines


def _jsonl_records(lines: Iterable[str], path: Path) -> Iterator[Any]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: line {number} is not valid JSON: {exc}") from exc


def iter_texts(corpus: CorpusFile) -> Iterator[str]:
    """Every non-empty text item of ``corpus``: a line of a text file, a field value of a JSON record.

    Raises :class:`DataError` when a JSON corpus yields nothing, naming the keys it does have, so a
    wrong ``--text-field`` is not silently an empty corpus.
    """
    path = corpus.path
    if not path.is_file():
        raise DataError(f"corpus file not found: {path}")
    try:
        with open_text(path) as fh:
            if corpus.format == "text":
                for line in fh:
                    line = line.rstrip("\n")
                    if line.strip():
                        yield line
                return
            yield from _record_texts(corpus, fh)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}:{_first_bad_line(path)}: not UTF-8 ({exc.reason})",
            hint="Convert the corpus to UTF-8 (e.g. iconv -f GBK -t UTF-8).",
        ) from None


def _first_bad_line(path: Path) -> int | str:
    """The number of the first line of ``path`` (decompressed) that is not UTF-8; text is decoded
    in blocks, so the decoder's own position does not say which line it was."""
    suffix = path.suffix.lower()
    opener = lzma.open if suffix == ".xz" else gzip.open if suffix == ".gz" else open
    with opener(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return "?"


def _record_texts(corpus: CorpusFile, fh: TextIO) -> Iterator[str]:
    path = corpus.path
    records = _jsonl_records(fh, path) if corpus.format == "jsonl" else _json_records(fh, path)
    produced = False
    first_keys: list[str] = []
    for record in records:
        if not first_keys and isinstance(record, dict):
            first_keys = list(record)
        for dotted in corpus.text_fields:
            for value in _field_values(record, dotted):
                if value.strip():
                    produced = True
                    yield value
    if not produced:
        raise DataError(
            f"{path}: no text under field(s) {', '.join(corpus.text_fields)}",
            hint=f"Its records have the keys: {', '.join(first_keys) or '(none)'}; pass --text-field.",
        )


def iter_lines(corpus: CorpusFile) -> Iterator[str]:
    """Text items split into non-empty lines (sentencepiece trains on one sentence per line)."""
    for text in iter_texts(corpus):
        for line in text.split("\n"):
            if line.strip():
                yield line


def is_cjk(char: str) -> bool:
    """True for a CJK ideograph or CJK punctuation / full-width form (what "Chinese text" is made of)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x20000 <= code <= 0x2FA1F  # extensions B-F, compatibility supplement
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x3000 <= code <= 0x303F  # CJK symbols and punctuation
        or 0xFF00 <= code <= 0xFFEF  # half-width and full-width forms
    )


def cjk_share(line: str) -> float:
    """Share of the non-space characters of ``line`` that are CJK (0.0 for a blank line)."""
    chars = [c for c in line if not c.isspace()]
    return sum(1 for c in chars if is_cjk(c)) / len(chars) if chars else 0.0


@dataclass
class SampledCorpus:
    """Lines drawn from several corpora, with how many lines each file offered after the CJK filter."""

    lines: list[str]
    seen_per_file: dict[str, int] = field(default_factory=dict)

    @property
    def seen(self) -> int:
        return sum(self.seen_per_file.values())


def sample_lines(
    corpora: Sequence[CorpusFile],
    max_lines: int | None,
    seed: int,
    *,
    on_file: Any = None,
    on_line: Any = None,
    min_cjk_share: float = 0.0,
) -> SampledCorpus:
    """A uniform, seeded sample of at most ``max_lines`` lines over all ``corpora`` (reservoir sampling).

    Reservoir sampling keeps memory at ``max_lines`` whatever the corpus size and gives every line the
    same chance, so a huge classical-poetry file and a small Wikipedia file are sampled fairly.
    ``min_cjk_share`` keeps only lines at least that CJK (see :func:`cjk_share`): a vocabulary meant
    for Chinese should not spend its pieces on the English and code inside Chinese instruction data.
    ``on_file(corpus)`` and ``on_line()`` are progress callbacks.
    """
    rng = random.Random(seed)
    reservoir: list[str] = []
    seen = 0
    per_file: dict[str, int] = {}
    for corpus in corpora:
        if on_file is not None:
            on_file(corpus)
        count = 0
        for line in iter_lines(corpus):
            if on_line is not None:
                on_line()
            if min_cjk_share > 0.0 and cjk_share(line) < min_cjk_share:
                continue
            count += 1
            seen += 1
            if max_lines is None or len(reservoir) < max_lines:
                reservoir.append(line)
            else:
                slot = rng.randrange(seen)
                if slot < max_lines:
                    reservoir[slot] = line
        per_file[str(corpus.path)] = count
    if not reservoir:
        raise DataError(
            "the corpora hold no text lines"
            + (f" with a CJK share >= {min_cjk_share}" if min_cjk_share else "")
        )
    return SampledCorpus(lines=reservoir, seen_per_file=per_file)
