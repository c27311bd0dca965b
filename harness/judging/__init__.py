"""Judges: BELLE's LLM judge (``gpt35``, any litellm model), ``ref-f1``, score parsing, templates,
repeats and judge agreement. Importing this package imports no litellm (it is loaded on first use)."""

from harness.judging.agreement import agreement
from harness.judging.llm_judge import LLMJudge
from harness.judging.parse import ParsedScore, parse_score
from harness.judging.ref_f1 import RefF1Judge, char_f1
from harness.judging.repeats import expand_repeats, repeat_spread
from harness.judging.template import DEFAULT_TEMPLATE, JudgeTemplate, load_template

__all__ = [
    "DEFAULT_TEMPLATE",
    "JudgeTemplate",
    "LLMJudge",
    "ParsedScore",
    "RefF1Judge",
    "agreement",
    "char_f1",
    "expand_repeats",
    "load_template",
    "parse_score",
    "repeat_spread",
]
