"""The plugin manager: registration, isolation of broken plugins, clashes, lookups."""

from __future__ import annotations

import types

import pytest

from harness import hookimpl
from harness.errors import DuplicateComponentError, UnknownComponentError, UsageError
from harness.manager import PluginManager
from harness.specs import CategorySpec, JudgeSpec, ModelSpec


def make_plugin(name: str, **hooks) -> types.SimpleNamespace:
    ns = types.SimpleNamespace(__name__=name)
    for hook_name, fn in hooks.items():
        setattr(ns, hook_name, hookimpl(fn))
    return ns


class EchoJudge:
    name = "echo"

    def __init__(self, scale: float = 1.0, **_):
        self.scale = scale


@pytest.fixture
def pm():
    manager = PluginManager(load_entry_points=False, registry_paths=[])
    yield manager


def test_register_and_create_lazily(pm):
    def harness_register_judges(register):
        register(
            JudgeSpec(
                name="echo",
                factory=f"{__name__}:EchoJudge",
                aliases=("e",),
                description="Echo.\nSecond line is dropped.",
                options={"scale": 2.0},
            )
        )

    name = pm.register(make_plugin("p1", harness_register_judges=harness_register_judges))
    try:
        reg = pm.registry
        assert reg.names("judge") == ["echo"]
        assert reg.plugin_of("judge", "e") == "p1"
        assert reg.get("judge", "echo").description == "Echo."
        judge = reg.create("judge", "e", scale=None)  # None options fall back to the spec's defaults
        assert isinstance(judge, EchoJudge) and judge.scale == 2.0
        assert reg.create("judge", "echo", scale=3.0).scale == 3.0
    finally:
        pm.unregister(name)
    assert pm.registry.names("judge") == []


def test_duplicate_names_name_both_plugins_regardless_of_order():
    def reg_a(register):
        register(JudgeSpec(name="gpt35", factory="x:y"))

    def reg_b(register):
        register(JudgeSpec(name="other", aliases=("gpt35",), factory="x:y"))

    for order in (("zeta", "alpha"), ("alpha", "zeta")):
        pm = PluginManager(load_entry_points=False, registry_paths=[])
        hooks = {"zeta": reg_a, "alpha": reg_b}
        for name in order:
            pm.register(make_plugin(name, harness_register_judges=hooks[name]))
        with pytest.raises(DuplicateComponentError) as info:
            pm.registry.get("judge", "gpt35")
        message = str(info.value)
        assert "'alpha'" in message and "'zeta'" in message and "alias" in message
        assert info.value.exit_code == 2
        # only the clashing name is refused: the rest resolves, and the listing keeps both
        assert pm.registry.plugin_of("judge", "other") == "alpha"
        assert pm.registry.names("judge") == ["gpt35", "other"]
        assert pm.registry.clashes() == {("judge", "gpt35"): ["alpha", "zeta"]}
        infos = {i.name: i for i in pm.plugins()}
        assert infos["alpha"].status == infos["zeta"].status == "ok"
        assert infos["alpha"].clashes == ["judge 'gpt35' (also: zeta)"]
        for name in order:
            pm.unregister(name)
        assert pm.registry.clashes() == {}


def test_same_name_in_different_kinds_is_fine(pm):
    pm.register(
        make_plugin(
            "m",
            harness_register_models=lambda register: register(ModelSpec(name="x", factory="a:b")),
            harness_register_judges=lambda register: register(JudgeSpec(name="x", factory="a:b")),
        )
    )
    assert pm.registry.names("model") == ["x"] and pm.registry.names("judge") == ["x"]


def test_unknown_name_suggests_and_lists(pm):
    pm.register(
        make_plugin(
            "j",
            harness_register_judges=lambda register: (
                register(JudgeSpec(name="gpt35", factory="a:b")),
                register(JudgeSpec(name="ref-f1", factory="a:b")),
            ),
        )
    )
    with pytest.raises(UnknownComponentError) as info:
        pm.registry.get("judge", "gtp35")
    assert "Did you mean 'gpt35'" in str(info.value)
    assert "gpt35, ref-f1" in info.value.hint
    assert info.value.exit_code == 2


