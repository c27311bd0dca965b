"""Loading a data mixture: every term's conversations, one report, and the train/eval overlap check.

``load_mixture("zh(alpaca-3.5&4)+sharegpt", data_dir=...)`` parses the expression
(:mod:`~harness.training.data.mixture`), loads each term -- a registered training dataset through
the registry, or a local file -- (:mod:`~harness.training.data.sources`), optionally sub-samples
each source (seeded, keeping file order), makes conversation ids unique across sources, and checks
every human turn against the BELLE eval questions (:mod:`~harness.training.data.overlap`).

The order of the result is the order of the terms and, within a term, of its file; shuffling is
the trainer's job (seeded there, so a resumed run sees the same order).

Overlap: by default the eval questions come from the registered ``belle-eval`` dataset (loaded
from the same ``data_dir``). If they cannot be had the check is *skipped and says why* in the
report -- unless ``drop_eval_overlap`` was asked for, which then fails rather than train on data
it promised to clean.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.component_settings import ComponentSettings
from harness.errors import DataError, HarnessError, UsageError
from harness.manager import get_registry
from harness.protocols import Conversation
from harness.registry_dirs import find_source
from harness.training.data.locate import candidate_dirs, data_dir_or_env, find_local_dir
from harness.training.data.mixture import MixtureTerm, parse_mixture
from harness.training.data.overlap import DEFAULT_NGRAM, DEFAULT_THRESHOLD, EvalOverlapIndex, find_overlap
from harness.training.data.segments import DEFAULT_MAX_TOKENS
from harness.training.data.sources import SourceReport, TrainingSource

EVAL_DATASET = "belle-eval"
MAX_FINDINGS_IN_REPORT = 200


@dataclass
class MixtureResult:
    """The conversations of a mixture and what loading them found.

    ``report`` is a JSON-serialisable dict::

        {"expression": str, "terms": [MixtureTerm.to_dict()],
         "sources": [SourceReport.to_dict() + {"term": str}],  # per source, in term order: name,
                     # kind, format, files, records, bad {reason: n}, n_bad, bad_examples, filtered
                     # {reason: n}, trimmed_trailing_human, split_conversations, languages,
                     # conversations (after sampling), sampled_from (None unless sampled)
         "total_conversations": int,
         "bad_records": {reason: n},               # summed over sources
         "overlap": {"checked": bool, "reason": str, "eval_questions": int, "ngram": int,
                     "threshold": float, "findings": int, "by_kind": {kind: n},
                     "by_source": {source: n}, "conversations_with_overlap": int,
                     "dropped": int, "examples": [OverlapFinding.to_dict()]}}
                     # when the check could not run: only {"checked": False, "reason": str}
    """

    conversations: list[Conversation]
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> list[dict[str, Any]]:
        return self.report.get("sources", [])


def _load_term(
    term: MixtureTerm,
    *,
    data_dir: Path | None,
    tokenizer: Any,
    max_tokens: int,
    base_dir: Path | None,
) -> tuple[list[Conversation], SourceReport]:
    if term.kind == "file":
        path = Path(term.name).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        source = TrainingSource(name=term.name, path=path, tokenizer=tokenizer, max_tokens=max_tokens)
        return source.load_with_report()

    settings = ComponentSettings(data_dir=data_dir, tokenizer=tokenizer, max_tokens=max_tokens)
    conversations, report = get_registry().create("dataset", term.name, settings).load_with_report()
    if report is None:  # TrainDatasetComponent's default: a dataset with no report of its own
        report = SourceReport(name=term.name, kind="dataset", conversations=len(conversations))
    return conversations, report


def _subsample(conversations: list[Conversation], limit: int, seed: int, name: str) -> list[Conversation]:
    """``limit`` conversations drawn with a per-source seed, kept in their file order."""
    rng = random.Random(f"{seed}:{name}")
    chosen = sorted(rng.sample(range(len(conversations)), limit))
    return [conversations[i] for i in chosen]


def _unique_ids(conversations: list[Conversation]) -> list[Conversation]:
    seen: set[str] = set()
    out: list[Conversation] = []
    for conversation in conversations:
        new_id = conversation.id
        if new_id in seen:
            base = f"{conversation.source}/{conversation.id}"
            new_id, n = base, 1
            while new_id in seen:
                n += 1
                new_id = f"{base}#{n}"
            conversation = Conversation(id=new_id, turns=conversation.turns, source=conversation.source)
        seen.add(new_id)
        out.append(conversation)
    return out


def load_eval_questions(data_dir: Path | str | None = None) -> list[str]:
    """The BELLE eval questions, from the registered ``belle-eval`` dataset.

    A data dir in the shared-data layout (``belle/eval_set.json``) works too: its subdirectories
    are searched for the source's files.
    """
    local = data_dir_or_env(data_dir)
    if local is not None:
        try:
            found = find_local_dir(find_source(EVAL_DATASET), local)
        except UsageError:
            found = None
        local = found or local

    dataset = get_registry().create("dataset", EVAL_DATASET, ComponentSettings(data_dir=local))
    return [sample.question for sample in dataset.load()]


def load_mixture(
    expr: str,
    *,
    data_dir: Path | None = None,
    tokenizer: Any = None,
    max_samples_per_source: int | None = None,
    seed: int = 0,
    drop_eval_overlap: bool = False,
    eval_questions: Sequence[str] | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_threshold: float = DEFAULT_THRESHOLD,
    base_dir: Path | None = None,
) -> MixtureResult:
    """Load the mixture ``expr`` (e.g. ``"zh(alpaca-3.5&4)+sharegpt"``) into conversations and a report.

    ``data_dir``: local copies of the pinned sources (also ``$HARNESS_DATA_DIR``); without it the
    cache is used and missing sources are downloaded. ``tokenizer``: counts tokens when long
    conversations are split at ``max_tokens`` (a documented estimate when ``None``).
    ``max_samples_per_source``: keep at most this many conversations per source (seeded by
    ``seed``). ``eval_questions``: the questions to check overlap against (default: ``belle-eval``'s);
    ``drop_eval_overlap`` removes every conversation with a human turn that copies one.
    ``base_dir``: where relative file terms are resolved (default: the working directory).
    """
    if max_samples_per_source is not None and max_samples_per_source < 1:
        raise UsageError(f"max_samples_per_source must be at least 1, got {max_samples_per_source}")
    terms = parse_mixture(expr)
    if data_dir is not None:
        candidate_dirs(Path(data_dir).expanduser())  # fail early, naming the directory, if it is missing
    conversations: list[Conversation] = []
    source_reports: list[dict[str, Any]] = []
    bad_total: dict[str, int] = {}
    for term in terms:
        loaded, report = _load_term(
            term, data_dir=data_dir, tokenizer=tokenizer, max_tokens=max_tokens, base_dir=base_dir
        )
        if max_samples_per_source is not None and len(loaded) > max_samples_per_source:
            report.sampled_from = len(loaded)
            loaded = _subsample(loaded, max_samples_per_source, seed, term.name)
        report.conversations = len(loaded)
        conversations.extend(loaded)
        entry = report.to_dict()
        entry["term"] = term.text
        source_reports.append(entry)
        for reason, count in entry["bad"].items():
            bad_total[reason] = bad_total.get(reason, 0) + count
    conversations = _unique_ids(conversations)

    overlap, conversations = _check_overlap(
        conversations,
        eval_questions=eval_questions,
        data_dir=data_dir,
        drop=drop_eval_overlap,
        threshold=overlap_threshold,
    )
    mixture_report = {
        "expression": expr,
        "terms": [t.to_dict() for t in terms],
        "sources": source_reports,
        "total_conversations": len(conversations),
        "bad_records": dict(sorted(bad_total.items(), key=lambda kv: -kv[1])),
        "overlap": overlap,
    }
    return MixtureResult(conversations=conversations, report=mixture_report)


def _check_overlap(
    conversations: list[Conversation],
    *,
    eval_questions: Sequence[str] | None,
    data_dir: Path | None,
    drop: bool,
    threshold: float,
) -> tuple[dict[str, Any], list[Conversation]]:
    if eval_questions is None:
        try:
            eval_questions = load_eval_questions(data_dir)
        except HarnessError as exc:
            if drop:
                raise DataError(
                    f"cannot drop train/eval overlap: the eval questions ({EVAL_DATASET}) are unavailable: {exc}"
                ) from exc
            return {
                "checked": False,
                "reason": f"{EVAL_DATASET} unavailable: {exc}".splitlines()[0],
            }, conversations
    index = EvalOverlapIndex(list(eval_questions), ngram=DEFAULT_NGRAM, threshold=threshold)
    findings = find_overlap(conversations, index)
    flagged = {f.conversation_id for f in findings}
    by_kind: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for finding in findings:
        by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
        by_source[finding.source] = by_source.get(finding.source, 0) + 1
    kept = [c for c in conversations if c.id not in flagged] if drop else conversations
    overlap = {
        "checked": True,
        "reason": "",
        "eval_questions": len(index.questions),
        "ngram": index.ngram,
        "threshold": threshold,
        "findings": len(findings),
        "by_kind": by_kind,
        "by_source": by_source,
        "conversations_with_overlap": len(flagged),
        "dropped": len(conversations) - len(kept),
        "examples": [f.to_dict() for f in findings[:MAX_FINDINGS_IN_REPORT]],
    }
    return overlap, kept
