"""BELLE's real eval files: counts, class-name quirks, prompts, and loud failures."""

from __future__ import annotations

import hashlib
import json
import shutil
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from harness.data.belle import BelleEvalDataset, load_belle_eval, normalise_class_name
from harness.errors import DataError
from harness.manager import get_registry
from harness.scoring.columns import TABLE5_COLUMNS

EXPECTED_COLUMNS = {
    "others": 113,
    "rewrite": 131,
    "classification": 65,
    "generation": 98,
    "summarization": 40,
    "extract": 37,
    "open_qa": 285,
    "brainstorming": 179,
    "closed_qa": 52,
}


@pytest.fixture
def categories():
    return get_registry().categories()


@pytest.fixture
def belle_copy(shared_data, tmp_path) -> Path:
    """A writable copy of the two real files, to break on purpose."""
    directory = tmp_path / "belle"
    directory.mkdir()
    for name in ("eval_set.json", "eval_prompt.json"):
        shutil.copy(shared_data / "belle" / name, directory)
    return directory


def test_normalise_class_name():
    assert normalise_class_name("closed\u00a0QA") == "closed qa"
    assert normalise_class_name("open QA") == normalise_class_name("open qa") == "open qa"
    assert normalise_class_name("  Brain\u3000storming ") == "brain storming"


def test_real_files_load_into_nine_report_columns(shared_data, categories):
    data = load_belle_eval(shared_data / "belle", categories)
    assert len(data.samples) == 1000
    columns = Counter(categories[s.category].group for s in data.samples)
    assert dict(columns) == EXPECTED_COLUMNS
    assert set(columns) == set(TABLE5_COLUMNS)
    assert Counter(s.category for s in data.samples)["math"] == 75
    ids = [s.id for s in data.samples]
    assert ids[0] == "belle-eval-0001" and ids[-1] == "belle-eval-1000" and len(set(ids)) == 1000
    assert data.samples[0].category == "code" and data.samples[0].meta["source_class"] == "code"
    # the NBSP and case quirks resolved, not dropped
    closed = [s for s in data.samples if s.category == "closed_qa"]
    assert {s.meta["source_class"] for s in closed} == {"closed\u00a0qa"}
    # empty gold answers kept as empty strings
    empty = Counter(s.category for s in data.samples if not s.reference)
    assert empty == {"brainstorming": 179, "generation": 98, "rewrite": 92}


def test_prompts_equal_registry_prompts(shared_data, categories):
    data = load_belle_eval(shared_data / "belle", categories)
    assert data.prompt_mismatches == []
    assert set(data.prompts) == set(EXPECTED_COLUMNS) - {"others"} | {"math", "code", "translation"}
    for category, prompt in data.prompts.items():
        assert categories[category].prompt == prompt
    assert any("translation" in note and "no samples" in note for note in data.notes)
    assert {c for c, spec in categories.items() if not spec.gold_shown} >= {
        "generation",
        "brainstorming",
        "rewrite",
    }
    assert categories["math"].group == categories["code"].group == "others"
    assert categories["open_qa"].display_name == "open qa"


def test_prompt_mismatch_is_reported(shared_data, categories):
    from dataclasses import replace

    changed = dict(categories)
    changed["math"] = replace(categories["math"], prompt="something else")
    data = load_belle_eval(shared_data / "belle", changed)
    assert len(data.prompt_mismatches) == 1 and "'math'" in data.prompt_mismatches[0]


def test_dataset_component_downloads_through_mirror(shared_data, static_server, fresh_cache):
    server = static_server(shared_data / "belle")
    dataset = get_registry().create("dataset", "belle-eval", mirror=server.url)
    samples = dataset.load()
    assert len(samples) == 1000
    assert (fresh_cache / "data" / "belle-eval" / "eval_set.json").is_file()


def test_truncated_json_line_names_file_and_line(belle_copy, categories):
    path = belle_copy / "eval_set.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:-40], encoding="utf-8")  # cut into the last record
    with pytest.raises(DataError) as err:
        load_belle_eval(belle_copy, categories)
    message = str(err.value)
    assert str(path) in message and "line 1000" in message and "invalid JSON" in message


def test_unknown_class_names_file_line_and_value(belle_copy, categories):
    path = belle_copy / "eval_set.json"
    lines = path.read_text(encoding="utf-8").split("\n")
    record = json.loads(lines[16])
    record["class"] = "poetry"
    lines[16] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_belle_eval(belle_copy, categories)
    message = str(err.value)
    assert str(path) in message and "line 17" in message and "unknown class 'poetry'" in message


