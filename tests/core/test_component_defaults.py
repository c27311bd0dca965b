"""Every optional member the core uses has a default on its kind's base class, and the core calls it
directly: no ``getattr``/``hasattr`` probe of an optional member is left outside the CLI. A plugin's
components that subclass nothing (a model, generator, judge, eval and training dataset, trainer)
still run through the CLI, in-process; a ``ModelSpec``'s ``default_generator`` is the one a run uses."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

import harness
from harness.component_bases import BASES
from harness.manager import PluginManager
from harness.specs import ModelSpec
from tests.harness_cli import run_harness

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL_MEMBERS = frozenset(member for base in BASES.values() for member in base.OPTIONAL)
PROBES = ("getattr", "hasattr")


def probes_of_optional_members(source: str) -> list[tuple[int, str]]:
    """``(line, member)`` of each ``getattr(x, "member", ...)``/``hasattr(x, "member")`` whose member
    is an optional member of a component base."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PROBES):
            continue
        if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            if node.args[1].value in OPTIONAL_MEMBERS:
                found.append((node.lineno, node.args[1].value))
    return found


def core_modules() -> list[Path]:
    """Every module of the core and the built-in plugins, but the CLI and the bases themselves."""
    paths = sorted((ROOT / "harness").rglob("*.py")) + sorted((ROOT / "plugins").rglob("*.py"))
    skipped = (ROOT / "harness" / "cli", ROOT / "harness" / "component_bases.py")
    return [p for p in paths if not any(p == s or s in p.parents for s in skipped)]


def test_the_probe_finder_finds_a_probe():
    source = 'own = getattr(model, "stop_strings", None)\nif hasattr(judge, "stats"): pass\n'
    assert probes_of_optional_members(source) == [(1, "stop_strings"), (2, "stats")]
    assert probes_of_optional_members('getattr(response, "choices", None)') == []


def test_no_optional_member_is_probed_outside_the_cli():
    assert len(core_modules()) > 100
    found = [
        f"{path.relative_to(ROOT)}:{line}: {member}"
        for path in core_modules()
        for line, member in probes_of_optional_members(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "call the member (its base class has a default):\n" + "\n".join(found)


def test_the_dataset_and_trainer_bases_are_exported_from_harness():
    for name in ("EvalDatasetComponent", "TrainDatasetComponent", "TrainerComponent"):
        assert name in harness.__all__
        assert getattr(harness, name) in BASES.values()


def test_the_built_in_components_subclass_their_base():
    registry = PluginManager().registry
    for kind in ("model", "generator", "judge", "dataset", "trainer"):
        for spec in registry.specs(kind):
            factory = spec.factory_callable()
            if isinstance(factory, type):
                assert issubclass(factory, BASES.get(spec.contract()) or BASES[kind]), spec.name


PLUGIN = """
from harness import hookimpl, DatasetSpec, GeneratorSpec, JudgeSpec, ModelSpec, TrainerSpec
from harness.protocols import Conversation, EvalSample, Generation, Judgment


class BareModel:
    name = "bare-model"

    def format_prompt(self, question):
        return "Q: " + question


class BareGenerator:
    name = "bare-gen"

    def generate(self, model, samples, *, on_result):
        for s in samples:
            on_result(Generation(id=s.id, answer="bare:" + model.format_prompt(s.question), model=model.name))


class BareJudge:
    name = "bare-judge"

    def judge(self, items, *, on_result):
        for item in items:
            on_result(Judgment.for_item(item, 1.0 if item.answer.startswith("bare:") else 0.0, judge=self.name))


class BareSet:
    name = "bare-set"

    def load(self):
        return [EvalSample(id=f"b{i}", question=f"question {i}", category="math") for i in range(3)]


class BareTrainSet:
    name = "bare-train"

    def load(self):
        return [Conversation(id=f"c{i}", turns=(("human", "hi"), ("assistant", f"hello {i}"))) for i in range(4)]


class Trained:
    def __init__(self, mixture):
        self.mixture = mixture

    def to_dict(self):
        return {"conversations": len(self.mixture.conversations), "sources": self.mixture.sources}


class BareTrainer:
    name = "bare-trainer"

    def train(self, **config):
        from harness.training.data import load_mixture

        return Trained(load_mixture(config["data"], eval_questions=[]))


@hookimpl
def harness_register_models(register):
    register(ModelSpec(name="bare-model", factory=BareModel, default_generator="bare-gen"))


@hookimpl
def harness_register_generators(register):
    register(GeneratorSpec(name="bare-gen", factory=BareGenerator, takes=()))


@hookimpl
def harness_register_judges(register):
    register(JudgeSpec(name="bare-judge", factory=BareJudge, takes=()))


@hookimpl
def harness_register_datasets(register):
    register(DatasetSpec(name="bare-set", factory=BareSet))
    register(DatasetSpec(name="bare-train", factory=BareTrainSet, role="train"))


@hookimpl
def harness_register_trainers(register):
    register(TrainerSpec(name="bare-trainer", factory=BareTrainer))
"""


@pytest.fixture
def env(tmp_path, harness_home):
    plugin = tmp_path / "bare_plugin.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    environ = dict(os.environ)
    environ.update(HARNESS_HOME=str(harness_home), HARNESS_PLUGINS=str(plugin), COLUMNS="80")
    return environ


def test_components_that_subclass_nothing_run_end_to_end(tmp_path, env):
    """With preflight on, so the model's and judge's ``preflight``, ``context_length`` ... defaults
    answer; and no --generator, so the spec's default generator is the one used."""
    args = ["run", "--model", "bare-model", "--dataset", "bare-set", "--judge", "bare-judge", "--no-progress"]
    result = run_harness([*args, "--out", str(tmp_path / "runs"), "--name", "r"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    run_dir = tmp_path / "runs" / "r"
    answers = [json.loads(line) for line in (run_dir / "generations.jsonl").read_text("utf-8").splitlines()]
    assert [a["answer"] for a in answers] == [f"bare:Q: question {i}" for i in range(3)]
    judged = [json.loads(line) for line in (run_dir / "judgments.jsonl").read_text("utf-8").splitlines()]
    assert [j["score"] for j in judged] == [1.0, 1.0, 1.0]


def test_a_trainer_and_training_set_that_subclass_nothing_run_through_train(tmp_path, env):
    args = ["train", "--model", "bare-model", "--data", "bare-train", "--out", str(tmp_path / "out")]
    result = run_harness([*args, "--trainer", "bare-trainer"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["conversations"] == 4
    assert summary["sources"][0]["name"] == "bare-train" and summary["sources"][0]["conversations"] == 4


class _Own:
    name = "own"
    default_generator = "vllm"

    def format_prompt(self, question):
        return question


class _Plain(_Own):
    default_generator = "hf"


class _NoGenerator:
    name = "none"

    def format_prompt(self, question):
        return question


class _Plugin:
    from harness.hookspecs import hookimpl

    @hookimpl
    def harness_register_models(self, register):
        register(ModelSpec(name="spec-says", factory=_Plain, default_generator="litellm"))
        register(ModelSpec(name="model-says", factory=_Own))
        register(ModelSpec(name="nobody-says", factory=_NoGenerator))


def test_the_default_generator_comes_from_the_spec_else_the_model():
    pm = PluginManager(load_entry_points=False)
    pm.register(_Plugin(), name="default-generator-test")
    registry = pm.registry
    assert registry.create("model", "spec-says").default_generator == "litellm"
    assert registry.create("model", "model-says").default_generator == "vllm"
    assert registry.create("model", "nobody-says").default_generator == "hf"  # ModelComponent's
