"""The plain rules that `harness list` checks registry files with (no pydantic) accept nothing that
the pydantic models refuse, and give the same values; what they do not plainly accept gets the
model's own verdict and message."""

from __future__ import annotations

import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from harness.models.hub import ModelRecipe, builtin_recipes
from harness.registry_files import RegistryFileError
from harness.registry_plain import (
    CATEGORY_RULES,
    RECIPE_RULES,
    REQUIRED,
    builtin_recipe_values,
    checked_values,
    plain_values,
)
from harness.registry_yaml import CategoryDef, load_yaml_model

from .test_bad_inputs import harness

SCHEMAS = [(CATEGORY_RULES, CategoryDef), (RECIPE_RULES, ModelRecipe)]


def _constraint(field, name: str):
    return next((getattr(m, name) for m in field.metadata if getattr(m, name, None) is not None), None)


@pytest.mark.parametrize(("rules", "model"), SCHEMAS, ids=["category", "recipe"])
def test_rules_declare_the_models_fields(rules, model: type[BaseModel]) -> None:
    assert list(rules) == list(model.model_fields)
    assert model.model_config.get("extra") == "forbid"
    for name, field in model.model_fields.items():
        rule = rules[name]
        default = REQUIRED if field.is_required() else field.get_default(call_default_factory=True)
        assert rule.default == default, name
        assert rule.optional == (type(None) in typing.get_args(field.annotation)), name
        assert rule.pattern == _constraint(field, "pattern"), name
        assert rule.min_length == (_constraint(field, "min_length") or 0), name
        assert rule.gt == _constraint(field, "gt"), name
        literal = [
            a
            for a in (field.annotation, *typing.get_args(field.annotation))
            if typing.get_origin(a) is typing.Literal
        ]
        assert rule.choices == (typing.get_args(literal[0]) if literal else ()), name


def _field_values(rules) -> st.SearchStrategy:
    """Values near the rules' edges: the right type and the wrong, empty, non-ASCII, near a pattern."""
    names = st.sampled_from(
        [
            "a",
            "gpt-4",
            "Org/model.v1",
            "Oops Bad",
            "a\n",
            "é",
            "",
            "-x",
            "a/b/c",
            "base",
            "instruction-tuned",
            "x_1.2",
        ]
    )
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-3, 5), st.floats(allow_nan=False), names, st.text(max_size=4)
    )
    return st.one_of(scalars, st.lists(st.one_of(names, st.integers(0, 2)), max_size=3))


# a plainly valid document of each schema, which the property test changes a field or two of
BASES = {
    "category": {"id": "a", "display_name": "x", "prompt": "p"},
    "recipe": {"name": "a", "hf_id": "org/x", "stage": "base"},
}


@pytest.mark.slow
@pytest.mark.parametrize(("rules", "model"), SCHEMAS, ids=["category", "recipe"])
@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_what_the_rules_accept_the_model_accepts_alike(rules, model: type[BaseModel], data) -> None:
    base = BASES["category" if rules is CATEGORY_RULES else "recipe"]
    changes = data.draw(
        st.dictionaries(st.sampled_from([*rules, "unknown"]), _field_values(rules), max_size=2)
    )
    document = {**base, **changes}
    values = plain_values(document, rules)
    if values is None:
        return
    try:
        validated = model.model_validate(document).model_dump()
    except ValidationError as exc:
        pytest.fail(f"the rules accept {document!r}, the model refuses it: {exc}")
    assert values == validated


def test_every_builtin_recipe_reads_alike_both_ways() -> None:
    assert list(builtin_recipe_values()) == [r.model_dump() for r in builtin_recipes()]


def test_a_file_the_rules_refuse_gets_the_models_message(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Not A Name\nhf_id: org/x\nstage: chat\nvocab_size: 0\n", encoding="utf-8")
    with pytest.raises(RegistryFileError) as plain:
        checked_values(bad, RECIPE_RULES, "harness.models.hub:ModelRecipe")
    with pytest.raises(RegistryFileError) as full:
        load_yaml_model(bad, ModelRecipe)
    assert str(plain.value) == str(full.value)
    assert str(bad) in str(plain.value) and "field 'stage'" in str(plain.value)


def test_a_value_the_model_coerces_is_read_as_the_model_reads_it(tmp_path) -> None:
    ok = tmp_path / "ok.yaml"
    ok.write_text("name: x\nhf_id: org/x\nstage: base\nvocab_size: '32000'\n", encoding="utf-8")
    assert checked_values(ok, RECIPE_RULES, "harness.models.hub:ModelRecipe")["vocab_size"] == 32000


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_listing_refuses_a_bad_category_file_by_name(tmp_path, warm: bool) -> None:
    registry = tmp_path / "reg"
    (registry / "categories").mkdir(parents=True)
    env = {"HARNESS_HOME": str(tmp_path / "home"), "HARNESS_REGISTRY_PATH": str(registry)}
    if warm:
        assert harness("list", env=env).returncode == 0  # the cache now holds a good listing
    bad = registry / "categories" / "bad.yaml"
    bad.write_text("id: poetry\ndisplay_name: poetry\nprompt: ''\n", encoding="utf-8")
    proc = harness("list", env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"{bad}: invalid registry file" in proc.stderr and "field 'prompt'" in proc.stderr
    assert "Traceback" not in proc.stderr