def test_sample_without_prompt_is_an_error(belle_copy, categories):
    prompts = belle_copy / "eval_prompt.json"
    kept = [
        line for line in prompts.read_text(encoding="utf-8").splitlines() if '"summarization"' not in line
    ]
    prompts.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=r"class 'summarization' \(category 'summarization'\) has no judge prompt"
    ):
        load_belle_eval(belle_copy, categories)


def test_dataset_factory_defaults(categories):
    dataset = BelleEvalDataset(categories=categories)
    assert dataset.name == "belle-eval" and dataset.data_dir is None and dataset.mirror is None


# ----------------------------------------------------------------------- through the CLI


def _third_party(tmp_path: Path, eval_dir: Path, *, with_category: bool) -> dict[str, str]:
    """A registry dir with a pinned copy of ``eval_dir`` as source 'belle-custom', and a plugin
    registering it as a dataset: a third-party BELLE-format set needs no core change."""
    registry = tmp_path / "registry"
    (registry / "sources").mkdir(parents=True, exist_ok=True)
    files = "".join(
        f"  - name: {name}\n    url: https://example.invalid/custom/{name}\n"
        f"    sha256: {hashlib.sha256((eval_dir / name).read_bytes()).hexdigest()}\n"
        for name in ("eval_set.json", "eval_prompt.json")
    )
    (registry / "sources" / "belle-custom.yaml").write_text(
        f"name: belle-custom\nfiles:\n{files}", encoding="utf-8"
    )
    if with_category:
        (registry / "categories").mkdir(exist_ok=True)
        (registry / "categories" / "poetry.yaml").write_text(
            "id: poetry\ndisplay_name: poetry\nprompt: 请给诗歌打分。\ngold_shown: false\nsource_names: [Poetry]\n",
            encoding="utf-8",
        )
    plugin = tmp_path / "custom_plugin.py"
    plugin.write_text(
        textwrap.dedent(
            """
            from harness import hookimpl
            from harness.specs import DatasetSpec

            @hookimpl
            def harness_register_datasets(register):
                register(DatasetSpec(name="belle-custom", factory="harness.data.belle:BelleEvalDataset",
                                     options={"source": "belle-custom", "data_dir": None, "mirror": None}))
            """
        ),
        encoding="utf-8",
    )
    return {"HARNESS_REGISTRY_PATH": str(registry), "HARNESS_PLUGINS": str(plugin)}


def test_cli_truncated_line_exits_2(belle_copy, tmp_path, static_server, fresh_cache, cli):
    path = belle_copy / "eval_set.json"
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    env = {"HARNESS_HOME": str(fresh_cache), **_third_party(tmp_path, belle_copy, with_category=False)}
    server = static_server(belle_copy)
    assert cli("data", "fetch", "belle-custom", "--mirror", server.url, env=env).returncode == 0
    result = cli("data", "show", "belle-custom", env=env)
    assert result.returncode == 2, result.stderr
    assert "eval_set.json line 1000: invalid JSON" in result.stderr and "Traceback" not in result.stderr


def test_cli_unknown_class_exits_2_until_a_category_yaml_is_added(belle_copy, tmp_path, cli):
    with (belle_copy / "eval_set.json").open("a", encoding="utf-8") as fh:
        fh.write(
            "\n"
            + json.dumps(
                {"question": "写一首关于春天的诗。", "std_answer": "", "class": "Poetry"}, ensure_ascii=False
            )
        )
    with (belle_copy / "eval_prompt.json").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"class": "poetry", "prompt": "请给诗歌打分。"}, ensure_ascii=False) + "\n")
    env = _third_party(tmp_path, belle_copy, with_category=False)
    result = cli("data", "show", "belle-custom", "--data-dir", str(belle_copy), env=env)
    assert result.returncode == 2
    assert "eval_prompt.json line 12: unknown class 'poetry'" in result.stderr
    # a category YAML dropped into HARNESS_REGISTRY_PATH/categories/ is all it takes
    env = _third_party(tmp_path, belle_copy, with_category=True)
    listed = cli("list", "category", "--json", env=env)
    assert "poetry" in {row["name"] for row in json.loads(listed.stdout)}
    shown = cli("data", "show", "belle-custom", "--json", "--data-dir", str(belle_copy), env=env)
    assert shown.returncode == 0, shown.stderr
    counts = json.loads(shown.stdout)
    assert counts["poetry"] == 1 and sum(counts.values()) == 1001
