"""Built-in plugin `generators`: batched transformers generation (``hf``) and vLLM (``vllm``).

Both take the run's ``batch_size``, ``max_new_tokens``, ``temperature`` (0.001 by default, as in
the BELLE paper), ``greedy``, ``seed`` and ``truncate_prompts`` (declared with ``takes=``). Nothing heavy is imported here.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.specs import GENERATION_SETTINGS, GeneratorSpec


@hookimpl
def harness_register_generators(register) -> None:
    register(
        GeneratorSpec(
            name="hf",
            aliases=("transformers",),
            factory="harness.generation.hf:HFGenerator",
            takes=(*GENERATION_SETTINGS, "truncate_prompts", "log"),
            description="transformers generation: length-sorted left-padded batches, temperature 0.001",
        )
    )
    register(
        GeneratorSpec(
            name="vllm",
            factory="harness.generation.vllm:VLLMGenerator",
            takes=(*GENERATION_SETTINGS, "truncate_prompts"),
            description="vLLM generation (optional extra 'vllm', CUDA GPU)",
            available="harness.generation.vllm:vllm_unavailable",
        )
    )
