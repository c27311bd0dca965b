"""Fine-tuning: the ``deepspeed`` trainer (SFT on conversations, embedding-only pretraining).

Modules, one concept each: :mod:`~harness.training.sft_encoding` (BELLE prompt format and label
mask), :mod:`~harness.training.pretrain_data` (plain text into blocks), :mod:`~harness.training.batching`
(seeded, resumable batch order and padding), :mod:`~harness.training.config` (Table 3 defaults),
:mod:`~harness.training.ds_config` (DeepSpeed JSON with ``auto`` filled), :mod:`~harness.training.distributed`
(single-process and launcher environments), :mod:`~harness.training.metrics` (log lines, MFU),
:mod:`~harness.training.export` (HF model directory), :mod:`~harness.training.trainer` (the loop),
:mod:`~harness.training.launch` (the command ``deepspeed`` / ``accelerate launch`` run; its entry point is :mod:`harness.cli.launch`).

Nothing heavy is imported here: torch and deepspeed are imported inside functions.
"""
