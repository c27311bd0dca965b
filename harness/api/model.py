"""``litellm:<model>``: an API chat model (e.g. ChatGPT, the paper's reference row) as a Model.

It has no weights: ``load``/``local_path`` raise a :class:`UsageError` that says so, and its
``default_generator`` is ``litellm``, so ``harness run --model litellm:gpt-3.5-turbo`` evaluates it
with the same command as a local model. The question is sent as-is (a chat API applies its own
chat format), so the prompt template is just ``{question}``: the model receives a real message
list, ``--system-prompt`` as a system message, then the question as the user's message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.api.litellm_import import import_litellm
from harness.component_bases import ModelComponent
from harness.errors import UsageError


class LiteLLMModel(ModelComponent):
    default_generator = "litellm"

    def __init__(
        self,
        arg: str | None = None,
        *,
        prompt_template: str | None = None,
        system_prompt: str | None = None,
    ) -> None:
        if not arg:
            raise UsageError(
                "model 'litellm' needs a model id: litellm:<model>, e.g. litellm:gpt-3.5-turbo",
                hint="any litellm model id works (litellm:gpt-4o-mini, litellm:azure/<deployment>, ...)",
            )
        self.model_id = arg
        self.name = f"litellm:{arg}"
        if prompt_template is not None and "{question}" not in prompt_template:
            raise UsageError(
                f"{self.name}: --prompt-template does not apply to API models",
                hint="The API applies the model's own chat template to the messages it receives; "
                "use --system-prompt to add a system message.",
            )
        self.prompt_template = prompt_template or "{question}"
        self.system_prompt = system_prompt

    def __repr__(self) -> str:
        return f"LiteLLMModel({self.model_id!r})"

    def format_prompt(self, question: str) -> str:
        return self.prompt_template.replace("{question}", question)

    def messages_for(self, question: str, history: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
        """The chat messages sent: an optional system message, the earlier turns of a multi-turn
        sample (``history``, as real user/assistant messages), then the question."""
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt is not None else []
        earlier = [
            {
                "role": m["role"],
                "content": self.format_prompt(m["content"]) if m["role"] == "user" else m["content"],
            }
            for m in history
        ]
        return [*system, *earlier, {"role": "user", "content": self.format_prompt(question)}]

    def describe_prompt(self, example_question: str) -> dict[str, Any]:
        """What run.json records: the messages are the prompt; the API applies its own chat format."""
        definition = json.dumps({"kind": "messages", "user": self.prompt_template}, sort_keys=True)
        return {
            "template": "chat-messages",
            "kind": "messages",
            "origin": "api",
            "source": "the API provider applies the model's chat template",
            "sha256": hashlib.sha256(definition.encode("utf-8")).hexdigest(),
            "system_prompt": self.system_prompt,
            "example": json.dumps(self.messages_for(example_question), ensure_ascii=False),
        }

    def context_length(self) -> int | None:
        """The context window litellm's model map knows for this model (its ``max_input_tokens``),
        or ``None`` for a model it does not know: never a guess."""
        try:
            info = import_litellm().get_model_info(self.model_id)
        except Exception:  # litellm raises its own errors for a model it has not mapped
            return None
        value = info.get("max_input_tokens") if isinstance(info, dict) else None
        return value if isinstance(value, int) and value > 0 else None

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int | None:
        """The messages' length in tokens, counted by litellm with the model's tokenizer; ``None``
        when litellm cannot count them here (a tokenizer it would have to download, offline)."""
        try:
            return int(import_litellm().token_counter(model=self.model_id, messages=messages))
        except Exception:  # litellm's and the tokenizer libraries' own errors
            return None

    def _no_weights(self) -> UsageError:
        return UsageError(
            f"{self.name} is an API model: it has no local weights to load or train",
            hint="generate with the 'litellm' generator (the default for litellm:<model>)",
        )

    def local_path(self) -> Path:
        raise self._no_weights()

    def load(self, *, dtype: Any = None, device_map: Any = None) -> tuple[Any, Any]:
        raise self._no_weights()
