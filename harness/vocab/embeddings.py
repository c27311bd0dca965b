"""The model half of LLaMA-EXT: grow a checkpoint's embeddings to an extended vocabulary.

Each new piece gets, in ``embed_tokens`` and in ``lm_head``, the mean of the rows of the base
pieces it decomposes into under the base tokenizer (e.g. a new piece ``中国`` starts as the mean of
the byte tokens LLaMA used to spell it). That starts every new piece where the model already
"understood" its text, instead of at noise; a piece the base cannot spell without ``<unk>`` falls
back to the mean of all base rows. torch and transformers are imported inside the functions.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from harness.errors import UsageError
from harness.vocab.merge import load_model_proto, truncate_model
from harness.vocab.tokenizer_dir import MANIFEST_NAME, SP_MODEL_NAME

if TYPE_CHECKING:
    import torch

TOKENIZER_FILES = (
    SP_MODEL_NAME,
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    MANIFEST_NAME,
)

MODEL_OWNED_TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json")


@dataclass
class ResizeReport:
    out_dir: Path
    old_vocab: int
    new_vocab: int
    initialised_from_pieces: int
    initialised_from_mean: int
    tied: bool

    def to_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def decompose_new_pieces(merged_model: bytes, base_size: int) -> list[list[int]]:
    """For each piece after ``base_size``: the base ids that spell its text (empty: no clean spelling).

    The base model is the merged model's first ``base_size`` pieces (the merge keeps them intact),
    with the dummy prefix switched off so a piece without a leading ``▁`` gets none.
    """
    import sentencepiece as spm

    proto = load_model_proto(truncate_model(merged_model, base_size))
    proto.normalizer_spec.add_dummy_prefix = False
    base_sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    merged = load_model_proto(merged_model)
    unk = base_sp.unk_id()
    spellings: list[list[int]] = []
    for piece in merged.pieces[base_size:]:
        ids = base_sp.encode(piece.piece.replace("\u2581", " "))
        spellings.append([] if not ids or unk in ids else ids)
    return spellings


def _check_model_tokenizer(model_dir: Path, merged_model: bytes, base_size: int) -> None:
    """Refuse a tokenizer that was not extended from this model's own tokenizer (rows would mismatch)."""
    own = model_dir / SP_MODEL_NAME
    if not own.is_file():
        return
    own_pieces = [p.piece for p in load_model_proto(own.read_bytes()).pieces]
    merged_pieces = [p.piece for p in load_model_proto(merged_model).pieces[:base_size]]
    if own_pieces != merged_pieces:
        raise UsageError(
            f"the extended tokenizer's first {base_size} pieces differ from {own}",
            hint="Extend the tokenizer that this model was trained with (pass it as --base-tokenizer).",
        )


def _weight(layer: Any) -> torch.Tensor:
    """An embedding layer's weight matrix (torch types a module's attributes as Tensor | Module)."""
    return cast("torch.Tensor", layer.weight)


def resize_model_embeddings(
    model_dir: Path | str, tokenizer_dir: Path | str, out_dir: Path | str
) -> ResizeReport:
    """Load the HF LLaMA checkpoint ``model_dir``, resize it to ``tokenizer_dir``'s vocabulary, save to ``out_dir``."""
    import torch
    from transformers import AutoModelForCausalLM

    model_dir, tokenizer_dir, out_dir = Path(model_dir), Path(tokenizer_dir), Path(out_dir)
    if not (model_dir / "config.json").is_file():
        raise UsageError(f"{model_dir} is not a Hugging Face model directory (no config.json)")
    sp_path = tokenizer_dir / SP_MODEL_NAME
    if not sp_path.is_file():
        raise UsageError(
            f"{tokenizer_dir} has no {SP_MODEL_NAME}; make it with harness extend-vocab --corpus ..."
        )
    merged_model = sp_path.read_bytes()
    new_vocab = len(load_model_proto(merged_model).pieces)

    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype="auto")
    old_vocab = _weight(model.get_input_embeddings()).shape[0]
    manifest_path = tokenizer_dir / MANIFEST_NAME
    base_size = (
        json.loads(manifest_path.read_text("utf-8"))["base_size"] if manifest_path.is_file() else old_vocab
    )
    if old_vocab != base_size:
        raise UsageError(
            f"the model has {old_vocab} embedding rows but the tokenizer extends a {base_size}-piece base",
            hint="Extend the tokenizer this model was trained with.",
        )
    if new_vocab <= old_vocab:
        raise UsageError(
            f"the tokenizer ({new_vocab} pieces) is not larger than the model vocabulary ({old_vocab})"
        )
    _check_model_tokenizer(model_dir, merged_model, base_size)

    spellings = decompose_new_pieces(merged_model, base_size)
    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    model.resize_token_embeddings(new_vocab, mean_resizing=False)
    matrices = [_weight(model.get_input_embeddings())]
    output = model.get_output_embeddings()
    if output is not None and _weight(output).data_ptr() != matrices[0].data_ptr():
        matrices.append(_weight(output))
    from_pieces = sum(1 for s in spellings if s)
    with torch.no_grad():
        for weight in matrices:
            base_rows = weight[:old_vocab]
            mean_row = base_rows.float().mean(dim=0)
            for offset, ids in enumerate(spellings):
                row = base_rows[ids].float().mean(dim=0) if ids else mean_row
                weight[old_vocab + offset] = row.to(weight.dtype)
    model.config.vocab_size = new_vocab
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    # The vocabulary comes from the extended tokenizer; the special-token settings (pad token, BOS)
    # stay the model's own, since the merge kept its special pieces at their ids.
    for name in TOKENIZER_FILES:
        source = tokenizer_dir / name
        if name in MODEL_OWNED_TOKENIZER_FILES and (model_dir / name).is_file():
            source = model_dir / name
        if source.is_file():
            shutil.copyfile(source, out_dir / name)
    if (model_dir / "generation_config.json").is_file() and not (
        out_dir / "generation_config.json"
    ).is_file():
        shutil.copyfile(model_dir / "generation_config.json", out_dir / "generation_config.json")
    report = ResizeReport(out_dir, old_vocab, new_vocab, from_pieces, len(spellings) - from_pieces, tied)
    (out_dir / "vocab_resize.json").write_text(
        json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8"
    )
    return report
