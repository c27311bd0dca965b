"""Built-in plugin `judges`: BELLE's LLM judge (``gpt35``, any litellm model) and ``ref-f1``.

Both accept the :class:`~harness.judging.settings.JudgeSettings` ``harness run`` passes to judges
as ``settings=`` (model, api_base, concurrency, repeats, deadline, max_cost ...); ``ref-f1`` declares
that it takes none (``takes=()``). Nothing heavy is imported here.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.specs import JudgeSpec


@hookimpl
def harness_register_judges(register) -> None:
    register(
        JudgeSpec(
            name="gpt35",
            aliases=("llm", "chatgpt"),
            factory="harness.judging.llm_judge:LLMJudge",
            description="BELLE's per-category ChatGPT scoring (gpt-3.5-turbo, temperature 0) via litellm",
            options={"name": "gpt35", "template": "belle-v1"},
            scale=(0.0, 1.0),  # BELLE asks for a score between 0 and 1
            judge_kind="pointwise",
        )
    )
    register(
        JudgeSpec(
            name="ref-f1",
            aliases=("f1",),
            factory="harness.judging.ref_f1:RefF1Judge",
            takes=(),  # an offline F1: no judge settings
            description="Character-level F1 against the gold answer (no API; no-gold categories unscored)",
            scale=(0.0, 1.0),  # an F1
            judge_kind="pointwise",
        )
    )
