"""``litellm:<model>``: an API chat model (e.g. ChatGPT, the paper's reference row) as a Model.

It has no weights: ``load``/``local_path`` raise a :class:`UsageError` that says so, and its
``default_generator`` is ``litellm``, so ``harness run --model litellm:gpt-3.5-turbo`` evaluates it
with the same command as a local model. The question is sent as-is (a chat API applies its own
chat format), so the prompt template is just ``{question}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import UsageError


class LiteLLMModel:
    default_generator = "litellm"

    def __init__(self, arg: str | None = None, *, prompt_template: str | None = None, **_: Any) -> None:
        if not arg:
            raise UsageError(
                "model 'litellm' needs a model id: litellm:<model>, e.g. litellm:gpt-3.5-turbo",
                hint="any litellm model id works (litellm:gpt-4o-mini, litellm:azure/<deployment>, ...)",
            )
        self.model_id = arg
        self.name = f"litellm:{arg}"
        self.prompt_template = prompt_template or "{question}"

    def __repr__(self) -> str:
        return f"LiteLLMModel({self.model_id!r})"

    def format_prompt(self, question: str) -> str:
        return self.prompt_template.replace("{question}", question)

    def _no_weights(self) -> UsageError:
        return UsageError(
            f"{self.name} is an API model: it has no local weights to load or train",
            hint="generate with the 'litellm' generator (the default for litellm:<model>)",
        )

    def local_path(self) -> Path:
        raise self._no_weights()

    def load(self, *, dtype: Any = None, device_map: Any = None) -> tuple[Any, Any]:
        raise self._no_weights()
