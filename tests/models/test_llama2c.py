"""llama2c: a real trained checkpoint (stories260K) converted to HF LLaMA reproduces run.c exactly."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.models.llama2c import Llama2cModel, permute_for_hf, read_header

from .conftest import STORIES260K_ORACLE


@pytest.mark.slow
def test_greedy_decoding_from_bos_reproduces_the_oracle(stories_model) -> None:
    import torch

    model, tokenizer = stories_model.load()
    bos = torch.tensor([[tokenizer.bos_token_id]])
    output = model.generate(
        bos, attention_mask=torch.ones_like(bos), do_sample=False, max_new_tokens=len(STORIES260K_ORACLE) - 1
    )
    assert output[0].tolist() == STORIES260K_ORACLE
    assert tokenizer.decode(output[0], skip_special_tokens=True).startswith(
        "Once upon a time, there was a little girl named Lily."
    )


def test_converted_directory_matches_the_header(stories_model, stories_files) -> None:
    path = stories_model.local_path()
    assert path.name.startswith("llama2c-stories260K-")
    config = json.loads((path / "config.json").read_text())
    assert (config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]) == (64, 172, 5)
    assert (config["num_attention_heads"], config["num_key_value_heads"], config["vocab_size"]) == (8, 4, 512)
    assert config["tie_word_embeddings"] is True
    assert (path / "tokenizer.model").read_bytes() == stories_files[1].read_bytes()


def test_registry_spec_is_parametric_and_finds_the_tokenizer_beside_the_checkpoint(stories_files) -> None:
    from harness.manager import get_registry

    checkpoint, _ = stories_files
    model = get_registry().create("model", f"llama2c:{checkpoint}")  # tok512.model sits beside it
    assert model.name == f"llama2c:{checkpoint}"
    assert (model.local_path() / "tokenizer.model").is_file()


def test_permutation_turns_adjacent_pairs_into_halves() -> None:
    import torch

    # one head of size 4: rows (a0, a1, b0, b1) are pairs (a0,a1), (b0,b1) -> halves (a0, b0 | a1, b1)
    weight = torch.arange(8.0).reshape(4, 2)
    assert permute_for_hf(weight, n_heads=1)[:, 0].tolist() == [0.0, 4.0, 2.0, 6.0]


def test_bad_inputs_give_usage_errors(tmp_path: Path, stories_files) -> None:
    checkpoint, tokenizer = stories_files
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(checkpoint.read_bytes()[:4096])
    with pytest.raises(UsageError, match="does not match the header"):
        read_header(truncated.read_bytes(), source=str(truncated))
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(struct.pack("<7i", 0, -1, 0, 0, 0, 0, 0))
    with pytest.raises(UsageError, match="not a legacy llama2.c checkpoint"):
        read_header(garbage.read_bytes())
    with pytest.raises(UsageError, match="no checkpoint file"):
        Llama2cModel(str(tmp_path / "missing.bin"), tokenizer=str(tokenizer)).local_path()
    lonely = tmp_path / "lonely" / "model.bin"
    lonely.parent.mkdir()
    lonely.write_bytes(checkpoint.read_bytes())
    with pytest.raises(UsageError, match="needs its sentencepiece tokenizer"):
        Llama2cModel(str(lonely)).local_path()
    with pytest.raises(UsageError, match="needs a checkpoint"):
        Llama2cModel()
