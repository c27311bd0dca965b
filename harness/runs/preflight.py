"""What ``harness run`` checks before it generates anything: the judge works, the model's files load,
every prompt fits the model's context.

Why: generation can take an hour, and the judge is otherwise first used after it. A missing API
key, a judge endpoint that is down or misspelled, a ``--model-path`` that is not a model directory
or a tokenizer that does not load would each surface only then. These checks take seconds and
fail with a :class:`~harness.errors.UsageError` (exit 2) that says what to do; ``--no-preflight``
(``preflight: false`` in a config file) skips them.

* The judge is built as the run will build it (a missing key fails here, in its constructor) and
  its ``preflight(*, timeout)`` is called: the LLM judge sends one cheap request
  (:mod:`harness.api.preflight`). Offline judges (``ref-f1``) check nothing: no network.
* The model: its ``preflight()``. A model with local files (every built-in local model,
  :mod:`harness.models.files_check`) resolves its directory (built, converted or found in the
  Hugging Face cache -- work the run needs anyway), reads its ``config.json`` and loads its
  tokenizer. API models have no files to check (ModelComponent's default checks nothing).

The caller builds the components (:func:`harness.runs.pipeline.preflight`), so this module does
not depend on the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from harness.errors import UsageError
from harness.generation.context import check_room, measure, refusal, too_long
from harness.generation.turns import sample_token_ids
from harness.protocols import EvalSample

PING_TIMEOUT = 10.0  # seconds for the judge's one request: an endpoint that is there answers sooner


def check_judge(judge: Any, name: str, log: Callable[[str], None], *, timeout: float = PING_TIMEOUT) -> None:
    """Call the judge's ``preflight``; ``False`` (JudgeComponent's default) means it checked nothing
    (judges that need no network)."""
    if judge.preflight(timeout=timeout) is False:
        return
    log(f"preflight: judge {name!r} answered")


def check_model(model: Any, log: Callable[[str], None]) -> None:
    """The model's own ``preflight()``: ``True`` says it checked its files (every built-in local
    model: directory, ``config.json``, tokenizer); ``False`` (ModelComponent's default, API models)
    that there was nothing to check."""
    if model.preflight() is True:
        log(f"preflight: model {model.name!r}: its files load")


def check_context(
    model: Any,
    samples: Sequence[EvalSample],
    new_tokens: int,
    truncate: str | None,
    log: Callable[[str], None],
    length_source: str = "",
) -> dict[str, Any]:
    """Every prompt, measured with the model's own tokenizer, plus the new tokens it may get, fits
    the model's context (:mod:`harness.generation.context`); else exit 2 naming the samples, unless
    ``truncate`` says to cut them. Returns what run.json records. A multi-turn sample is measured
    at its first turn here; its later turns (which hold the model's answers) when they are asked."""
    name = model.name
    context = model.context_length()
    if context is None:
        log(f"preflight: model {name!r}: its context length is unknown, so prompt lengths are not checked")
        return {"context": None, "checked": False}
    fits = measure(model, samples, new_tokens)
    if fits is None:
        log(f"preflight: model {name!r} cannot measure its prompts, so prompt lengths are not checked")
        return {"context": context, "checked": False}
    for budget in sorted({fit.new_tokens for fit in fits}):
        check_room(context, budget, name)
    over = too_long(fits, context)
    if over and (truncate is None or sample_token_ids(model, samples[0]) is None):
        if truncate is not None:
            raise UsageError(
                f"model {name!r}: --truncate-prompts cuts token ids, and this model is not given token ids",
                hint="Shorten those questions instead.",
            )
        raise refusal(over, len(fits), context, name, length_source)
    if over:
        log(
            f"preflight: {len(over)} prompts do not fit the context of model {name!r} ({context} tokens); "
            f"their oldest tokens will be cut (--truncate-prompts {truncate})"
        )
    return {
        "context": context,
        "checked": True,
        "counted": "prompt tokens + max new tokens",
        "measured_with": "the model's own tokenizer",
        "longest_prompt": max((f.prompt_tokens for f in fits), default=0),
        "too_long": len(over),
    }
