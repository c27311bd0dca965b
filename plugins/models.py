"""Built-in plugin `models`: tiny-llama, the paper's LLaMA models, any HF model, llama2.c checkpoints.

Registration reads only the small YAML recipes in ``registry/models/`` (checked without pydantic where
they are plainly valid, :mod:`harness.registry_plain`); no model module, torch, transformers or
sentencepiece is imported until a model is actually resolved or loaded.
Each description starts with the model's stage (``base`` or ``instruction-tuned``, from the recipe),
so ``harness list model`` tells which models can be evaluated as they are.
Every model factory takes (``takes=MODEL_SETTINGS``) the settings ``path`` (``--model-path``), ``tokenizer``, ``dtype``,
``device_map`` and ``prompt_template``.

The embedder ``lm-mean`` is registered here too: it is a view of these models (the mean of a causal
LM's hidden states), used by ``harness data clean --embedder`` for semantic de-duplication.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.registry_plain import builtin_recipe_values
from harness.specs import MODEL_SETTINGS, EmbedderSpec, ModelSpec


@hookimpl
def harness_register_models(register) -> None:
    register(
        ModelSpec(
            name="tiny-llama",
            factory="harness.models.tiny_llama:TinyLlamaModel",
            takes=MODEL_SETTINGS,
            description="base: small random LLaMA with a self-built sentencepiece vocabulary (offline; tests, demos)",
        )
    )
    for recipe in builtin_recipe_values():
        register(
            ModelSpec(
                name=recipe["name"],
                factory="harness.models.hub:HubModel",
                description=f"{recipe['stage']}: {recipe['description'] or recipe['name']} [{recipe['hf_id']}]",
                aliases=tuple(recipe["aliases"]),
                options={"recipe": recipe["name"]},
                takes=MODEL_SETTINGS,
                prompt_template=recipe["prompt_template"],
            )
        )
    register(
        ModelSpec(
            name="hf",
            factory="harness.models.hub:HubModel",
            parametric=True,
            takes=MODEL_SETTINGS,
            description="base or instruction-tuned: any causal LM, hf:<hub-id> or hf:<directory> (a `harness train` output)",
        )
    )
    register(
        ModelSpec(
            name="llama2c",
            factory="harness.models.llama2c:Llama2cModel",
            parametric=True,
            takes=MODEL_SETTINGS,
            description="base or instruction-tuned: a llama2.c checkpoint as HF LLaMA, llama2c:<file.bin> --tokenizer tok.model",
        )
    )


@hookimpl
def harness_register_embedders(register) -> None:
    register(
        EmbedderSpec(
            name="lm-mean",
            factory="harness.models.embedder:CausalLMEmbedder",
            parametric=True,
            description="mean-pooled last-layer hidden states of a registered causal LM, lm-mean:<model> "
            "(default tiny-llama)",
        )
    )
