"""The built-in embedder ``lm-mean``: mean-pooled hidden states of any registered causal LM.

Used as ``harness data clean --embedder lm-mean`` (the default model, ``tiny-llama``) or
``--embedder lm-mean:<model>`` (``lm-mean:hf:/path/to/a/trained/model``). A causal LM is not a
sentence-embedding model, but its averaged hidden states do place paraphrases and shared templates
close together, and it needs nothing beyond what ``harness run`` already loads; a plugin can
register a real sentence encoder through ``harness_register_embedders`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.models.lm_text import load_causal_lm, mean_pooled


class CausalLMEmbedder:
    """:class:`harness.protocols.Embedder` over a registered causal LM, loaded on first use."""

    def __init__(
        self,
        *,
        arg: str | None = None,
        model: str = "tiny-llama",
        layer: int = -1,
        max_tokens: int = 256,
        batch_size: int = 16,
        dtype: str | None = None,
    ) -> None:
        self.model_name = arg or model
        self.name = f"lm-mean:{self.model_name}"
        self.layer = layer
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.dtype = dtype
        self._loaded: tuple[Any, Any] | None = None

    def _model(self) -> tuple[Any, Any]:
        if self._loaded is None:
            lm, tokenizer, _ = load_causal_lm(self.model_name, dtype=self.dtype)
            self._loaded = (lm, tokenizer)
        return self._loaded

    def embed(self, texts: Sequence[str]) -> Any:
        lm, tokenizer = self._model()
        return mean_pooled(
            lm,
            tokenizer,
            list(texts),
            layer=self.layer,
            max_tokens=self.max_tokens,
            batch_size=self.batch_size,
        )
