"""Judges: BELLE's LLM judge (``gpt35``, any litellm model), ``ref-f1``, score parsing, templates,
repeats and judge agreement -- and the judge-authoring kit (README "Writing an LLM judge"):
:class:`PointwiseLLMJudge`, :class:`PairwiseLLMJudge`, the message helpers ``system``/``user``/
``assistant``, the readers (:func:`label_number`, :func:`bracket_rating`, :func:`dict_key`,
:func:`letter_verdict`, :func:`Unscored`) and the records. Importing this package imports no
litellm (it is loaded on first use)."""

from harness.judging.agreement import agreement
from harness.judging.llm_judge import LLMJudge
from harness.judging.pairwise_judge import PairwiseLLMJudge
from harness.judging.parse import ParsedScore, parse_score
from harness.judging.pointwise import PointwiseLLMJudge, assistant, system, user
from harness.judging.readers import (
    ParsedVerdict,
    Unscored,
    bracket_rating,
    dict_key,
    label_number,
    letter_verdict,
)
from harness.judging.ref_f1 import RefF1Judge, char_f1
from harness.judging.repeats import expand_repeats, repeat_spread
from harness.judging.template import DEFAULT_TEMPLATE, JudgeTemplate, load_template
from harness.protocols import EvalSample, JudgeItem, Judgment, PairItem, PairVerdict
from harness.scales import ScoreScale

Score = ParsedScore  # what a reader returns: ``.score`` (None when unscored), ``.reason``, ``.ok``

# The plugin-author surface, also importable as ``from harness import ...``.
AUTHORING = (
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

__all__ = [
    "AUTHORING",
    "DEFAULT_TEMPLATE",
    "EvalSample",
    "JudgeItem",
    "JudgeTemplate",
    "Judgment",
    "LLMJudge",
    "PairItem",
    "PairVerdict",
    "PairwiseLLMJudge",
    "ParsedScore",
    "ParsedVerdict",
    "PointwiseLLMJudge",
    "RefF1Judge",
    "Score",
    "ScoreScale",
    "Unscored",
    "agreement",
    "assistant",
    "bracket_rating",
    "char_f1",
    "dict_key",
    "expand_repeats",
    "label_number",
    "letter_verdict",
    "load_template",
    "parse_score",
    "repeat_spread",
    "system",
    "user",
]
