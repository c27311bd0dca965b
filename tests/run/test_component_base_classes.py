"""Components written to the optional base classes (``harness.ModelComponent`` ...) with only their
required members run end to end through the CLI (in-process): the core calls the optional members
(``describe_prompt``, ``stop_strings``, ``close``, ``estimate_cost``, ``data_parallel``...) directly
and the defaults answer. A plugin's component that does not subclass gets the defaults too, or is
refused with one line naming its plugin and the member when it cannot take them; the settings a
component takes are what its spec declares."""

from __future__ import annotations

import json
import os

import pytest

from tests.harness_cli import run_harness

PLUGIN = """
from harness import (
    ComponentSettings,
    GeneratorComponent,
    GeneratorSpec,
    JudgeComponent,
    JudgeSpec,
    Judgment,
    ModelComponent,
    ModelSpec,
    hookimpl,
)
from harness.protocols import Generation


class PlainModel(ModelComponent):
    name = "plain"
    default_generator = "shout"

    def __init__(self, path=None):
        self.path = path

    def format_prompt(self, question):
        return f"Q: {question}\\nA:"


class ShoutGenerator(GeneratorComponent):
    name = "shout"

    def generate(self, model, samples, *, on_result):
        for s in samples:
            on_result(Generation(id=s.id, answer=s.question.upper(), prompt=model.format_prompt(s.question),
                                 model=model.name))


class LengthJudge(JudgeComponent):
    name = "len"

    def judge(self, items, *, on_result):
        for item in items:
            on_result(Judgment.for_item(item, min(1.0, len(item.answer) / 10), judge=self.name))


class Slotted:  # no base class, and no room for the defaults
    __slots__ = ("name",)

    def __init__(self):
        self.name = "slotted"

    def judge(self, items, *, on_result):
        raise AssertionError("never built")


class Bare:  # no base class: gets the defaults as attributes
    name = "bare"

    def judge(self, items, *, on_result):
        for item in items:
            on_result(Judgment.for_item(item, 0.5, judge=self.name))


@hookimpl
def harness_register_models(register):
    register(ModelSpec(name="plain", factory=PlainModel, takes=("path",)))


@hookimpl
def harness_register_generators(register):
    register(GeneratorSpec(name="shout", factory=ShoutGenerator, takes=()))


@hookimpl
def harness_register_judges(register):
    register(JudgeSpec(name="len", factory=LengthJudge, takes=()))
    register(JudgeSpec(name="slotted", factory=Slotted, takes=()))
    register(JudgeSpec(name="bare", factory=Bare, takes=()))
"""


@pytest.fixture
def env(tmp_path, harness_home):
    plugin = tmp_path / "base_plugin.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    environ = dict(os.environ)
    environ.update(HARNESS_HOME=str(harness_home), HARNESS_PLUGINS=str(plugin), COLUMNS="80")
    return environ


def run(tmp_path, env, *extra: str):
    args = ["run", "--model", "plain", "--dataset", "demo", "--limit", "3", "--no-progress"]
    return run_harness([*args, "--out", str(tmp_path / "runs"), "--name", "r", *extra], env=env)


def test_a_component_with_only_its_required_members_runs_end_to_end(tmp_path, env):
    result = run(tmp_path, env, "--judge", "len")
    assert result.returncode == 0, result.stdout + result.stderr
    run_dir = tmp_path / "runs" / "r"
    lines = (run_dir / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    judged = [json.loads(line) for line in lines]
    assert len(judged) == 3 and {j["status"] for j in judged} == {"scored"}
    generations = (run_dir / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    answers = [json.loads(line) for line in generations]
    assert answers and all(a["answer"] == a["question"].upper() for a in answers)  # the model's own generator


def test_a_component_without_the_base_class_gets_the_defaults(tmp_path, env):
    result = run(tmp_path, env, "--judge", "bare")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_component_that_cannot_take_the_defaults_is_refused_naming_its_plugin(tmp_path, env):
    result = run(tmp_path, env, "--judge", "slotted")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "slotted" in result.stderr and "base_plugin" in result.stderr
    assert "estimate_cost" in result.stderr and "JudgeComponent" in result.stderr


def test_a_setting_the_spec_does_not_declare_is_a_usage_error_naming_it(tmp_path, env):
    result = run(tmp_path, env, "--judge", "len", "--tokenizer", str(tmp_path / "tok.model"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "takes no --tokenizer" in result.stderr and "Traceback" not in result.stderr
