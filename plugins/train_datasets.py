"""Built-in plugin `train_datasets`: the paper's training data, by the names its Table 2 uses.

Each is a :class:`harness.training.data.sources.TrainingSource` over a pinned
``registry/sources`` entry. Several entries are substitutes for files that could not be had (the
YAML ``notes`` say which and why); every dataset also accepts ``path=`` to read the original file
instead. Combine them with the mixture notation (``zh(alpaca-3.5&4)+sharegpt``), see
:mod:`harness.training.data.mixture`.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.specs import DatasetSpec

FACTORY = "harness.training.data.sources:TrainingSource"

TRAIN_DATASETS: tuple[tuple[str, str, str | None, dict], ...] = (
    (
        "alpaca-3.5-en",
        "Alpaca-52K (text-davinci-003), English (substitute: open-chinese en_* fields)",
        "en",
        {"source": "alpaca-3.5", "language": "en"},
    ),
    (
        "alpaca-3.5-zh",
        "Alpaca-52K translated to Chinese (substitute: open-chinese's translation)",
        "zh",
        {"source": "alpaca-3.5", "language": "zh"},
    ),
    (
        "alpaca-4-en",
        "Alpaca instructions answered by GPT-4, English (substitute: 999-record sample)",
        "en",
        {"source": "alpaca-4-en", "language": "en"},
    ),
    (
        "alpaca-4-zh",
        "Alpaca instructions answered by GPT-4, Chinese (substitute: 1,000-record sample)",
        "zh",
        {"source": "alpaca-4-zh", "language": "zh"},
    ),
    (
        "sharegpt",
        "ShareGPT conversations, English+Chinese kept, split at 2,048 tokens (substitute: 1K zh)",
        None,
        {"source": "sharegpt", "keep_languages": ("en", "zh")},
    ),
    (
        "belle-3.5",
        "BELLE's own ChatGPT-generated Chinese data (1,000-record sample; path= for the full file)",
        "zh",
        {"source": "belle-3.5", "language": "zh"},
    ),
)


@hookimpl
def harness_register_datasets(register) -> None:
    for name, description, language, options in TRAIN_DATASETS:
        register(
            DatasetSpec(
                name=name,
                factory=FACTORY,
                description=description,
                options={"name": name, **options},
                takes=("data_dir", "tokenizer", "max_tokens"),
                role="train",
                language=language,
            )
        )
