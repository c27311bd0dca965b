"""One way to build a component: what it takes is declared on its spec, never read from its
factory's signature; the optional members have documented defaults; the plugin-author surface is
importable from ``harness``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness
from harness.component_bases import BASES
from harness.component_settings import ComponentSettings
from harness.errors import UsageError
from harness.manager import PluginManager
from harness.specs import JudgeSpec, ModelSpec

ROOT = Path(__file__).resolve().parents[2]
# every module on the way from a command to a built component
CONSTRUCTION_PATH = (
    "harness/registry.py",
    "harness/specs.py",
    "harness/component_settings.py",
    "harness/component_bases.py",
    "harness/runs/pipeline.py",
    "harness/runs/pairwise.py",
    "harness/runs/judge_check.py",
    "harness/cli/options.py",
    "harness/training/data/load.py",
    "harness/training/trainer.py",
    "harness/judging/pointwise.py",
)


def _signature_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("signature", "getfullargspec", "Parameter")
    ]


@pytest.mark.parametrize("module", CONSTRUCTION_PATH)
def test_no_signature_is_read_on_the_construction_path(module):
    assert _signature_calls(ROOT / module) == []


def test_the_old_construction_paths_are_gone():
    assert not (ROOT / "harness/runs/components.py").exists()
    import harness.runs.pipeline as pipeline

    assert not hasattr(pipeline, "create_judge") and not hasattr(pipeline, "create_component")


@pytest.mark.parametrize("kind", sorted(BASES))
def test_every_optional_member_has_a_default_and_is_documented(kind):
    base = BASES[kind]
    for member in base.OPTIONAL:
        assert hasattr(base, member), member
        assert f"``{member}" in (base.__doc__ or ""), f"{base.__name__}.{member} is not in its docstring"


def test_the_plugin_author_surface_is_exported_lazily():
    for name in ("ComponentSettings", "ModelComponent", "GeneratorComponent", "JudgeComponent", "JudgeSpec"):
        assert name in harness.__all__
        assert getattr(harness, name).__name__ == name
    assert harness.ModelSpec is ModelSpec and callable(harness.hookimpl)


class _Model:
    def __init__(self, path=None):
        self.path = path


class _Plugin:
    from harness.hookspecs import hookimpl

    @hookimpl
    def harness_register_models(self, register):
        register(ModelSpec(name="declares-path", factory=_Model, takes=("path",)))
        register(ModelSpec(name="declares-nothing", factory=_Model))
        register(ModelSpec(name="declares-wrongly", factory=_Model, takes=("tokenizer",)))

    @hookimpl
    def harness_register_judges(self, register):
        register(JudgeSpec(name="takes-no-settings", factory=_Model))


@pytest.fixture
def registry():
    pm = PluginManager(load_entry_points=False)
    pm.register(_Plugin(), name="construction-test")
    yield pm.registry
    pm.unregister("construction-test")


def test_a_factory_receives_the_settings_its_spec_declares(registry):
    given = ComponentSettings(path="p", tokenizer="t", data_dir="d")
    assert registry.create("model", "declares-path", given).path == "p"
    assert registry.create("model", "declares-nothing", given).path is None  # not declared: not passed
    explicit = ComponentSettings(path="p", explicit=frozenset({"path"}))
    with pytest.raises(UsageError, match="takes no --model-path"):
        registry.create("model", "declares-nothing", explicit)


def test_a_factory_that_does_not_take_what_its_spec_declares_names_its_plugin(registry):
    with pytest.raises(UsageError, match="construction-test") as caught:
        registry.create("model", "declares-wrongly", ComponentSettings(tokenizer="t"))
    assert "declares-wrongly" in str(caught.value) and "tokenizer" in str(caught.value)
    # a judge takes the run's JudgeSettings unless its spec says otherwise
    with pytest.raises(UsageError, match="settings"):
        registry.create("judge", "takes-no-settings", ComponentSettings(judge=object()))


def test_a_spec_naming_an_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="tokeniser"):
        ModelSpec(name="typo", factory=_Model, takes=("tokeniser",))


def test_the_judge_kits_option_list_matches_the_llm_judge():
    import inspect

    from harness.judging.llm_judge import LLMJudge
    from harness.judging.pointwise import LLM_JUDGE_OPTIONS

    taken = set(inspect.signature(LLMJudge.__init__).parameters) - {"self", "name", "template"}
    assert set(LLM_JUDGE_OPTIONS) == taken
