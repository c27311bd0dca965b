"""The files of ``harness new judge NAME``: a judge on :class:`harness.PointwiseLLMJudge`, its rubric
category, a README and tests against the ``judge_server`` fixture."""

from __future__ import annotations

import textwrap
from string import Template

from harness.scaffold.common_files import CATEGORY, HOOKS, PYPROJECT
from harness.scaffold.names import PackageNames

RUBRIC = (
    "You are a strict grader. Rate the answer from 1 (wrong or unhelpful) to 10\n"
    "(correct, complete and clear), comparing it with the reference answer when\n"
    "there is one. Reply with one line of reasons, then a last line 'Score: N'."
)

JUDGE = Template('''\
"""The ``${name}`` judge: a chat model grades each answer from 1 to 10.

You write what to ask (``messages``) and how to read the reply (``reader``, or a
``read`` method); PointwiseLLMJudge does the rest: cache, retries, concurrency, cost
and --max-cost, repeats, resumption, and a judgment ``unscored`` with the reason
when no valid score can be read.
"""

from __future__ import annotations

from harness import PointwiseLLMJudge, label_number, system, user

# registry/categories/${category}.yaml: its prompt is the rubric for its samples
CATEGORY = "${category}"
RUBRIC = (
${rubric}
)


class ${judge_class}(PointwiseLLMJudge):
    name = "${name}"
    scale = (1, 10)  # a score outside it is unscored, never clipped
    reader = label_number("Score")  # the number after the last "Score:"
    model = "gpt-4o-mini"  # default; --judge-model and --judge-api-base override it

    def messages(self, item):
        reference = ""
        if item.reference and item.gold_shown:
            reference = f"Reference answer: {item.reference}\\n"
        question = f"Question: {item.question}\\n{reference}Answer: {item.answer}"
        return [system(self.rubric(item)), user(question)]

    def rubric(self, item):
        """Its own category's prompt for that category; RUBRIC for any other (their
        prompts are written for other judges: BELLE's ask for a score from 0 to 1)."""
        if item.category == CATEGORY and item.category_prompt:
            return item.category_prompt
        return RUBRIC

    def fingerprint(self):
        # hashed into the cache key: a changed RUBRIC is never served old verdicts
        return {**super().fingerprint(), "rubric": RUBRIC}
''')

TESTS = Template('''\
"""The ${name} judge against harness's test server, offline.

The ``judge_server`` fixture comes with harness: ``judge_server.serve(...)`` scripts
the replies, ``judge_server.judge(NAME, items)`` runs the judge registered as NAME
against it and returns its judgments.
"""

from harness.manager import get_registry

ITEMS = [
    {"question": "What is the capital of France?", "answer": "Paris.",
     "reference": "Paris"},
    {"question": "What is 2 + 2?", "answer": "5", "reference": "4"},
]


def test_scores_are_read_from_the_reply(judge_server):
    judge_server.serve(rules={"Answer: Paris": "Right.\\nScore: 9", "5$$": "Score: 2"})
    judgments = {j.id: j for j in judge_server.judge("${name}", ITEMS)}
    assert (judgments["item-0"].score, judgments["item-1"].score) == (9, 2)
    assert {j.status for j in judgments.values()} == {"scored"}


def test_the_prompt_has_rubric_question_reference_and_answer(judge_server):
    judge_server.serve("Score: 5")
    judge_server.judge("${name}", ITEMS[:1])
    [request] = judge_server.requests
    system, user = request["messages"]
    assert "strict grader" in system["content"]
    assert user["content"] == (
        "Question: What is the capital of France?\\n"
        "Reference answer: Paris\\n"
        "Answer: Paris."
    )


def test_a_reply_without_a_score_is_unscored_never_zero(judge_server):
    judge_server.serve("I would rather not say.")
    [judgment] = judge_server.judge("${name}", ITEMS[:1])
    assert judgment.status == "unscored" and judgment.score is None and judgment.reason


def test_a_score_off_the_scale_is_refused(judge_server):
    judge_server.serve("Score: 11")
    [judgment] = judge_server.judge("${name}", ITEMS[:1])
    assert judgment.status == "unscored" and judgment.score is None


def test_its_category_is_registered_and_its_prompt_is_the_rubric(judge_server):
    registration, _ = get_registry().lookup("category", "${category}")
    rubric = registration.spec.prompt
    item = {**ITEMS[0], "category": "${category}", "category_prompt": rubric}
    judge_server.judge("${name}", [item])
    assert judge_server.requests[0]["messages"][0]["content"] == rubric
''')

README = Template("""\
# ${name}

A [harness](https://github.com/) judge plugin: the `${name}` judge grades answers from 1 to 10
with a chat model, and the `${category}` eval category carries its rubric.

    pip install -e .            # harness finds it through the entry point in pyproject.toml
    harness list judge          # shows `${name}`
    harness run --model MODEL --dataset DATASET --judge ${name} --judge-model gpt-4o-mini
    python -m pytest            # the tests need no network: harness's test server answers

* `${module}/judge.py`: the judge. Edit `messages` (what is asked), `reader` (how the reply is read:
  `label_number`, `bracket_rating`, `dict_key` from `harness`, or a `read(reply, item)` method)
  and `scale`.
* `${module}/registry/categories/${category}.yaml`: the example category; its prompt is the rubric.
* `tests/`: the `judge_server` fixture (shipped with harness) serves scripted replies
  (`judge_server.serve("Score: 9", rules={"regex on the prompt": "Score: 2"})`) and
  `judge_server.judge("${name}", items)` runs the judge against it. `python -m harness.testing
  --replies FILE` serves the same from the command line, for trying the judge by hand
  (`--judge-api-base` the URL it prints).
""")


def judge_files(names: PackageNames) -> dict[str, str]:
    """Relative path -> text of every file of the judge package ``names``."""
    category = f"{names.module}_rubric"
    description = "A chat model grades answers from 1 to 10 against a rubric."
    fields = dict(
        name=names.name,
        module=names.module,
        category=category,
        description=description,
        judge_class=names.class_name("Judge"),
    )
    rubric = "\n".join(f"    {line!r}" for line in _with_spaces(RUBRIC.split("\n")))
    return {
        "pyproject.toml": PYPROJECT.substitute(fields, package_data='"registry/categories/*.yaml"'),
        f"{names.module}/__init__.py": HOOKS.substitute(
            fields,
            spec="JudgeSpec",
            hook="harness_register_judges",
            factory=f"judge:{fields['judge_class']}",
            spec_fields="\n            scale=(1, 10),",
        ),
        f"{names.module}/judge.py": JUDGE.substitute(fields, rubric=rubric),
        f"{names.module}/registry/categories/{category}.yaml": CATEGORY.substitute(
            fields,
            display_name=f"{names.name} rubric",
            prompt=textwrap.indent(RUBRIC, "  "),
            category_description=f"Example category of the {names.name} plugin; its prompt is the judge's rubric",
        ),
        "README.md": README.substitute(fields),
        "tests/test_judge.py": TESTS.substitute(fields),
    }


def _with_spaces(lines: list[str]) -> list[str]:
    """Continuation lines of a parenthesised string: each but the last ends with a space."""
    return [line + " " for line in lines[:-1]] + lines[-1:]
