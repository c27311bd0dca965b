"""Training data for the paper's experiments: named datasets, the mixture notation, cleaning, overlap.

Usage (what the trainer and ``harness train --data`` call)::

    from harness.training.data import load_mixture

    result = load_mixture("zh(alpaca-3.5&4)+sharegpt", data_dir=Path("../shared/data"),
                          tokenizer=tokenizer, max_samples_per_source=200, seed=0,
                          drop_eval_overlap=False)
    result.conversations   # list[harness.protocols.Conversation], BELLE's format, in term order
    result.report          # JSON-serialisable dict: per-source counts, bad records by reason, overlap

What happens on the way, one module each:

* :mod:`~harness.training.data.mixture` -- ``zh(alpaca-3.5&4)+sharegpt+data/mine.jsonl`` into terms,
  with errors that point at the column and suggest dataset names.
* :mod:`~harness.training.data.locate` -- a source's pinned, sha256-verified files from a data dir
  (either :mod:`harness.data.fetch`'s layout or the shared-data layout), the cache or the network.
* :mod:`~harness.training.data.files` -- JSON arrays and JSON Lines, plain or ``.xz``/``.gz``.
* :mod:`~harness.training.data.convert` -- alpaca and ShareGPT records into (human, assistant)
  turns, with validation; :mod:`~harness.training.data.records` counts bad records by reason and
  rejects files that are mostly bad.
* :mod:`~harness.training.data.language` and :mod:`~harness.training.data.segments` -- the paper's
  ShareGPT cleaning: keep English and Chinese, split at 2,048 tokens on turn boundaries.
* :mod:`~harness.training.data.sources` -- :class:`TrainingSource`, the dataset component every
  training dataset name (``alpaca-3.5-en`` ... ``belle-3.5``, ``plugins/train_datasets.py``) builds.
* :mod:`~harness.training.data.overlap` -- exact, normalised and near-duplicate eval questions in the
  training data (reported; dropped with ``drop_eval_overlap=True``).
* :mod:`~harness.training.data.load` -- :func:`load_mixture`, tying it together.

Several pinned sources are substitutes for files that could not be obtained (the full Alpaca,
Alpaca-GPT4 and alpaca_zh_51k files, English multi-turn ShareGPT, BELLE-0.5M-CLEAN); each
``registry/sources/*.yaml`` says so in its ``notes``, and every dataset takes ``path=`` to read the
original instead.
"""

from harness.training.data.load import MixtureResult, load_eval_questions, load_mixture
from harness.training.data.mixture import MixtureTerm, parse_mixture
from harness.training.data.sources import SourceReport, TrainingSource

__all__ = [
    "MixtureResult",
    "MixtureTerm",
    "SourceReport",
    "TrainingSource",
    "load_eval_questions",
    "load_mixture",
    "parse_mixture",
]
