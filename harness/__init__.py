"""harness: a plugin-based evaluation and fine-tuning harness for instruction-following LLMs.

The core (this package) knows nothing about any particular model, judge or dataset: every
component is contributed by a plugin through the hooks in :mod:`harness.hookspecs`. Importing the
core is cheap on purpose -- heavy libraries (torch, transformers, deepspeed, litellm) are imported
only inside the component that uses them, and even pluggy is imported only when plugins load.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
# The judge-authoring kit (README "Writing an LLM judge"), imported on first use.
JUDGE_KIT = (
    "EvalSample",
    "JudgeItem",
    "Judgment",
    "PairItem",
    "PairVerdict",
    "PairwiseLLMJudge",
    "ParsedScore",
    "ParsedVerdict",
    "PointwiseLLMJudge",
    "Score",
    "ScoreScale",
    "Unscored",
    "assistant",
    "bracket_rating",
    "dict_key",
    "label_number",
    "letter_verdict",
    "system",
    "user",
)
# The rest of the plugin-author surface (README "Writing a plugin"): module -> names, imported on use.
PLUGIN_KIT = {
    "harness.component_bases": (
        "EvalDatasetComponent",
        "GeneratorComponent",
        "JudgeComponent",
        "ModelComponent",
        "TrainDatasetComponent",
        "TrainerComponent",
    ),
    "harness.component_settings": ("ComponentSettings",),
    "harness.specs": (
        "CategorySpec",
        "DatasetSpec",
        "EmbedderSpec",
        "GeneratorSpec",
        "JudgeSpec",
        "ModelSpec",
        "TrainerSpec",
        "GENERATION_SETTINGS",
        "MODEL_SETTINGS",
    ),
}
__all__ = ["__version__", "hookimpl", *JUDGE_KIT, *(n for names in PLUGIN_KIT.values() for n in names)]


def __getattr__(name: str) -> Any:
    # `from harness import hookimpl` for plugin authors, without importing pluggy for `harness --help`.
    if name == "hookimpl":
        from harness.hookspecs import hookimpl

        return hookimpl
    if name in JUDGE_KIT:
        import harness.judging

        return getattr(harness.judging, name)
    for module, names in PLUGIN_KIT.items():
        if name in names:
            import importlib

            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
