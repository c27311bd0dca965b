"""The preflight of a model with local files: its directory, ``config.json`` and tokenizer load.

Why: a ``--model-path`` that is not a model directory, or a tokenizer that does not load, would
otherwise surface only when the generator loads the weights, after the run has started. Resolving
the directory (built, converted or found in the Hugging Face cache) is work the run needs anyway.
"""

from __future__ import annotations

import json
from typing import Any

from harness.errors import UsageError


def check_model_files(model: Any) -> None:
    """``model``'s directory, ``config.json`` and tokenizer load; else a UsageError saying what to do."""
    path = model.local_path()  # UsageErrors (no directory, not a model, not in the HF cache) say what to do
    config_file = path / "config.json"
    try:
        json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(
            f"model {model.name!r}: {config_file} cannot be read ({exc})",
            hint="Point --model-path at a complete Hugging Face model directory.",
        ) from None
    try:
        model.load_tokenizer()
    except UsageError:
        raise
    except Exception as exc:  # transformers raises OSError, ValueError, sentencepiece errors...
        where = model.tokenizer_path or path
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(
            f"model {model.name!r}: the tokenizer at {where} does not load ({type(exc).__name__}: {reason})",
            hint="Pass --tokenizer with a tokenizer directory that matches the model.",
        ) from None
