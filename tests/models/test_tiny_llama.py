"""tiny-llama: built offline, deterministic, a real LLaMA-style vocabulary, loadable by transformers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.models.tiny_llama import TinyLlamaModel, TinyLlamaRecipe, build_tiny_llama, tiny_llama_path
from tests.harness_cli import run_harness

TEXTS = [
    "Human: \n请你写出一个可以生成五个不同随机数的 Python 程序。\n\nAssistant: \n",
    "def f(x):\n    return {x: [1, 2, 3]}  # comment\t with tab",
    "Emoji 🤖 and rare characters: 龘 𝔸 Ω ß — «quotes» 😀",
    "空格  两个  以及\n\n换行，全角　空格。",
]


def test_directory_is_a_complete_hf_model(tiny_llama_dir: Path, harness_home: Path) -> None:
    from harness.paths import models_cache_dir

    assert tiny_llama_dir.parent == models_cache_dir()
    assert tiny_llama_dir.name.startswith("tiny-llama-")
    names = {p.name for p in tiny_llama_dir.iterdir()}
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.model",
        "tokenizer_config.json",
        "generation_config.json",
    } <= names
    config = json.loads((tiny_llama_dir / "config.json").read_text())
    assert config["model_type"] == "llama"
    assert not any(p.name.startswith(".") for p in tiny_llama_dir.parent.iterdir()), "temp dirs left behind"
    assert tiny_llama_path() == tiny_llama_dir  # cached: the second call builds nothing


def test_vocabulary_is_llama_style_sentencepiece_bpe(tiny_llama_dir: Path) -> None:
    from sentencepiece import sentencepiece_model_pb2 as sp_pb2

    proto = sp_pb2.ModelProto()
    proto.ParseFromString((tiny_llama_dir / "tokenizer.model").read_bytes())
    assert proto.trainer_spec.model_type == sp_pb2.TrainerSpec.BPE
    assert proto.trainer_spec.byte_fallback
    assert proto.normalizer_spec.name == "identity"
    pieces = [(p.piece, p.type) for p in proto.pieces]
    assert pieces[:3] == [("<unk>", 2), ("<s>", 3), ("</s>", 3)]  # UNKNOWN, CONTROL, CONTROL
    assert [p for p, _ in pieces[3:259]] == [f"<0x{b:02X}>" for b in range(256)]
    assert all(t == 6 for _, t in pieces[3:259])  # BYTE
    assert len(pieces) == TinyLlamaRecipe().vocab_size
    config = json.loads((tiny_llama_dir / "config.json").read_text())
    assert config["vocab_size"] == len(pieces)


@pytest.mark.parametrize("text", TEXTS)
def test_any_text_round_trips(tiny_llama_dir: Path, text: str) -> None:
    import sentencepiece as spm
    from transformers import AutoTokenizer

    sp = spm.SentencePieceProcessor(model_file=str(tiny_llama_dir / "tokenizer.model"))
    ids = sp.encode(text)
    assert sp.decode(ids) == text
    assert sp.unk_id() not in ids  # byte fallback: nothing is unknown
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_llama_dir))
    hf_ids = tokenizer(text)["input_ids"]
    assert hf_ids[0] == tokenizer.bos_token_id == 1
    assert hf_ids[1:] == ids  # the HF conversion encodes exactly like sentencepiece
    assert tokenizer.decode(hf_ids, skip_special_tokens=True) == text


def test_loads_with_transformers_auto_classes_and_has_a_pad_token(tiny_llama_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    for kwargs in ({}, {"use_fast": False}):
        tokenizer = AutoTokenizer.from_pretrained(str(tiny_llama_dir), **kwargs)
        assert tokenizer.pad_token == "<unk>" and tokenizer.pad_token_id == 0
        assert (tokenizer.bos_token_id, tokenizer.eos_token_id) == (1, 2)
    model = AutoModelForCausalLM.from_pretrained(str(tiny_llama_dir))
    assert type(model).__name__ == "LlamaForCausalLM"
    assert model.dtype == torch.float32
    assert model.get_input_embeddings().weight.shape[0] == len(tokenizer)
    assert model.generation_config.pad_token_id == 0


def test_model_component_formats_prompts_and_loads(tiny_llama_dir: Path) -> None:
    import torch

    model = TinyLlamaModel()
    assert model.name == "tiny-llama" and model.default_generator == "hf"
    # the paper's training format (BELLE@958c91b), BOS shown as the tokenizer's string
    assert model.format_prompt("你好{x}") == "<s>Human: 你好{x}\n Assistant: "
    assert model.local_path() == tiny_llama_dir
    hf_model, tokenizer = model.load()
    assert hf_model.dtype == torch.float32 and not hf_model.training
    assert tokenizer.pad_token_id == 0
    custom = TinyLlamaModel(prompt_template="Q: {question}\nA:")
    assert custom.format_prompt("hi") == "<s>Q: hi\nA:"


def test_build_is_deterministic(tmp_path: Path, tiny_llama_dir: Path) -> None:
    from safetensors.torch import load_file

    other = tmp_path / "again"
    other.mkdir()
    build_tiny_llama(other, TinyLlamaRecipe())
    assert (other / "tokenizer.model").read_bytes() == (tiny_llama_dir / "tokenizer.model").read_bytes()
    first, second = load_file(tiny_llama_dir / "model.safetensors"), load_file(other / "model.safetensors")
    assert first.keys() == second.keys()
    assert all(first[k].equal(second[k]) for k in first)
    assert TinyLlamaRecipe(seed=1).directory_name() != TinyLlamaRecipe().directory_name()


def test_registry_builds_tiny_llama_with_a_model_path_override(tiny_llama_dir: Path, tmp_path: Path) -> None:
    from harness.errors import UsageError
    from harness.manager import get_registry

    registry = get_registry()
    assert registry.create("model", "tiny-llama").local_path() == tiny_llama_dir
    assert registry.create("model", "tiny-llama", path=str(tiny_llama_dir)).local_path() == tiny_llama_dir
    with pytest.raises(UsageError, match="no directory"):
        registry.create("model", "tiny-llama", path=str(tmp_path / "missing")).local_path()


def test_a_rank_other_than_zero_builds_the_complete_cached_directory(
    tmp_path: Path, tiny_llama_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a launcher torch.distributed is up before a rank resolves the model, and any rank may
    win the race to build the cached copy; transformers' save_pretrained writes nothing on rank 1
    (the copy renamed into place was a tokenizer without weights, used from then on)."""
    from safetensors.torch import load_file
    from transformers.distributed import mixin

    monkeypatch.setattr(mixin, "_is_torch_distributed_initialized", lambda: True)
    monkeypatch.setattr(mixin, "_get_torch_distributed_rank", lambda: 1)
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path / "home"))
    built = tiny_llama_path()
    assert built != tiny_llama_dir
    assert json.loads((built / "config.json").read_text())["model_type"] == "llama"
    first, second = load_file(tiny_llama_dir / "model.safetensors"), load_file(built / "model.safetensors")
    assert first.keys() == second.keys() and all(first[k].equal(second[k]) for k in first)


def test_training_on_a_cached_copy_without_weights_is_exit_2_naming_it(tmp_path: Path) -> None:
    """What the rank race left behind before the fix (``harness train`` then died in a traceback):
    the trainer says which folder to remove, and removes nothing itself."""
    cached = tmp_path / "home" / "models" / TinyLlamaRecipe().directory_name()
    cached.mkdir(parents=True)
    (cached / "tokenizer.model").write_bytes(b"left by an earlier build")
    data = tmp_path / "data.json"
    data.write_text(json.dumps([{"instruction": "说一个数", "input": "", "output": "七"}]), encoding="utf-8")
    env = {**os.environ, "HARNESS_HOME": str(tmp_path / "home"), "COLUMNS": "80"}
    argv = [
        "train",
        "--model",
        "tiny-llama",
        "--data",
        str(data),
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
    ]
    proc = run_harness(argv, env=env)
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "an incomplete build (no config.json, model.safetensors)" in errors[0]
    assert "Traceback" not in proc.stderr and "Remove that directory" in proc.stderr
    assert sorted(p.name for p in cached.iterdir()) == ["tokenizer.model"]
