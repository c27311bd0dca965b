"""Training sources: a pinned dataset (``alpaca-4-zh``, ``sharegpt`` ...) or a local file, loaded into
:class:`~harness.protocols.Conversation` s together with a report of what happened to every record.

One class serves every training dataset the built-in plugin registers; the registration only
differs in options (see ``plugins/train_datasets.py``):

* ``source``: the ``registry/sources`` entry holding the files (found by
  :func:`~harness.training.data.locate.locate_source`), or ``path``: a local file instead -- e.g.
  the original ``alpaca_data.json`` where the pinned source is a substitute.
* ``language``: which side of a bilingual file to read. The open-chinese Alpaca file has English
  in ``en_instruction``/``en_input``/``en_output`` and Chinese in the plain fields; ``"en"`` reads
  the ``en_*`` fields when the file has them, otherwise the plain ones (as in the original).
* ``keep_languages``: drop conversations in other languages (ShareGPT: English and Chinese, as
  the paper did); they are reported as *filtered*, not bad.
* ``max_tokens`` / ``tokenizer``: multi-turn conversations are split into segments of at most
  ``max_tokens`` tokens at turn boundaries (:mod:`~harness.training.data.segments`).

The container (JSON array or JSON Lines) and the record format (alpaca or conversation) are
detected from the content, so any of these files -- or a user's own -- load the same way.

Of the Vicuna cleaning the paper applied to ShareGPT, language filtering and splitting are done
here; the first step, HTML to markdown (FastChat ``clean_sharegpt``, needing bs4 and markdownify),
is not: the pinned conversations and the commonly distributed cleaned ShareGPT dumps are markdown
already. Feed a raw HTML dump through FastChat's script first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.component_bases import TrainDatasetComponent
from harness.errors import DataError
from harness.protocols import Conversation
from harness.training.data.convert import ALPACA_FIELDS, alpaca_to_turns, conversation_to_turns, detect_format
from harness.training.data.files import parse_records, read_records, resolve_data_file
from harness.training.data.language import detect_language
from harness.training.data.locate import LocatedFiles, locate_source
from harness.training.data.records import BadRecord, FileStats
from harness.training.data.segments import DEFAULT_MAX_TOKENS, make_token_counter, split_conversation

ENGLISH_ALPACA_FIELDS = ("en_instruction", "en_input", "en_output")


@dataclass
class SourceReport:
    """What loading one source did: where from, records read, bad and filtered by reason, output size."""

    name: str
    kind: str  # "dataset" (registered name) or "file" (a path in the mixture)
    format: str = ""
    files: list[str] = field(default_factory=list)
    stats: FileStats | None = None
    trimmed_trailing_human: int = 0
    split_conversations: int = 0
    languages: Counter = field(default_factory=Counter)
    conversations: int = 0
    sampled_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        stats = self.stats.to_dict() if self.stats else {}
        return {
            "name": self.name,
            "kind": self.kind,
            "format": self.format,
            "files": list(self.files),
            "records": stats.get("records", 0),
            "bad": stats.get("bad", {}),
            "n_bad": stats.get("n_bad", 0),
            "bad_examples": stats.get("bad_examples", {}),
            "filtered": stats.get("filtered", {}),
            "trimmed_trailing_human": self.trimmed_trailing_human,
            "split_conversations": self.split_conversations,
            "languages": dict(self.languages.most_common()),
            "conversations": self.conversations,
            "sampled_from": self.sampled_from,
        }


_RECORDS_CACHE_SIZE = 4
_records_cache: dict[tuple[str, int, int], tuple[Any, ...]] = {}


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _remember(key: tuple[str, int, int], records: tuple[Any, ...]) -> tuple[Any, ...]:
    while len(_records_cache) >= _RECORDS_CACHE_SIZE:
        _records_cache.pop(next(iter(_records_cache)))
    _records_cache[key] = records
    return records


def _read(paths: Sequence[Path], content: bytes | None) -> list[Any]:
    """Parsed records of the files, memoised per (path, size, mtime) for the process: ``alpaca-3.5-en``
    and ``-zh`` read the same 42 MB file, and parsing it twice would double a bilingual mixture's
    load time."""
    records: list[Any] = []
    for path in paths:
        real = resolve_data_file(path)
        key = _file_key(real)
        cached = _records_cache.get(key)
        if cached is None:
            text = content.decode("utf-8") if content is not None and len(paths) == 1 else None
            cached = _remember(
                key, tuple(parse_records(text, origin=str(real)) if text is not None else read_records(real))
            )
        records.extend(cached)
    return records


def _alpaca_fields(records: Sequence[Any], language: str | None) -> tuple[str, str, str]:
    if language != "en":
        return ALPACA_FIELDS
    head = [r for r in records[:200] if isinstance(r, dict)]
    bilingual = sum(1 for r in head if "en_instruction" in r) > len(head) / 2
    return ENGLISH_ALPACA_FIELDS if bilingual else ALPACA_FIELDS


def convert_records(
    records: Sequence[Any],
    *,
    name: str,
    origin: str,
    language: str | None = None,
    keep_languages: Sequence[str] | None = None,
    tokenizer: Any = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    report: SourceReport | None = None,
) -> tuple[list[Conversation], SourceReport]:
    """Records of one source (alpaca or conversation format, detected) into conversations.

    Raises :class:`~harness.errors.DataError` when more than half the records are bad.
    """
    report = report or SourceReport(name=name, kind="dataset")
    if not records:
        raise DataError(f"{origin}: no records (an empty file cannot be training data)")
    stats = FileStats(origin=origin, records=len(records))
    report.stats = stats
    report.format = detect_format(records, origin=origin)
    conversations: list[Conversation] = []
    if report.format == "alpaca":
        fields = _alpaca_fields(records, language)
        for index, record in enumerate(records):
            try:
                turns = alpaca_to_turns(record, fields)
            except BadRecord as bad:
                stats.add_bad(bad.reason, f"record {index}", bad.detail)
                continue
            conversations.append(Conversation(id=f"{name}-{index}", turns=turns, source=name))
    elif report.format == "conversation":
        count_tokens = make_token_counter(tokenizer)
        keep = set(keep_languages) if keep_languages else None
        for index, record in enumerate(records):
            try:
                turns, trimmed = conversation_to_turns(record)
            except BadRecord as bad:
                where = f"record {index}" + (
                    f" (id {record.get('id')!r})" if isinstance(record, dict) else ""
                )
                stats.add_bad(bad.reason, where, bad.detail)
                continue
            if keep is not None:
                lang = detect_language("\n".join(text for _, text in turns))
                report.languages[lang] += 1
                if lang not in keep:
                    stats.filtered[f"language:{lang}"] += 1
                    continue
            report.trimmed_trailing_human += trimmed
            record_id = str(record.get("id") or f"{name}-{index}")
            segments = split_conversation(turns, count_tokens=count_tokens, max_tokens=max_tokens)
            if len(segments) > 1:
                report.split_conversations += 1
            for start, segment in segments:
                seg_id = record_id if len(segments) == 1 else f"{record_id}_{start}"
                conversations.append(Conversation(id=seg_id, turns=segment, source=name))
    stats.check_not_mostly_bad()
    report.conversations = len(conversations)
    return conversations, report


class TrainingSource(TrainDatasetComponent):
    """A training dataset (:class:`~harness.protocols.TrainDataset`): a pinned source or a local file.

    ``load()`` returns the conversations; ``load_with_report()`` also returns the
    :class:`SourceReport` (``load_mixture`` uses it).
    """

    def __init__(
        self,
        *,
        name: str,
        source: str | None = None,
        path: str | Path | None = None,
        data_dir: str | Path | None = None,
        language: str | None = None,
        keep_languages: Sequence[str] | None = None,
        tokenizer: Any = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        fetch: bool = True,
    ) -> None:
        if source is None and path is None:
            raise ValueError(f"training dataset {name!r} needs a source or a path")
        self.name = name
        self.source = source
        self.path = Path(path).expanduser() if path is not None else None
        self.data_dir = data_dir
        self.language = language
        self.keep_languages = tuple(keep_languages) if keep_languages else None
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.fetch = fetch

    def _files(self) -> LocatedFiles:
        if self.path is not None:
            return LocatedFiles(paths=(resolve_data_file(self.path),))
        assert self.source is not None
        return locate_source(self.source, data_dir=self.data_dir, fetch=self.fetch)

    def load_with_report(self) -> tuple[list[Conversation], SourceReport]:
        located = self._files()
        records = _read(located.paths, located.content)
        origin = (
            str(located.paths[0])
            if len(located.paths) == 1
            else f"{located.paths[0].parent} ({len(located.paths)} files)"
        )
        report = SourceReport(
            name=self.name,
            kind="file" if self.source is None else "dataset",
            files=[str(p) for p in located.paths],
        )
        return convert_records(
            records,
            name=self.name,
            origin=origin,
            language=self.language,
            keep_languages=self.keep_languages,
            tokenizer=self.tokenizer,
            max_tokens=self.max_tokens,
            report=report,
        )

    def load(self) -> list[Conversation]:
        return self.load_with_report()[0]

    def __repr__(self) -> str:
        where = f"source={self.source!r}" if self.path is None else f"path={str(self.path)!r}"
        return f"TrainingSource({self.name!r}, {where})"
