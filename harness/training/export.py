"""The trained model as a Hugging Face directory that ``harness run --model-path`` loads.

Under ZeRO-3 every rank holds only a shard of each weight, so the full weights are gathered first
(``engine._zero3_consolidated_16bit_state_dict``, the function DeepSpeed's own
``save_16bit_model`` uses; despite its name it returns the parameters in their training dtype).
Only rank 0 writes. transformers 5 writes no ``tokenizer.model`` for LLaMA's sentencepiece
tokenizer, so it is copied from the base model's directory, which keeps the slow tokenizer loadable.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

TOKENIZER_FILES = ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json")


def full_state_dict(engine: Any) -> dict[str, Any] | None:
    """All weights on rank 0 (``None`` on other ranks under ZeRO-3)."""
    if engine.zero_optimization_partition_weights():
        return engine._zero3_consolidated_16bit_state_dict()
    return {k: v.detach().cpu() for k, v in engine.module.state_dict().items()}


def save_model_dir(engine: Any, tokenizer: Any, source_dir: Path, out_dir: Path, *, is_main: bool) -> None:
    """Write weights, config, generation config and tokenizer into ``out_dir`` (rank 0 only)."""
    state_dict = full_state_dict(engine)  # collective under ZeRO-3: every rank must call it
    if not is_main:
        return
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    module = engine.module
    module.config.use_cache = True
    module.save_pretrained(str(out_dir), state_dict=state_dict, safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir))
    for name in TOKENIZER_FILES:
        src = Path(source_dir) / name
        if src.is_file() and not (out_dir / name).exists():
            shutil.copyfile(src, out_dir / name)
    if (Path(source_dir) / "tokenizer.model").is_file():
        shutil.copyfile(Path(source_dir) / "tokenizer.model", out_dir / "tokenizer.model")