def test_parametric_names(pm):
    seen = {}

    class Built:  # a component object (the registry gives it its kind's optional members)
        pass

    def factory(arg=None, **kw):
        seen.update(arg=arg, **kw)
        return Built()

    pm.register(
        make_plugin(
            "hfp",
            harness_register_models=lambda register: register(
                ModelSpec(name="hf", factory=factory, parametric=True)
            ),
        )
    )
    assert isinstance(pm.registry.create("model", "hf:org/model:v2", path="/x"), Built)
    assert seen == {"arg": "org/model:v2", "path": "/x"}
    with pytest.raises(UnknownComponentError):
        pm.registry.get("model", "nope:thing")


def test_plugin_raising_in_hook_is_isolated(pm, capsys):
    def bad(register):
        register(JudgeSpec(name="half", factory="a:b"))
        raise RuntimeError("registration exploded")

    pm.register(make_plugin("bad", harness_register_judges=bad))
    pm.register(
        make_plugin(
            "good", harness_register_judges=lambda register: register(JudgeSpec(name="ok", factory="a:b"))
        )
    )
    assert pm.registry.names("judge") == ["ok"]  # nothing from the broken plugin survives
    infos = {i.name: i for i in pm.plugins()}
    assert infos["bad"].status == "broken" and "registration exploded" in infos["bad"].error
    assert infos["good"].status == "ok"
    assert "plugin 'bad' raised in harness_register_judges" in capsys.readouterr().err


def test_wrong_spec_type_is_reported(pm):
    pm.register(
        make_plugin(
            "wrong", harness_register_judges=lambda register: register(ModelSpec(name="m", factory="a:b"))
        )
    )
    assert pm.registry.names("judge") == [] and pm.registry.names("model") == []
    assert "must register JudgeSpec" in {i.name: i for i in pm.plugins()}["wrong"].error


def test_load_plugin_from_file_and_disable(tmp_path):
    plugin_file = tmp_path / "my_judges.py"
    plugin_file.write_text(
        "from harness import hookimpl\nfrom harness.specs import JudgeSpec\n"
        "@hookimpl\ndef harness_register_judges(register):\n"
        "    register(JudgeSpec(name='from-file', factory='a:b'))\n"
    )
    pm = PluginManager(load_entry_points=False, extra_plugins=[str(plugin_file)], registry_paths=[])
    assert pm.registry.plugin_of("judge", "from-file") == "my_judges"
    pm_off = PluginManager(
        load_entry_points=False, extra_plugins=[str(plugin_file)], disabled=["my_judges"], registry_paths=[]
    )
    assert pm_off.registry.names("judge") == []
    assert [i.status for i in pm_off.plugins()] == ["disabled"]


def test_broken_file_plugin_is_a_warning(tmp_path, capsys):
    broken = tmp_path / "broken_plugin.py"
    broken.write_text("raise ImportError('this plugin is broken on purpose')\n")
    pm = PluginManager(load_entry_points=False, extra_plugins=[str(broken)], registry_paths=[])
    assert pm.plugins()[0].status == "broken"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken_plugin" in err and "broken on purpose" in err


def test_duplicate_plugin_names_are_refused(pm):
    pm.register(make_plugin("same"), name="same")
    with pytest.raises(UsageError):
        pm.register(make_plugin("same"), name="same")


def test_category_spec_defaults():
    spec = CategorySpec(name="open_qa", display_name="open qa", prompt="p", source_names=["open qa"])
    assert spec.group == "open_qa" and spec.id == "open_qa" and spec.source_names == ("open qa",)
    # a category is data (a dataset's label, looked up whole); a component's name:arg picks a parametric one
    assert CategorySpec(name="a:b").group == "a:b"
    from harness.specs import DatasetSpec

    with pytest.raises(ValueError):
        DatasetSpec(name="bad:name")


