"""tiny-llama's directory with a small context, so that tests can exceed it with short prompts.

RoPE models compute the same way whatever ``max_position_embeddings`` says; only the context the
model declares (and the harness checks against) changes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def make_small_context_dir(source: Path, target: Path, context: int) -> Path:
    """Copy the model directory ``source`` to ``target`` declaring a context of ``context`` tokens."""
    shutil.copytree(source, target)
    config_path = target / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["max_position_embeddings"] = context
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return target
