"""Plain text for continued pretraining: documents read from files, packed into fixed-size blocks.

Follows BELLE's ``batch_grouped_pretrain_generate``: every document is encoded without special
tokens, followed by EOS, all are concatenated and cut into ``max_length`` blocks whose labels are
their inputs (causal LM; the model shifts them). Packing wastes no compute on padding, which is
what makes embedding-only pretraining of LLaMA-EXT affordable. Unlike BELLE we keep the final
short block instead of dropping it, so a small corpus still yields a sample.

Files: ``.txt`` (one document per line), ``.jsonl`` (one object per line with a ``text`` field) or
``.json`` (a list of such objects or of strings). Empty lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from harness.errors import DataError
from harness.training.sft_encoding import EncodedSample

TEXT_FIELDS = ("text", "content")


def _text_of(obj: Any, where: str) -> str:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        for key in TEXT_FIELDS:
            if isinstance(obj.get(key), str):
                return obj[key]
    raise DataError(f"{where}: expected a string or an object with a 'text' field")


def iter_documents(paths: Iterable[str | Path]) -> Iterator[str]:
    """Yield the non-empty documents of each file, in order."""
    for path in map(Path, paths):
        if not path.is_file():
            raise DataError(f"pretraining text file not found: {path}")
        suffix = path.suffix.lower()
        with path.open(encoding="utf-8") as fh:
            if suffix == ".json":
                data = json.load(fh)
                if not isinstance(data, list):
                    raise DataError(
                        f"{path}: a .json corpus must be a list of texts or {{'text': ...}} objects"
                    )
                for i, obj in enumerate(data):
                    text = _text_of(obj, f"{path}[{i}]")
                    if text.strip():
                        yield text
                continue
            for lineno, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                if suffix == ".jsonl":
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DataError(f"{path}:{lineno}: bad JSON line ({exc.msg})") from None
                    text = _text_of(obj, f"{path}:{lineno}")
                    if text.strip():
                        yield text
                else:
                    yield line


def pack_documents(
    documents: Iterable[str], tokenizer: Any, *, max_length: int, max_documents: int | None = None
) -> list[EncodedSample]:
    """Concatenate ``doc + EOS`` token streams and cut them into blocks of ``max_length``."""
    eos = tokenizer.eos_token_id
    stream: list[int] = []
    blocks: list[EncodedSample] = []
    for i, doc in enumerate(documents):
        if max_documents is not None and i >= max_documents:
            break
        stream += tokenizer.encode(doc, add_special_tokens=False) + [eos]
        while len(stream) >= max_length:
            block, stream = stream[:max_length], stream[max_length:]
            blocks.append(EncodedSample(input_ids=block, labels=list(block), id=f"block-{len(blocks)}"))
    if len(stream) > 1:
        blocks.append(EncodedSample(input_ids=stream, labels=list(stream), id=f"block-{len(blocks)}"))
    return blocks
