"""``llama2c:<checkpoint.bin>``: a legacy llama2.c checkpoint, converted to transformers' LLaMA.

The legacy ("version 0") format is a header of seven little-endian int32 -- ``dim, hidden_dim,
n_layers, n_heads, n_kv_heads, vocab_size, seq_len`` (a negative vocab_size means a separate
classifier follows, a positive one that it shares the embedding) -- then float32 tensors in
``run.c`` order: token embedding, rms_att[L], wq[L], wk[L], wv[L], wo[L], rms_ffn[L], w1[L], w2[L],
w3[L], rms_final, two RoPE tables (skipped), and the classifier if not shared.

llama2.c applies RoPE to *adjacent* pairs of a head's dimensions while HF LLaMA rotates the two
*halves*; as llama2.c's own ``export.py`` does, the rows of wq and wk are permuted so each head's
pairs become halves, which makes both compute the same function.
The converted directory is cached under ``models_cache_dir()/llama2c-<hash of the inputs>/``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.models.base import BUILT_MODEL_FILES, LocalModel, save_built_model
from harness.models.materialize import materialize
from harness.models.tiny_llama import TOKENIZER_CONFIG
from harness.paths import models_cache_dir

FORMAT_VERSION = 1
HEADER = struct.Struct("<7i")


@dataclass(frozen=True)
class Llama2cHeader:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    shared_classifier: bool

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.dim * self.n_kv_heads // self.n_heads

    def n_floats(self) -> int:
        d, h, n_layers, v = self.dim, self.hidden_dim, self.n_layers, self.vocab_size
        per_layer = 2 * d + d * d + 2 * self.kv_dim * d + d * d + 3 * d * h
        rope = self.seq_len * self.head_size  # two tables of seq_len * head_size / 2
        return v * d + n_layers * per_layer + d + rope + (0 if self.shared_classifier else v * d)


def read_header(data: bytes, *, source: str = "checkpoint") -> Llama2cHeader:
    if len(data) < HEADER.size:
        raise UsageError(f"{source}: too short for a llama2.c checkpoint ({len(data)} bytes)")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = HEADER.unpack_from(data)
    header = Llama2cHeader(
        dim, hidden, layers, heads, kv_heads, abs(vocab), seq_len, shared_classifier=vocab > 0
    )
    sane = all(x > 0 for x in (dim, hidden, layers, heads, kv_heads, seq_len)) and vocab != 0
    if not sane or dim % heads or heads % kv_heads:
        raise UsageError(f"{source}: not a legacy llama2.c checkpoint (header {HEADER.unpack_from(data)})")
    expected = HEADER.size + 4 * header.n_floats()
    if len(data) != expected:
        raise UsageError(
            f"{source}: size {len(data)} bytes does not match the header {header} (expected {expected}); "
            "only the legacy (version 0) llama2.c format is supported"
        )
    return header


def permute_for_hf(weight: Any, n_heads: int) -> Any:
    """Reorder each head's rows from llama2.c's interleaved RoPE pairs to HF's rotated halves."""
    rows, cols = weight.shape
    return weight.reshape(n_heads, rows // n_heads // 2, 2, cols).transpose(1, 2).reshape(rows, cols)


def convert_state_dict(data: bytes, header: Llama2cHeader) -> dict[str, Any]:
    """The HF ``LlamaForCausalLM`` state dict of a legacy checkpoint's bytes."""
    import numpy as np
    import torch

    values = np.frombuffer(data, dtype="<f4", offset=HEADER.size)
    cursor = 0

    def take(*shape: int) -> torch.Tensor:
        nonlocal cursor
        count = int(np.prod(shape))
        tensor = torch.from_numpy(values[cursor : cursor + count].copy()).reshape(shape)
        cursor += count
        return tensor

    h, n = header, header.n_layers
    state: dict[str, Any] = {"model.embed_tokens.weight": take(h.vocab_size, h.dim)}
    per_layer: dict[str, list[Any]] = {}
    for key, shape in [
        ("input_layernorm", (h.dim,)),
        ("self_attn.q_proj", (h.dim, h.dim)),
        ("self_attn.k_proj", (h.kv_dim, h.dim)),
        ("self_attn.v_proj", (h.kv_dim, h.dim)),
        ("self_attn.o_proj", (h.dim, h.dim)),
        ("post_attention_layernorm", (h.dim,)),
        ("mlp.gate_proj", (h.hidden_dim, h.dim)),
        ("mlp.down_proj", (h.dim, h.hidden_dim)),
        ("mlp.up_proj", (h.hidden_dim, h.dim)),
    ]:
        per_layer[key] = [take(*shape) for _ in range(n)]
    state["model.norm.weight"] = take(h.dim)
    take(h.seq_len * h.head_size)  # freq_cis_real and freq_cis_imag: HF recomputes RoPE
    state["lm_head.weight"] = (
        state["model.embed_tokens.weight"] if h.shared_classifier else take(h.vocab_size, h.dim)
    )
    for i in range(n):
        for key, tensors in per_layer.items():
            weight = tensors[i]
            if key == "self_attn.q_proj":
                weight = permute_for_hf(weight, h.n_heads)
            elif key == "self_attn.k_proj":
                weight = permute_for_hf(weight, h.n_kv_heads)
            state[f"model.layers.{i}.{key}.weight"] = weight
    return state


def build_llama2c_dir(out_dir: Path, checkpoint: Path, tokenizer_model: Path) -> None:
    """Write the HF directory (config, safetensors, tokenizer) of a llama2.c checkpoint."""
    import sentencepiece as spm
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    data = checkpoint.read_bytes()
    header = read_header(data, source=str(checkpoint))
    try:
        n_pieces = spm.SentencePieceProcessor(model_file=str(tokenizer_model)).vocab_size()
    except (RuntimeError, OSError) as exc:  # sentencepiece's "ParseFromArray failed" and kin
        raise UsageError(
            f"--tokenizer {tokenizer_model}: not a sentencepiece model ({str(exc).strip().splitlines()[0]})",
            hint="Pass the .model file the checkpoint was trained with (e.g. tok4096.model).",
        ) from None
    if n_pieces != header.vocab_size:
        raise UsageError(
            f"tokenizer {tokenizer_model} has {n_pieces} pieces but {checkpoint} was trained with "
            f"{header.vocab_size}; pass the matching sentencepiece model with --tokenizer"
        )
    config = LlamaConfig(
        vocab_size=header.vocab_size,
        hidden_size=header.dim,
        intermediate_size=header.hidden_dim,
        num_hidden_layers=header.n_layers,
        num_attention_heads=header.n_heads,
        num_key_value_heads=header.n_kv_heads,
        max_position_embeddings=header.seq_len,
        rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=header.shared_classifier,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
    )
    with torch.device("meta"):
        model = LlamaForCausalLM(config)
    model.load_state_dict(convert_state_dict(data, header), assign=True, strict=True)
    if header.shared_classifier:
        model.tie_weights()
    model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=0)
    save_built_model(model, out_dir)
    shutil.copyfile(tokenizer_model, out_dir / "tokenizer.model")
    (out_dir / "tokenizer_config.json").write_text(
        json.dumps({**TOKENIZER_CONFIG, "model_max_length": header.seq_len}, indent=2), encoding="utf-8"
    )
    (out_dir / "harness_recipe.json").write_text(
        json.dumps(
            {
                "model": "llama2c",
                "format": FORMAT_VERSION,
                "checkpoint": str(checkpoint),
                "tokenizer": str(tokenizer_model),
            },
            indent=2,
        ),
        encoding="utf-8",
    )


