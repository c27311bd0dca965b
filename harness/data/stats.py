"""Dataset statistics: the paper's Figure 1 (samples per category) and Figure 3 (average lengths).

Ji et al. 2023 (arXiv 2304.07854, section 4, page 4) describe the eval set by two figures:

* Figure 1, "Task category distribution of our evaluation set": the share of the 1,000 samples in
  each of the nine columns, math and code pooled as ``others`` (:data:`PAPER_FIGURE1_PERCENT`).
* Figure 3, "(a) average length of instructions, (b) average length of gold responses", per
  column; (b) shows only the columns that have gold responses (rewrite, generation and
  brainstorming have none, or almost none, in the eval set).

:func:`dataset_stats` computes both from any dataset's records, per column (the paper's layout:
a category's ``group``) or per category: sample count and share, mean instruction length and mean
gold-response length in characters and, given a token counter, in tokens. The gold mean is over the
samples that *have* a gold answer (their count is reported beside it), never diluted by empty ones.

Training data (``role: train``) has no categories: its records are
:class:`~harness.protocols.Conversation` s, grouped by their ``source``. Every human turn counts
as an instruction and every assistant turn as a gold response (for single-turn Alpaca-style data
that is exactly instruction+input and output); the number of turns is reported too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.errors import DataError
from harness.protocols import EvalSample
from harness.specs import CategorySpec
from harness.table_columns import column_label, column_order
from harness.vocab.stats import TokenCounter as _Counter

# Ji et al. 2023, Figure 1 (page 4): percentages printed on the pie chart, math and code pooled.
PAPER_FIGURE1_PERCENT: dict[str, int] = {
    "others": 11,
    "open_qa": 28,
    "brainstorming": 18,
    "classification": 7,
    "generation": 10,
    "summarization": 4,
    "rewrite": 13,
    "closed_qa": 5,
    "extract": 4,
}
PAPER_FIGURE_SOURCE = "Ji et al. 2023 (arXiv 2304.07854), Figure 1 and Figure 3, page 4"
PAPER_DATASET = "belle-eval"

TokenCounter = Callable[[str], int]


@dataclass
class _Lengths:
    """Running sums of one kind of text (instructions or gold responses) of one group."""

    n: int = 0
    chars: int = 0
    tokens: int = 0

    def add(self, text: str, count_tokens: TokenCounter | None) -> None:
        self.n += 1
        self.chars += len(text)
        if count_tokens is not None:
            self.tokens += count_tokens(text)

    def means(self, with_tokens: bool) -> tuple[float | None, float | None]:
        if not self.n:
            return None, None
        return self.chars / self.n, (self.tokens / self.n if with_tokens else None)


@dataclass
class GroupStats:
    """One row of the statistics: a column, a category or (training data) a source."""

    key: str
    label: str
    samples: int
    share: float
    turns: int
    instructions: int
    instruction_chars: float | None
    instruction_tokens: float | None
    with_gold: int
    gold_chars: float | None
    gold_tokens: float | None
    paper_percent: int | None = None
    categories: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _eval_texts(record: Any) -> tuple[list[str], list[str]]:
    reference = getattr(record, "reference", "") or ""
    return [record.question], ([reference] if reference.strip() else [])


def _conversation_texts(record: Any) -> tuple[list[str], list[str]]:
    humans = [text for role, text in record.turns if role == "human"]
    replies = [text for role, text in record.turns if role == "assistant" and text.strip()]
    return humans, replies


def dataset_stats(
    records: Sequence[Any],
    *,
    categories: Mapping[str, CategorySpec],
    dataset: str,
    by: str = "column",
    count_tokens: TokenCounter | None = None,
    tokenizer: str | None = None,
) -> dict[str, Any]:
    """Per-group statistics of ``records`` (eval samples or conversations), JSON-ready.

    ``by`` is ``"column"`` (categories pooled into their report column, as in the paper's figures)
    or ``"category"``. Conversations are grouped by source whatever ``by`` says.
    """
    if by not in ("column", "category"):
        raise ValueError(f"by must be 'column' or 'category', not {by!r}")
    if not records:
        raise DataError(f"dataset {dataset!r} has no records")

    # by type: an EvalSample has ``turns`` too (a multi-turn eval question's user turns)
    kind = "eval" if isinstance(records[0], EvalSample) else "conversation"
    sums: dict[str, tuple[_Lengths, _Lengths]] = {}
    samples: dict[str, int] = {}
    turns: dict[str, int] = {}
    members: dict[str, set[str]] = {}
    for record in records:
        if kind == "conversation":
            key = getattr(record, "source", "") or dataset
            member = key
            instructions, golds = _conversation_texts(record)
        else:
            member = record.category
            spec = categories.get(member)
            key = (spec.group if spec else member) if by == "column" else member
            instructions, golds = _eval_texts(record)
        instr, gold = sums.setdefault(key, (_Lengths(), _Lengths()))
        for text in instructions:
            instr.add(text, count_tokens)
        for text in golds:
            gold.add(text, count_tokens)
        samples[key] = samples.get(key, 0) + 1
        turns[key] = turns.get(key, 0) + len(instructions) + len(golds)
        members.setdefault(key, set()).add(member)

    total = len(records)
    with_tokens = count_tokens is not None
    display = {c: spec.display_name for c, spec in categories.items()}
    if kind == "eval" and by == "column":
        order = column_order(samples)
    elif kind == "eval":
        rank = {
            g: i
            for i, g in enumerate(
                column_order({(categories[c].group if c in categories else c) for c in samples})
            )
        }
        order = sorted(samples, key=lambda c: (rank[categories[c].group if c in categories else c], c))
    else:
        order = sorted(samples)
    paper = dataset == PAPER_DATASET and kind == "eval" and by == "column"
    rows = []
    for key in order:
        instr, gold = sums[key]
        instr_chars, instr_tokens = instr.means(with_tokens)
        gold_chars, gold_tokens = gold.means(with_tokens)
        if kind == "eval" and by == "column":
            label = column_label(key, display)
        else:
            label = display.get(key, key)
        rows.append(
            GroupStats(
                key=key,
                label=label,
                samples=samples[key],
                share=samples[key] / total,
                turns=turns[key],
                instructions=instr.n,
                instruction_chars=instr_chars,
                instruction_tokens=instr_tokens,
                with_gold=gold.n,
                gold_chars=gold_chars,
                gold_tokens=gold_tokens,
                paper_percent=PAPER_FIGURE1_PERCENT.get(key) if paper else None,
                categories=sorted(members[key]),
            )
        )
    all_instr, all_gold = _Lengths(), _Lengths()
    for instr, gold in sums.values():
        for mine, part in ((all_instr, instr), (all_gold, gold)):
            mine.n += part.n
            mine.chars += part.chars
            mine.tokens += part.tokens
    overall_instr = all_instr.means(with_tokens)
    overall_gold = all_gold.means(with_tokens)
    return {
        "dataset": dataset,
        "kind": kind,
        "by": "source" if kind == "conversation" else by,
        "samples": total,
        "tokenizer": tokenizer,
        "length_unit": "characters" + (" and tokens" if with_tokens else ""),
        "groups": [row.to_dict() for row in rows],
        "overall": {
            "instructions": all_instr.n,
            "instruction_chars": overall_instr[0],
            "instruction_tokens": overall_instr[1],
            "with_gold": all_gold.n,
            "gold_chars": overall_gold[0],
            "gold_tokens": overall_gold[1],
        },
        "paper": {"source": PAPER_FIGURE_SOURCE, "figure1_percent": PAPER_FIGURE1_PERCENT} if paper else None,
        "notes": _notes(kind, by),
    }


def _notes(kind: str, by: str) -> list[str]:
    if kind == "conversation":
        return [
            "training data has no categories: grouped by source; every human turn is an instruction, "
            "every assistant turn a gold response"
        ]
    notes = ["gold length is the mean over samples with a non-empty gold answer ('with gold')"]
    if by == "column":
        notes.append("math and code are pooled as 'others', as in the paper's Figures 1 and 3")
    return notes


def token_counter(path: str) -> TokenCounter:
    """A text -> token-count function for a sentencepiece ``.model`` or a tokenizer directory."""
    counter = _Counter(path)
    return lambda text: len(counter.encode(text))
