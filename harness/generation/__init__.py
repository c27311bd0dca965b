"""Answer generators: turn eval samples into :class:`~harness.protocols.Generation` records.

* :mod:`harness.generation.batching`: length-sorted batches and the records they produce.
* :mod:`harness.generation.hf`: batched transformers generation (left padding, accelerate DP).
* :mod:`harness.generation.vllm`: the same contract on vLLM (optional, GPU only).

Nothing heavy is imported by this package itself.
"""
