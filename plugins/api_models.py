"""Built-in plugin `api_models`: API chat models (``litellm:<model>``) and their ``litellm`` generator.

The generator shares the LLM judge's machinery (harness.api: concurrency, retries, cache, cost).
Nothing heavy is imported here.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.specs import GeneratorSpec, ModelSpec


@hookimpl
def harness_register_models(register) -> None:
    register(
        ModelSpec(
            name="litellm",
            factory="harness.api.model:LiteLLMModel",
            parametric=True,
            description="instruction-tuned: an API chat model via litellm, litellm:<model> (e.g. litellm:gpt-3.5-turbo)",
            prompt_template="{question}",
            default_generator="litellm",
            takes=("prompt_template", "system_prompt"),
        )
    )


@hookimpl
def harness_register_generators(register) -> None:
    register(
        GeneratorSpec(
            name="litellm",
            aliases=("api",),
            factory="harness.api.generator:LiteLLMGenerator",
            takes=("max_new_tokens", "temperature", "greedy", "seed", "progress"),
            description="Concurrent API generation via litellm (cache, retries, cost, --max-cost)",
        )
    )
