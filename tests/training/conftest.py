"""Fixtures for the trainer tests: the tiny-llama model directory and real ShareGPT conversations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.protocols import Conversation


@pytest.fixture(scope="session")
def tiny_llama_dir(harness_home: Path) -> Path:
    """The registry's ``tiny-llama`` (a small random LLaMA with its own sentencepiece tokenizer)."""
    from harness.manager import get_registry

    return Path(get_registry().create("model", "tiny-llama").local_path())


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_llama_dir: Path):
    from harness.models.base import load_tokenizer

    return load_tokenizer(tiny_llama_dir)


def read_sharegpt(path: Path, limit: int) -> list[Conversation]:
    """Real multi-turn records (JSON lines, roles human/gpt) as conversations."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            turns = tuple(
                ("human" if t["from"] == "human" else "assistant", t["value"])
                for t in record["conversations"]
            )
            out.append(Conversation(id=record["id"], turns=turns, source="sharegpt_zh_1K"))
            if len(out) >= limit:
                break
    return out


@pytest.fixture(scope="session")
def sharegpt_conversations(shared_data: Path) -> list[Conversation]:
    return read_sharegpt(shared_data / "sharegpt" / "sharegpt_zh_1K.json", 40)
