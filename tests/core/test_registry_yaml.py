"""Registry YAML: validation errors name the file and the field; third-party directories work."""

from __future__ import annotations

import pytest

from harness.manager import PluginManager
from harness.registry_yaml import (
    CategoryDef,
    RegistryFileError,
    SourceDef,
    load_category_specs,
    load_yaml_model,
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_category_names_file_and_field(tmp_path):
    bad = write(tmp_path / "categories" / "oops.yaml", "id: Oops Bad\ndisplay_name: x\ngold_shown: maybe\n")
    with pytest.raises(RegistryFileError) as info:
        load_category_specs(tmp_path)
    text = str(info.value)
    assert str(bad) in text
    assert "field 'id'" in text and "field 'prompt'" in text and "field 'gold_shown'" in text
    assert info.value.exit_code == 2


def test_bad_yaml_syntax(tmp_path):
    bad = write(tmp_path / "x.yaml", "id: [unclosed\n")
    with pytest.raises(RegistryFileError, match="not valid YAML"):
        load_yaml_model(bad, CategoryDef)


def test_source_checksum_must_be_hex(tmp_path):
    bad = write(
        tmp_path / "s.yaml", "name: s\nfiles:\n  - {name: a.json, url: 'http://x/a.json', sha256: nothex}\n"
    )
    with pytest.raises(RegistryFileError, match=r"field 'files.0.sha256'"):
        load_yaml_model(bad, SourceDef)


def test_third_party_category_directory(tmp_path):
    write(
        tmp_path / "categories" / "poetry.yaml",
        "id: poetry\ndisplay_name: poetry\nprompt: 请评分。\ngold_shown: false\nsource_names: [poetry]\n",
    )
    pm = PluginManager(load_entry_points=False, registry_paths=[tmp_path])
    cat = pm.registry.categories()["poetry"]
    assert cat.gold_shown is False and cat.group == "poetry" and cat.prompt.startswith("请评分")
    assert pm.registry.plugin_of("category", "poetry") == f"HARNESS_REGISTRY_PATH:{tmp_path}"
