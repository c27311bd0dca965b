"""Batch order: seeded, complete, disjoint across ranks, and a pure function of the step."""

from __future__ import annotations

from harness.training.batching import BatchPlan, collate
from harness.training.sft_encoding import IGNORE_INDEX, EncodedSample


def test_each_epoch_covers_every_sample_and_pads_whole_steps():
    plan = BatchPlan(n_samples=10, micro_batch=2, grad_accum=2, world_size=1, seed=3)
    assert plan.global_batch == 4 and plan.steps_per_epoch == 3
    order = plan.epoch_order(0)
    assert len(order) == 12 and set(order) == set(range(10))
    assert order[10:] == order[:2]  # the shortfall comes from the start of the same permutation
    assert plan.epoch_order(1) != plan.epoch_order(0)  # reshuffled per epoch
    assert plan.epoch_order(1) == BatchPlan(10, 2, 2, 1, seed=3).epoch_order(1)  # reproducible


def test_micro_batches_follow_the_order_and_split_ranks():
    plan = BatchPlan(n_samples=16, micro_batch=2, grad_accum=2, world_size=2, seed=0)
    order = plan.epoch_order(0)
    step0 = plan.micro_batches(0, rank=0) + plan.micro_batches(0, rank=1)
    assert [i for mb in step0 for i in mb] == order[:8]
    r0, r1 = plan.micro_batches(1, rank=0), plan.micro_batches(1, rank=1)
    assert len(r0) == 2 and all(len(mb) == 2 for mb in r0)
    assert not {i for mb in r0 for i in mb} & {i for mb in r1 for i in mb}
    # step 2 is the first step of epoch 1
    assert plan.micro_batches(2, rank=0)[0] == plan.epoch_order(1)[:2]


def test_different_seeds_give_different_orders():
    assert BatchPlan(50, 1, 1, seed=0).epoch_order(0) != BatchPlan(50, 1, 1, seed=1).epoch_order(0)


def test_collate_right_pads_and_masks_padding():
    import torch

    a = EncodedSample(input_ids=[5, 6, 7], labels=[IGNORE_INDEX, 6, 7])
    b = EncodedSample(input_ids=[8], labels=[8])
    batch = collate([a, b], pad_token_id=0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE_INDEX, 6, 7], [8, IGNORE_INDEX, IGNORE_INDEX]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["input_ids"].dtype == torch.long
