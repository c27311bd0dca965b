"""Reading plain texts with a causal LM: per-text perplexity and mean-pooled hidden states.

Data cleaning needs two things from any registered causal LM (``tiny-llama``, ``hf:<dir>``, a
``harness train`` output...): how surprised the model is by a text (the perplexity filter) and a
vector for the text (the built-in embedder of semantic de-duplication). Both are one forward pass
over batches of texts, so they share :func:`forward_batches`.

Texts are encoded with the tokenizer's own special tokens (BOS for LLaMA), truncated to
``max_tokens``, sorted by length into batches and **right**-padded: every real token then sits at
the position it would have alone and never attends to padding, so a text's figure does not depend
on which other texts share its batch (left padding would shift LLaMA's positions). Small models
on CPU run on one intra-op thread, as generation does (:data:`harness.generation.hf.SMALL_MODEL_PARAMS`):
their matrices are too small to gain from more, and on a shared machine extra threads only contend.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

from harness.errors import UsageError
from harness.generation.hf import SMALL_MODEL_PARAMS
from harness.manager import get_registry


@contextlib.contextmanager
def cpu_threads(model: Any) -> Iterator[None]:
    """One torch thread for a small model on CPU (restored after); otherwise leave torch alone."""
    import torch

    device = next(model.parameters()).device
    small = sum(p.numel() for p in model.parameters()) < SMALL_MODEL_PARAMS
    previous = torch.get_num_threads()
    if device.type != "cpu" or not small or previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def load_causal_lm(name: str, *, dtype: str | None = None) -> tuple[Any, Any, str]:
    """``(model, tokenizer, resolved name)`` of a registered model (``tiny-llama``, ``hf:<dir>``)."""
    model = get_registry().create("model", name)
    try:
        lm, tokenizer = model.load(dtype=dtype)
    except UsageError:
        raise
    except (OSError, ValueError) as exc:
        raise UsageError(f"model {name!r} cannot be loaded as a causal LM: {exc}") from None
    return lm, tokenizer, model.name


def forward_batches(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_tokens: int = 512,
    batch_size: int = 16,
    hidden_states: bool = False,
) -> Iterator[tuple[list[int], Any, Any, Any]]:
    """Yield ``(indices, input_ids, attention_mask, outputs)`` per batch, texts grouped by length."""
    import torch

    encoded = [tokenizer(text, truncation=True, max_length=max_tokens)["input_ids"] for text in texts]
    order = sorted(range(len(texts)), key=lambda i: (len(encoded[i]), i))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = next(model.parameters()).device
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        width = max(len(encoded[i]) for i in indices)
        ids = torch.full((len(indices), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, i in enumerate(indices):
            ids[row, : len(encoded[i])] = torch.tensor(encoded[i], dtype=torch.long)
            mask[row, : len(encoded[i])] = 1
        ids, mask = ids.to(device), mask.to(device)
        with torch.no_grad(), cpu_threads(model):
            outputs = model(input_ids=ids, attention_mask=mask, output_hidden_states=hidden_states)
        yield indices, ids, mask, outputs


def perplexities(
    model: Any, tokenizer: Any, texts: Sequence[str], *, max_tokens: int = 512, batch_size: int = 16
) -> list[float]:
    """exp(mean next-token negative log-likelihood) of each text; ``inf`` for a text of one token."""
    import torch

    result = [math.inf] * len(texts)
    for indices, ids, mask, outputs in forward_batches(
        model, tokenizer, texts, max_tokens=max_tokens, batch_size=batch_size
    ):
        logits = outputs.logits[:, :-1].float()
        targets = ids[:, 1:]
        target_mask = mask[:, 1:].float()
        nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
        counts = target_mask.sum(dim=1)
        mean_nll = (nll * target_mask).sum(dim=1) / counts.clamp(min=1)
        for row, i in enumerate(indices):
            if counts[row] > 0:
                result[i] = float(torch.exp(mean_nll[row]))
    return result


def mean_pooled(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    layer: int = -1,
    max_tokens: int = 512,
    batch_size: int = 16,
) -> Any:
    """A float32 numpy array ``(len(texts), hidden)``: the mean of one layer's hidden states over each
    text's real tokens (padding excluded). ``layer=-1`` is the last layer."""
    import numpy as np

    rows: list[Any] = [None] * len(texts)
    for indices, _ids, mask, outputs in forward_batches(
        model, tokenizer, texts, max_tokens=max_tokens, batch_size=batch_size, hidden_states=True
    ):
        states = outputs.hidden_states[layer].float()
        weights = mask.unsqueeze(-1).float()
        pooled = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)
        for row, i in enumerate(indices):
            rows[i] = pooled[row].cpu().numpy()
    if not rows:
        return np.zeros((0, int(model.config.hidden_size)), dtype=np.float32)
    return np.stack(rows).astype(np.float32)
