"""Messages into text and token ids: the one code path that training and generation share.

``harness train`` calls :func:`encode_messages` on a whole conversation and learns the answer
tokens; ``harness run`` calls :func:`prompt_ids` on the conversation up to the question it asks. Both
go through the same function, so the ids a model is prompted with are exactly the ids it was
trained on before its answer -- BOS, role markup and all (tested on real tokenizers).

* ``text`` templates: an optional BOS, then each message's segment encoded on its own with
  ``add_special_tokens=False``, an EOS after every answer (BELLE's way, segment by segment, so a
  prompt never merges with the first answer token).
* ``jinja`` templates: the conversation is rendered by ``tokenizer.apply_chat_template`` and the
  text encoded with ``add_special_tokens=False`` (the template writes BOS/EOS itself, as in
  transformers). The labels of answer *k* are the tokens between the rendering of the messages
  before it (with the generation prompt) and the rendering through it; a template whose renderings
  are not prefixes of one another cannot be trained on this way and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.errors import UsageError
from harness.prompts.render_bound import RenderBoundError, bounded_render
from harness.prompts.template import ROLES, Message, PromptTemplate

IGNORE_INDEX = -100


def check_messages(messages: Sequence[Message]) -> None:
    """Roles are system/user/assistant; a system message may only come first."""
    if not messages:
        raise ValueError("a conversation needs at least one message")
    for position, message in enumerate(messages):
        role = message.get("role")
        if role not in ROLES:
            raise ValueError(f"message {position}: role {role!r} is not one of {', '.join(ROLES)}")
        if not isinstance(message.get("content"), str):
            raise ValueError(f"message {position}: content must be text")
        if role == "system" and position:
            raise ValueError("a system message may only come first")


def _apply_jinja(
    template: PromptTemplate, messages: Sequence[Message], tokenizer: Any, *, add_generation_prompt: bool
) -> str:
    def render() -> Any:
        return tokenizer.apply_chat_template(
            list(messages),
            chat_template=template.jinja,
            add_generation_prompt=add_generation_prompt,
            tokenize=False,
        )

    where = template.source if template.origin == "file" else repr(template.name)
    try:
        text = bounded_render(where, sum(len(m["content"]) for m in messages), template.jinja, render)
    except RenderBoundError:
        raise
    except Exception as exc:  # jinja2 errors and the templates' own raise_exception(...)
        raise UsageError(
            f"prompt template {template.name!r} cannot render this conversation: {exc}"
        ) from None
    if not isinstance(text, str):  # pragma: no cover - tokenize=False always returns text
        raise UsageError(f"prompt template {template.name!r} rendered {type(text).__name__}, not text")
    return text


def _segment(template: PromptTemplate, message: Message) -> str:
    role = message["role"]
    pattern = {"user": template.user, "assistant": template.assistant, "system": template.system}[role]
    if pattern is None:
        raise UsageError(f"prompt template {template.name!r} has no {role} message")
    return pattern.replace("{content}", message["content"])


def supports_system(template: PromptTemplate, tokenizer: Any) -> bool:
    """Whether a system message reaches the model: text templates say so; a Jinja template must
    render a probe system message's content (many raise or silently drop it)."""
    if template.kind == "text":
        return template.system is not None
    probe = "harness-system-probe-7f3a"
    try:
        text = _apply_jinja(
            template,
            [{"role": "system", "content": probe}, {"role": "user", "content": "hi"}],
            tokenizer,
            add_generation_prompt=True,
        )
    except RenderBoundError:
        raise
    except UsageError:
        return False
    return probe in text


def render_text(
    template: PromptTemplate,
    messages: Sequence[Message],
    tokenizer: Any | None,
    *,
    add_generation_prompt: bool = True,
) -> str:
    """The prompt as text (what run records show); BOS/EOS written as the tokenizer's strings."""
    check_messages(messages)
    if template.kind == "jinja":
        if tokenizer is None:
            raise ValueError("a jinja template needs a tokenizer to render")
        return _apply_jinja(template, messages, tokenizer, add_generation_prompt=add_generation_prompt)
    bos = (getattr(tokenizer, "bos_token", None) or "<s>") if template.bos else ""
    eos = (getattr(tokenizer, "eos_token", None) or "</s>") if template.eos_after_assistant else ""
    parts = [bos]
    for message in messages:
        parts.append(_segment(template, message))
        if message["role"] == "assistant":
            parts.append(eos)
    return "".join(parts)


def _encode(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False)) if text else []


def encode_messages(
    template: PromptTemplate,
    messages: Sequence[Message],
    tokenizer: Any,
    *,
    add_generation_prompt: bool = False,
) -> tuple[list[int], list[int]]:
    """``(input_ids, labels)`` of a conversation; labels are ``-100`` except on answers (and the
    EOS/end-of-turn that ends each answer). ``add_generation_prompt`` asks for the assistant cue
    at the end (what a model is prompted with)."""
    check_messages(messages)
    if template.kind == "jinja":
        return _encode_jinja(template, messages, tokenizer, add_generation_prompt=add_generation_prompt)
    input_ids: list[int] = []
    labels: list[int] = []
    if template.bos:
        if tokenizer.bos_token_id is None:
            raise UsageError(f"prompt template {template.name!r} starts with BOS, but the tokenizer has none")
        input_ids.append(tokenizer.bos_token_id)
        labels.append(IGNORE_INDEX)
    for message in messages:
        ids = _encode(tokenizer, _segment(template, message))
        if message["role"] == "assistant":
            if template.eos_after_assistant:
                if tokenizer.eos_token_id is None:
                    raise UsageError("the tokenizer has no EOS token; SFT needs one after every answer")
                ids = ids + [tokenizer.eos_token_id]
            labels += ids
        else:
            labels += [IGNORE_INDEX] * len(ids)
        input_ids += ids
    return input_ids, labels


def _encode_jinja(
    template: PromptTemplate, messages: Sequence[Message], tokenizer: Any, *, add_generation_prompt: bool
) -> tuple[list[int], list[int]]:
    full = _encode(
        tokenizer, _apply_jinja(template, messages, tokenizer, add_generation_prompt=add_generation_prompt)
    )
    labels = [IGNORE_INDEX] * len(full)
    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = _encode(
            tokenizer, _apply_jinja(template, messages[:k], tokenizer, add_generation_prompt=True)
        )
        through = _encode(
            tokenizer, _apply_jinja(template, messages[: k + 1], tokenizer, add_generation_prompt=False)
        )
        if full[: len(before)] != before or full[: len(through)] != through or len(through) < len(before):
            raise UsageError(
                f"prompt template {template.name!r}: the conversation rendered up to answer {k} is not a "
                "prefix of the whole rendering, so answers cannot be located for training",
                hint="Use a template whose turns only append text (most chat templates do).",
            )
        labels[len(before) : len(through)] = full[len(before) : len(through)]
    return full, labels


def prompt_ids(template: PromptTemplate, messages: Sequence[Message], tokenizer: Any) -> list[int]:
    """The token ids a model is prompted with for ``messages`` (ending on the user's turn)."""
    if messages and messages[-1].get("role") != "user":
        raise ValueError("a prompt must end with a user message")
    ids, _ = encode_messages(template, messages, tokenizer, add_generation_prompt=True)
    return ids
