"""Fixtures for the models and generators tests: the built tiny-llama and the real stories260K.

Both are session-scoped: tiny-llama is built once into the session's ``HARNESS_HOME`` and
stories260K is converted once from ``../shared/data/models`` (skipped when shared data is absent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Greedy decoding from BOS with llama2.c's run.c (../shared/data/MANIFEST.md, section 5).
STORIES260K_ORACLE = [
    1,
    403,
    407,
    261,
    378,
    432,
    383,
    286,
    261,
    376,
    298,
    315,
    421,
    395,
    317,
    426,
    338,
    401,
    396,
    267,
    337,
    410,
    408,
    419,
    292,
    411,
    322,
    265,
    282,
    295,
    433,
    426,
    385,
    328,
    432,
    358,
    394,
    261,
    370,
    432,
]


@pytest.fixture(scope="session")
def tiny_llama_dir(harness_home: Path) -> Path:
    from harness.models.tiny_llama import tiny_llama_path

    return tiny_llama_path()


@pytest.fixture(scope="session")
def stories_files(shared_data: Path) -> tuple[Path, Path]:
    checkpoint = shared_data / "models" / "stories260K.bin"
    tokenizer = shared_data / "models" / "tok512.model"
    if not (checkpoint.is_file() and tokenizer.is_file()):
        pytest.skip("stories260K.bin / tok512.model absent from shared data")
    return checkpoint, tokenizer


@pytest.fixture(scope="session")
def stories_model(stories_files: tuple[Path, Path], harness_home: Path):
    """The stories260K model component (llama2c:), with a plain ``{question}`` template."""
    from harness.models.llama2c import Llama2cModel

    checkpoint, tokenizer = stories_files
    return Llama2cModel(str(checkpoint), tokenizer=str(tokenizer), prompt_template="{question}")
