"""Which samples make up each micro-batch, as a pure function of (seed, epoch, step, rank).

Resuming with an identical loss curve needs the data order to be reproducible without replaying
it: the order of an epoch is a seeded permutation, every optimizer step takes the next
``global_batch`` indices of it, and each rank takes its own contiguous share of those, in
``grad_accum`` micro-batches. A resumed run only needs the global step it stopped at.

An epoch has ``ceil(n / global_batch)`` steps; the last step's shortfall is filled from the start of
the same permutation (as ``torch.utils.data.DistributedSampler`` pads), so every step has exactly
``global_batch`` samples and DeepSpeed's gradient accumulation boundary never shifts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.training.sft_encoding import IGNORE_INDEX, EncodedSample


@dataclass(frozen=True)
class BatchPlan:
    """The shape of training: sample count, batch sizes, world size, seed."""

    n_samples: int
    micro_batch: int
    grad_accum: int
    world_size: int = 1
    seed: int = 0

    @property
    def global_batch(self) -> int:
        return self.micro_batch * self.grad_accum * self.world_size

    @property
    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(self.n_samples / self.global_batch))

    def epoch_order(self, epoch: int) -> list[int]:
        """The seeded permutation of sample indices for ``epoch``, padded to whole steps."""
        import numpy as np

        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(self.n_samples).tolist()
        need = self.steps_per_epoch * self.global_batch
        while len(order) < need:
            order += order[: need - len(order)]
        return order

    def micro_batches(self, step: int, rank: int = 0) -> list[list[int]]:
        """The ``grad_accum`` lists of sample indices that ``rank`` trains on at global ``step``."""
        epoch, index = divmod(step, self.steps_per_epoch)
        order = self.epoch_order(epoch)
        start = index * self.global_batch + rank * self.micro_batch * self.grad_accum
        share = order[start : start + self.micro_batch * self.grad_accum]
        return [share[i : i + self.micro_batch] for i in range(0, len(share), self.micro_batch)]


def collate(samples: Sequence[EncodedSample], *, pad_token_id: int) -> dict[str, Any]:
    """Right-pad to the longest sample: ``input_ids``, ``attention_mask``, ``labels`` tensors."""
    import torch

    width = max(len(s.input_ids) for s in samples)
    input_ids = torch.full((len(samples), width), pad_token_id, dtype=torch.long)
    labels = torch.full((len(samples), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(samples), width), dtype=torch.long)
    for row, sample in enumerate(samples):
        n = len(sample.input_ids)
        input_ids[row, :n] = torch.tensor(sample.input_ids, dtype=torch.long)
        labels[row, :n] = torch.tensor(sample.labels, dtype=torch.long)
        attention_mask[row, :n] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
