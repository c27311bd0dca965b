"""Tokenizer recipes (``registry/tokenizers/*.yaml``): a vocabulary extension written down.

A recipe names the base tokenizer, the corpora with their text fields, the sentencepiece options
and what must be held out, so ``harness extend-vocab --recipe llama-ext`` rebuilds the same
tokenizer elsewhere. Paths starting with ``shared:`` are relative to the shared data folder
(:func:`harness.paths.shared_data_dir`), which the project never ships.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UsageError
from harness.paths import shared_data_dir
from harness.registry_dirs import all_registry_dirs
from harness.registry_yaml import load_defs, load_yaml_model
from harness.vocab.corpus import CorpusFile
from harness.vocab.train import SentencePieceOptions

SHARED_PREFIX = "shared:"


def resolve_data_path(value: str, base_dir: Path | None = None) -> Path:
    """``shared:x/y`` -> ``<shared data>/x/y``; relative paths resolve against ``base_dir``."""
    if value.startswith(SHARED_PREFIX):
        root = shared_data_dir()
        if root is None:
            raise UsageError(
                f"{value} needs the shared data folder, which is absent (set HARNESS_SHARED_DATA)"
            )
        return root / value[len(SHARED_PREFIX) :]
    path = Path(value).expanduser()
    return path if path.is_absolute() or base_dir is None else base_dir / path


class RecipeCorpus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    text_fields: list[str] = Field(default_factory=lambda: ["text"])


class RecipeOptions(BaseModel):
    """The sentencepiece and merge options of a recipe (defaults as :class:`SentencePieceOptions`)."""

    model_config = ConfigDict(extra="forbid")

    model_type: str = "bpe"
    character_coverage: float = Field(default=0.9995, ge=0.98, le=1)
    byte_fallback: bool = True
    normalization: str = "identity"
    split_digits: bool = True
    split_by_unicode_script: bool = True
    max_sentence_length: int = Field(default=16_384, gt=0)
    min_cjk_share: float = Field(default=0.0, ge=0, le=1)
    max_sentences: int | None = Field(default=2_000_000, gt=0)
    seed: int = 42
    skip_ascii_pieces: bool = True
    score_policy: str = "after-base"


class PaperFigures(BaseModel):
    model_config = ConfigDict(extra="allow")

    merged_vocab_size: int | None = None
    tokens_per_line_ratio: float | None = None


class TokenizerRecipe(BaseModel):
    """``registry/tokenizers/<name>.yaml``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    description: str = ""
    base_tokenizer: str
    vocab_size: int = Field(gt=300)
    corpus: list[RecipeCorpus] = Field(min_length=1)
    held_out: list[str] = Field(default_factory=list, description="files that must never be trained on")
    options: RecipeOptions = Field(default_factory=RecipeOptions)
    paper: PaperFigures | None = None


def load_recipe(name_or_path: str) -> TokenizerRecipe:
    """A recipe by file path, or by name from every registry directory's ``tokenizers/``."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_yaml_model(path, TokenizerRecipe)

    known: dict[str, TokenizerRecipe] = {}
    for directory in all_registry_dirs():
        for recipe in load_defs(directory, "tokenizers", TokenizerRecipe):
            known.setdefault(recipe.name, recipe)
    if name_or_path not in known:
        raise UsageError(
            f"unknown tokenizer recipe {name_or_path!r}",
            hint=f"Known: {', '.join(sorted(known)) or '(none)'}",
        )
    return known[name_or_path]


def recipe_corpus_files(recipe: TokenizerRecipe, base_dir: Path | None = None):
    """The recipe's corpora as :class:`CorpusFile` s; refuses a corpus that is also held out."""
    held_out = {resolve_data_path(p, base_dir).resolve() for p in recipe.held_out}
    files = []
    for entry in recipe.corpus:
        path = resolve_data_path(entry.path, base_dir)
        if path.resolve() in held_out:
            raise UsageError(f"recipe {recipe.name!r} trains on {entry.path}, which it also holds out")
        files.append(CorpusFile(path, tuple(entry.text_fields)))
    return files


def recipe_sentencepiece_options(recipe: TokenizerRecipe, **overrides):
    """The recipe's :class:`SentencePieceOptions` (``overrides`` replace single fields)."""
    o = recipe.options
    values: dict[str, Any] = {
        "vocab_size": recipe.vocab_size,
        "model_type": o.model_type,
        "character_coverage": o.character_coverage,
        "byte_fallback": o.byte_fallback,
        "normalization": o.normalization,
        "split_digits": o.split_digits,
        "split_by_unicode_script": o.split_by_unicode_script,
        "max_sentence_length": o.max_sentence_length,
        "seed": o.seed,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return SentencePieceOptions(**values)
