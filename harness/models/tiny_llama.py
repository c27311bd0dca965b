"""``tiny-llama``: a small, randomly initialised LLaMA with a vocabulary the project trains itself.

For tests, demos and CPU benchmarks, nothing is downloaded: a LLaMA-style sentencepiece BPE model
is trained on ``tiny_corpus.txt`` (Chinese, English and code, shipped in this package) and a
seeded :class:`transformers.LlamaForCausalLM` is initialised at random. The result is a normal HF
directory (``config.json``, ``model.safetensors``, ``tokenizer.model``, ``tokenizer_config.json``,
``generation_config.json``) under ``models_cache_dir()/tiny-llama-<hash of the recipe>/``, built
once, atomically, so any number of processes may ask for it at the same time.

Its answers are noise, but they are deterministic noise: the same recipe gives bit-identical
weights and vocabulary, which is what tests and benchmarks need.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from harness.models.base import BUILT_MODEL_FILES, LocalModel, save_built_model
from harness.models.hub import check_model_dir
from harness.models.materialize import materialize, recipe_hash
from harness.models.sentencepiece_build import train_llama_style_bpe
from harness.paths import models_cache_dir

FORMAT_VERSION = 1  # bump when the build below changes what ends up in the directory

TOKENIZER_CONFIG = {
    "tokenizer_class": "LlamaTokenizer",
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": "<unk>",  # LLaMA has no pad piece; BELLE pads with id 0 as well
    "add_bos_token": True,
    "add_eos_token": False,
    "clean_up_tokenization_spaces": False,
    "legacy": False,
    "model_max_length": 4096,
    "padding_side": "left",
}


@dataclass(frozen=True)
class TinyLlamaRecipe:
    """Everything that determines the built directory (its hash names the directory)."""

    vocab_size: int = 1024
    hidden_size: int = 64
    intermediate_size: int = 176
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    max_position_embeddings: int = 4096
    rms_norm_eps: float = 1e-5
    seed: int = 0

    def directory_name(self) -> str:
        return (
            f"tiny-llama-{recipe_hash({**asdict(self), 'format': FORMAT_VERSION, 'corpus': corpus_text()})}"
        )


def corpus_text() -> str:
    return resources.files("harness.models").joinpath("tiny_corpus.txt").read_text(encoding="utf-8")


def build_tiny_llama(out_dir: Path, recipe: TinyLlamaRecipe) -> None:
    """Write the tokenizer and the randomly initialised model of ``recipe`` into ``out_dir``."""
    import sentencepiece as spm
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    proto = train_llama_style_bpe(corpus_text().splitlines(), vocab_size=recipe.vocab_size)
    (out_dir / "tokenizer.model").write_bytes(proto)
    (out_dir / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2), encoding="utf-8")
    (out_dir / "special_tokens_map.json").write_text(
        json.dumps({k: TOKENIZER_CONFIG[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")}),
        encoding="utf-8",
    )
    n_pieces = spm.SentencePieceProcessor(model_proto=proto).vocab_size()

    config = LlamaConfig(
        vocab_size=n_pieces,
        hidden_size=recipe.hidden_size,
        intermediate_size=recipe.intermediate_size,
        num_hidden_layers=recipe.num_hidden_layers,
        num_attention_heads=recipe.num_attention_heads,
        num_key_value_heads=recipe.num_key_value_heads,
        max_position_embeddings=recipe.max_position_embeddings,
        rms_norm_eps=recipe.rms_norm_eps,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        tie_word_embeddings=False,
    )
    # Seed a private generator state so building does not disturb (or depend on) the caller's RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        model = LlamaForCausalLM(config).to(torch.float32)  # type: ignore[arg-type]  # stub: wraps() on .to drops self
    model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=0)
    save_built_model(model, out_dir)
    (out_dir / "harness_recipe.json").write_text(
        json.dumps({"model": "tiny-llama", "format": FORMAT_VERSION, **asdict(recipe)}, indent=2),
        encoding="utf-8",
    )


def tiny_llama_path(recipe: TinyLlamaRecipe | None = None) -> Path:
    """The built directory of ``recipe`` (default recipe if omitted), building it if needed."""
    recipe = recipe or TinyLlamaRecipe()
    return materialize(
        models_cache_dir() / recipe.directory_name(),
        lambda tmp: build_tiny_llama(tmp, recipe),
        required=BUILT_MODEL_FILES,
    )


class TinyLlamaModel(LocalModel):
    """The ``tiny-llama`` component. ``path`` (``--model-path``) points at another directory of the
    same kind, e.g. a ``harness train`` output fine-tuned from tiny-llama."""

    def __init__(
        self,
        *,
        path: str | Path | None = None,
        tokenizer: str | Path | None = None,
        dtype: Any = "auto",
        device_map: Any = None,
        prompt_template: str | None = None,
        system_prompt: str | None = None,
        recipe: TinyLlamaRecipe | None = None,
        name: str = "tiny-llama",
    ) -> None:
        super().__init__(
            name,
            prompt_template=prompt_template,
            system_prompt=system_prompt,
            tokenizer=tokenizer,
            dtype=dtype,
            device_map=device_map,
        )
        self.recipe = recipe or TinyLlamaRecipe()
        self.path_override = Path(path).expanduser() if path else None

    def _resolve(self) -> Path:
        if self.path_override is not None:
            return check_model_dir(self.path_override, what=self.name)
        return tiny_llama_path(self.recipe)