def test_trainer_and_category_hooks(pm):
    from harness.specs import TrainerSpec

    class Plugin:
        @hookimpl
        def harness_register_trainers(self, register):
            register(TrainerSpec(name="noop-trainer", factory="x:y", description="for the test"))

        @hookimpl
        def harness_register_categories(self, register):
            register(CategorySpec(name="poetry", display_name="诗词", prompt="请评分", gold_shown=False))

    pm.register(Plugin(), name="code-categories")
    assert pm.registry.names("trainer") == ["noop-trainer"]
    cat = pm.registry.categories()["poetry"]
    assert cat.display_name == "诗词" and not cat.gold_shown
    assert [i.hooks for i in pm.plugins()] == [["harness_register_categories", "harness_register_trainers"]]


def test_plugin_specs_module_and_module_attr(tmp_path, monkeypatch):
    """``HARNESS_PLUGINS`` / ``--plugin`` take ``module``, ``module:attr`` (a class is instantiated)
    and ``file.py[:attr]``."""
    (tmp_path / "attr_plugins.py").write_text(
        "from harness import hookimpl\nfrom harness.specs import JudgeSpec\n"
        "class JudgePlugin:\n"
        "    def __init__(self):\n        self.prefix = 'cls'\n"
        "    @hookimpl\n    def harness_register_judges(self, register):\n"
        "        register(JudgeSpec(name=self.prefix + '-judge', factory='a:b'))\n"
        "namespace = JudgePlugin()\n"
        "@hookimpl\ndef harness_register_judges(register):\n"
        "    register(JudgeSpec(name='module-judge', factory='a:b'))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("HARNESS_PLUGINS", "attr_plugins:JudgePlugin")
    from harness.manager import plugin_name, split_plugin_spec

    assert split_plugin_spec("pkg.mod:Attr") == ("pkg.mod", "Attr")
    assert split_plugin_spec(r"C:\plugins\p.py") == (r"C:\plugins\p.py", "")
    assert plugin_name("./dir/p.py:obj") == "p:obj"
    pm = PluginManager(load_entry_points=True, registry_paths=[], warn=False)
    try:
        assert pm.registry.plugin_of("judge", "cls-judge") == "attr_plugins:JudgePlugin"
        pm.load_plugin("attr_plugins")
        assert pm.registry.plugin_of("judge", "module-judge") == "attr_plugins"
        pm.load_plugin(f"{tmp_path / 'attr_plugins.py'}:namespace", source="HARNESS_PLUGINS")
        # the same judge from two plugins: a clash, reported, never a silent winner
        assert pm.registry.clashes()[("judge", "cls-judge")] == [
            "attr_plugins:JudgePlugin",
            "attr_plugins:namespace",
        ]
        bad = pm.load_plugin("attr_plugins:Missing")
        assert bad.status == "broken" and "Missing" in bad.error
    finally:
        for name in ("attr_plugins:JudgePlugin", "attr_plugins", "attr_plugins:namespace"):
            pm.unregister(name)
    assert "cls-judge" not in pm.registry.names("judge")


def test_registry_paths_hook_returning_garbage_is_isolated(pm, capsys):
    pm.register(make_plugin("garbage", harness_registry_paths=lambda: 42))
    pm.register(
        make_plugin(
            "fine", harness_register_judges=lambda register: register(JudgeSpec(name="ok", factory="a:b"))
        )
    )
    try:
        assert pm.registry.names("judge") == ["ok"]
        infos = {i.name: i for i in pm.plugins()}
        assert infos["garbage"].status == "broken" and "list of directories" in infos["garbage"].error
        assert "plugin 'garbage' raised in harness_registry_paths" in capsys.readouterr().err
    finally:
        pm.unregister("garbage")
        pm.unregister("fine")
