"""Tokenizer directories: finding a base sentencepiece model, and writing an extended one.

A written directory holds ``tokenizer.model`` (the merged sentencepiece model: the source of
truth), the ``tokenizer.json``/``tokenizer_config.json`` transformers derives from it, and
``vocab_manifest.json`` (sizes, pieces added, corpus checksums, options). transformers 5's
``save_pretrained`` does not write ``tokenizer.model``, so it is written here directly; and since
``LlamaTokenizer(vocab_file=...)`` ignores the file, loading always goes through
``from_pretrained(directory)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import UsageError

SP_MODEL_NAME = "tokenizer.model"
MANIFEST_NAME = "vocab_manifest.json"


def resolve_sentencepiece_model(path_or_id: str | Path) -> Path:
    """The ``tokenizer.model`` file behind ``path_or_id``.

    Accepts a ``.model`` file, a directory containing ``tokenizer.model``, or a Hugging Face hub id
    whose ``tokenizer.model`` is already in the local hub cache (nothing is downloaded here).
    """
    path = Path(path_or_id).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        candidate = path / SP_MODEL_NAME
        if candidate.is_file():
            return candidate
        raise UsageError(f"{path} has no {SP_MODEL_NAME} (a sentencepiece model is needed)")
    if "/" in str(path_or_id) and not str(path_or_id).startswith((".", "/")):
        try:
            from huggingface_hub import hf_hub_download

            return Path(hf_hub_download(str(path_or_id), SP_MODEL_NAME, local_files_only=True))
        except Exception as exc:  # noqa: BLE001 - any hub failure means "not available offline"
            raise UsageError(
                f"{path_or_id!r} is not a local path and its {SP_MODEL_NAME} is not in the Hugging Face cache",
                hint=f"Download it first (huggingface-cli download {path_or_id} {SP_MODEL_NAME}) or pass a path.",
            ) from exc
    raise UsageError(f"tokenizer not found: {path_or_id}")


def write_tokenizer_dir(out_dir: Path, model_bytes: bytes, manifest: dict[str, Any]) -> Path:
    """Write an extended LLaMA tokenizer directory that transformers loads (fast and slow)."""
    from transformers import LlamaTokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / SP_MODEL_NAME).write_bytes(model_bytes)
    tokenizer = LlamaTokenizer.from_pretrained(
        str(out_dir), add_bos_token=True, add_eos_token=False, legacy=False
    )
    tokenizer.save_pretrained(str(out_dir))
    (out_dir / SP_MODEL_NAME).write_bytes(model_bytes)  # save_pretrained must not be trusted with it
    (out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return out_dir


def read_manifest(tokenizer_dir: Path) -> dict[str, Any] | None:
    path = Path(tokenizer_dir) / MANIFEST_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_fast_tokenizer(tokenizer_dir: Path):
    """The transformers (tokenizers-backed) LLaMA tokenizer of ``tokenizer_dir``."""
    from transformers import LlamaTokenizer

    return LlamaTokenizer.from_pretrained(str(tokenizer_dir))


def load_slow_tokenizer(tokenizer_dir: Path):
    """The transformers sentencepiece-backed ("slow") tokenizer of ``tokenizer_dir``."""
    from transformers.tokenization_utils_sentencepiece import SentencePieceBackend

    return SentencePieceBackend.from_pretrained(str(tokenizer_dir))
