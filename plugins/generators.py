"""Built-in plugin `generators`: batched transformers generation (``hf``) and vLLM (``vllm``).

Both take the options ``batch_size``, ``max_new_tokens``, ``temperature`` (0.001 by default, as in
the BELLE paper), ``greedy``, ``top_p``, ``seed`` and ``dtype``. Nothing heavy is imported here.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.specs import GeneratorSpec


@hookimpl
def harness_register_generators(register) -> None:
    register(
        GeneratorSpec(
            name="hf",
            aliases=("transformers",),
            factory="harness.generation.hf:HFGenerator",
            description="transformers generation: length-sorted left-padded batches, temperature 0.001",
        )
    )
    register(
        GeneratorSpec(
            name="vllm",
            factory="harness.generation.vllm:VLLMGenerator",
            description="vLLM generation (optional extra 'vllm', CUDA GPU)",
            available="harness.generation.vllm:vllm_unavailable",
        )
    )