def _digest(*paths: Path) -> str:
    sha = hashlib.sha256(f"llama2c-format-{FORMAT_VERSION}".encode())
    for path in paths:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                sha.update(block)
    return sha.hexdigest()[:12]


def default_tokenizer_for(checkpoint: Path) -> Path | None:
    """A sentencepiece model beside the checkpoint: ``tok<vocab>.model`` or ``tokenizer.model``."""
    try:
        with checkpoint.open("rb") as fh:
            vocab = abs(HEADER.unpack(fh.read(HEADER.size))[5])
    except (OSError, struct.error):
        return None
    for name in (f"tok{vocab}.model", "tokenizer.model"):
        if (checkpoint.parent / name).is_file():
            return checkpoint.parent / name
    return None


class Llama2cModel(LocalModel):
    """The ``llama2c:<checkpoint.bin>`` component; ``tokenizer`` is the sentencepiece ``.model``."""

    def __init__(
        self,
        arg: str | None = None,
        *,
        path: str | Path | None = None,
        tokenizer: str | Path | None = None,
        dtype: Any = "auto",
        device_map: Any = None,
        prompt_template: str | None = None,
        system_prompt: str | None = None,
    ) -> None:
        source = arg or (str(path) if path else None)
        if not source:
            raise UsageError(
                "model 'llama2c' needs a checkpoint: --model llama2c:<checkpoint.bin> --tokenizer tok.model"
            )
        super().__init__(
            f"llama2c:{source}",
            prompt_template=prompt_template,
            system_prompt=system_prompt,
            dtype=dtype,
            device_map=device_map,
        )
        self.checkpoint = Path(source).expanduser()
        self.sp_model = Path(tokenizer).expanduser() if tokenizer else None

    def _resolve(self) -> Path:
        if not self.checkpoint.is_file():
            raise UsageError(f"model {self.name!r}: no checkpoint file at {self.checkpoint}")
        sp_model = self.sp_model or default_tokenizer_for(self.checkpoint)
        if sp_model is None:
            raise UsageError(
                f"model {self.name!r} needs its sentencepiece tokenizer",
                hint="Pass --tokenizer PATH/TO/tok.model (the .model file the checkpoint was trained with).",
            )
        if not sp_model.is_file():
            raise UsageError(f"model {self.name!r}: no tokenizer file at {sp_model}")
        target = models_cache_dir() / f"llama2c-{self.checkpoint.stem}-{_digest(self.checkpoint, sp_model)}"
        return materialize(
            target, lambda tmp: build_llama2c_dir(tmp, self.checkpoint, sp_model), required=BUILT_MODEL_FILES
        )
