"""The ``llama-ext`` recipe is valid, reproducible from shared data, and holds out the eval set."""

from __future__ import annotations

import pytest

from harness.registry_yaml import RegistryFileError
from harness.vocab.recipe import (
    TokenizerRecipe,
    load_recipe,
    recipe_corpus_files,
    recipe_sentencepiece_options,
)


def test_llama_ext_recipe_loads_by_name():
    recipe = load_recipe("llama-ext")
    assert recipe.vocab_size == 50_000 and recipe.options.model_type == "bpe"
    assert recipe.base_tokenizer.endswith("llama_tokenizer.model")
    assert any(p.endswith("belle/eval_set.json") for p in recipe.held_out)
    options = recipe_sentencepiece_options(recipe)
    assert options.vocab_size == 50_000 and options.byte_fallback is True
    assert recipe_sentencepiece_options(recipe, vocab_size=1000).vocab_size == 1000


def test_recipe_corpora_exist_and_exclude_the_eval_set(shared_data):
    files = recipe_corpus_files(load_recipe("llama-ext"))
    assert files and all(f.path.is_file() for f in files)
    assert all(f.path.name != "eval_set.json" for f in files)


def test_training_on_a_held_out_file_is_refused(tmp_path, shared_data):
    recipe = TokenizerRecipe(
        name="bad",
        base_tokenizer="shared:tokenizers/llama_tokenizer.model",
        vocab_size=1000,
        corpus=[{"path": "shared:belle/eval_set.json", "text_fields": ["question"]}],
        held_out=["shared:belle/eval_set.json"],
    )
    with pytest.raises(Exception, match="holds it out|also holds out"):
        recipe_corpus_files(recipe)


def test_invalid_recipe_names_file_and_field(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nbase_tokenizer: x\nvocab_size: ten\ncorpus: []\n", encoding="utf-8")
    with pytest.raises(RegistryFileError) as info:
        load_recipe(str(path))
    message = str(info.value)
    assert "broken.yaml" in message and "vocab_size" in message and "corpus" in message


def test_unknown_recipe_lists_known_ones():
    with pytest.raises(Exception) as info:
        load_recipe("no-such-recipe")
    assert "llama-ext" in str(info.value)
