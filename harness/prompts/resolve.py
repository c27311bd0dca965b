"""Which template a model is prompted with, and the record a trained model carries of it.

In order, the first that applies:

1. ``--prompt-template`` (a registry name, ``tokenizer-chat-template``, or a ``.jinja`` file);
2. the model's registry entry (``registry/models/<name>.yaml``: the paper's models use the format
   of the code that trained them);
3. ``harness_prompt.json`` in the model directory, written by ``harness train``, so that
   ``harness run --model hf:<trained dir>`` prompts exactly as training formatted the data;
4. the tokenizer's own ``chat_template`` (today's chat models: Qwen, Llama 3, Mistral, ...);
5. the default, :data:`~harness.prompts.template.DEFAULT_TEMPLATE` (the paper's training format),
   for base models that come with no template at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.prompts.template import (
    DEFAULT_TEMPLATE,
    TOKENIZER_TEMPLATE,
    PromptTemplate,
    check_jinja,
    inline_text_template,
    named_template,
    resolve_requested,
    tokenizer_template,
)

PROMPT_RECORD = "harness_prompt.json"
MAX_RECORD_BYTES = 1_000_000


def template_by_name_or_text(value: str, *, source: str) -> PromptTemplate:
    """A registry entry's ``prompt_template``: a template name, or a legacy string with {question}."""
    if "{question}" in value:
        return inline_text_template(value, source=source)
    return named_template(value)


def read_record(model_dir: Path) -> PromptTemplate | None:
    """The template recorded in ``model_dir`` by ``harness train``, or ``None`` if there is none."""
    path = Path(model_dir) / PROMPT_RECORD
    if not path.is_file():
        return None
    hint = f"Delete {path} to fall back to the tokenizer's template, or pass --prompt-template."
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise UsageError(f"{path}: too large for a prompt record", hint=hint)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a valid prompt record ({exc})", hint=hint) from None
    if not isinstance(data, dict) or data.get("kind") not in ("text", "jinja"):
        raise UsageError(f"{path}: not a valid prompt record (no kind text/jinja)", hint=hint)
    try:
        template = PromptTemplate.from_dict({**data, "origin": "model-dir"})
    except TypeError as exc:
        raise UsageError(f"{path}: not a valid prompt record ({exc})", hint=hint) from None
    if template.kind == "jinja":
        check_jinja(template.jinja or "", where=str(path))
    elif not template.user or "{content}" not in template.user:
        raise UsageError(f"{path}: a text prompt record needs `user` with {{content}}", hint=hint)
    if data.get("sha256") and data["sha256"] != template.sha256:
        raise UsageError(f"{path}: its sha256 does not match its definition (edited by hand?)", hint=hint)
    return template


def write_record(model_dir: Path, template: PromptTemplate) -> Path:
    """Write the template a model was trained with into its directory (``harness_prompt.json``)."""
    path = Path(model_dir) / PROMPT_RECORD
    record = {
        **template.to_dict(),
        "sha256": template.sha256,
        "note": "written by `harness train`: the prompt format this model was trained with",
    }
    record.pop("origin", None)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def resolve_template(
    *,
    requested: str | None,
    registry_entry: str | None,
    registry_source: str = "",
    model_dir: Path | None,
    tokenizer: Any,
) -> PromptTemplate:
    """The template to use (see the module docstring for the order)."""
    if requested == TOKENIZER_TEMPLATE:
        found = tokenizer_template(tokenizer, where=str(model_dir or "the tokenizer"))
        if found is None:
            raise UsageError(
                f"--prompt-template {TOKENIZER_TEMPLATE}: the tokenizer has no chat_template",
                hint="Name a registry template or give a .jinja file instead.",
            )
        return found
    if requested:
        if "{question}" in requested:  # a one-string template given in code or a config
            return inline_text_template(requested, source="prompt_template option")
        return resolve_requested(requested)
    if registry_entry:
        return template_by_name_or_text(registry_entry, source=registry_source)
    if model_dir is not None:
        recorded = read_record(model_dir)
        if recorded is not None:
            return recorded
    found = tokenizer_template(tokenizer, where=str(model_dir or "the tokenizer"))
    if found is not None:
        return found
    return named_template(DEFAULT_TEMPLATE)
