"""Recipe and ``hf:`` models: local directories, Hub ids, and clear errors when a model is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.manager import get_registry
from harness.models.hub import builtin_recipes, check_model_dir, find_recipe, looks_like_local_path


def test_recipes_describe_the_paper_models() -> None:
    names = {r.name for r in builtin_recipes()}
    assert {"llama", "llama-ext"} <= names
    ext = find_recipe("llama-ext")
    assert ext.hf_id == "BelleGroup/BELLE-LLaMA-EXT-7B" and ext.vocab_size == 79458
    assert ext.prompt_template == "belle-958c91b-train"  # BELLE@958c91b's training format
    from harness.prompts.template import named_template

    for recipe in builtin_recipes():  # every recipe names a template that exists
        assert named_template(recipe.prompt_template).source
    assert find_recipe("llama").vocab_size == 32000
    spec = get_registry().get("model", "llama-ext")
    assert spec.options["recipe"] == "llama-ext"


def test_missing_model_offline_says_where_it_looked_and_how_to_provide_it(tmp_path: Path) -> None:
    """In a fresh process (HF_HUB_OFFLINE and HF_HOME are read at import), through the CLI's error path."""
    code = (
        "from harness.manager import get_registry\n"
        "from harness.errors import UsageError\n"
        "m = get_registry().create('model', 'llama-ext')\n"
        "try:\n    m.local_path()\nexcept UsageError as e:\n    print('EXIT', e.exit_code); print(e)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf-empty")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "EXIT 2" in text
    assert "model 'llama-ext' is not available" in text
    assert str(tmp_path / "hf-empty") in text  # the cache it looked in
    assert "HF_HUB_OFFLINE" in text
    assert "--model-path" in text and "huggingface-cli download BelleGroup/BELLE-LLaMA-EXT-7B" in text
    assert "Traceback" not in text + out.stderr


def test_hf_accepts_a_directory_such_as_a_training_output(tiny_llama_dir: Path, tmp_path: Path) -> None:
    """A ``save_pretrained`` directory (what ``harness train`` writes) is a valid ``hf:`` path."""
    import torch

    from harness.models.tiny_llama import TinyLlamaModel

    hf_model, tokenizer = TinyLlamaModel().load()
    out = tmp_path / "run" / "checkpoint"
    hf_model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    model = get_registry().create("model", f"hf:{out}")
    assert model.name == f"hf:{out}" and model.local_path() == out
    loaded, loaded_tokenizer = model.load(dtype="float32")
    ids = torch.tensor([[1, 5, 6, 7]])
    with torch.inference_mode():
        assert torch.equal(loaded(ids).logits, hf_model(ids).logits)
    assert loaded_tokenizer("你好")["input_ids"] == tokenizer("你好")["input_ids"]
    # --model-path works the same for a recipe model (and warns about the vocabulary size).
    with pytest.warns(UserWarning, match="vocab_size"):
        assert get_registry().create("model", "llama-ext", path=str(out)).local_path() == out


def test_directory_problems_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no directory"):
        get_registry().create("model", f"hf:{tmp_path / 'nope'}").local_path()
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no config.json"):
        check_model_dir(tmp_path / "empty", what="x")
    (tmp_path / "enc").mkdir()
    (tmp_path / "enc" / "pytorch_model-00001-of-00002.bin.abc.enc").write_bytes(b"\0")
    with pytest.raises(UsageError, match="encrypted"):
        get_registry().create("model", "llama-ext", path=str(tmp_path / "enc")).local_path()
    with pytest.raises(UsageError, match="needs a Hub id"):
        get_registry().create("model", "hf")


def test_local_paths_and_hub_ids_are_told_apart(tmp_path: Path) -> None:
    assert looks_like_local_path(str(tmp_path))
    assert looks_like_local_path("./runs/x/checkpoint")
    assert looks_like_local_path("/abs/missing")
    assert not looks_like_local_path("BelleGroup/BELLE-LLaMA-EXT-7B")
    assert not looks_like_local_path("gpt2")
