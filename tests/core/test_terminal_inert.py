"""Terminal output is inert: control and bidi characters from user or plugin text are shown escaped,
and rich's emoji codes are off (``dir:x:/a.jsonl`` stays as typed).

Through the real CLI: a registry category whose display name clears the screen, sets the window
title, colours, reverses text and names an emoji code, in the short and long listing and JSON; a
plugin path, a dataset path and an option name with escapes in warnings and errors (the harness's
own and typer's)."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.core.test_cli import harness

HOSTILE = "\x1b[2J\x1b[31mRED \x1b]0;T\x07 \u202eabc \u2066x\u2069 \u200f \x9b1m \x7f :smile:"
RAW = ("\x1b", "\x07", "\u202e", "\u2066", "\u2069", "\u200f", "\x9b", "\x7f")


def _assert_inert(text: str) -> None:
    found = [repr(c) for c in RAW if c in text]
    assert not found, f"{found} reached the terminal: {text!r}"


@pytest.fixture
def hostile_registry(tmp_path) -> dict[str, str]:
    categories = tmp_path / "registry" / "categories"
    categories.mkdir(parents=True)
    (categories / "hostile.yaml").write_text(
        yaml.safe_dump(
            {"id": "hostile", "display_name": HOSTILE, "prompt": "p", "gold_shown": True}, allow_unicode=True
        ),
        encoding="utf-8",
    )
    return {"HARNESS_REGISTRY_PATH": str(tmp_path / "registry"), "COLUMNS": "300"}


@pytest.mark.parametrize("argv", [["list", "category"], ["list", "category", "--long"]])
def test_a_hostile_category_name_is_listed_escaped(argv, hostile_registry):
    proc = harness(*argv, env=hostile_registry)
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc.stdout)
    assert "\\x1b[2J\\x1b[31mRED \\x1b]0;T\\x07 \\u202eabc" in proc.stdout
    assert ":smile:" in proc.stdout and "\U0001f604" not in proc.stdout


def test_json_output_escapes_them_and_still_reads_back(hostile_registry):
    proc = harness("list", "category", "--json", env=hostile_registry)
    _assert_inert(proc.stdout)
    (row,) = [r for r in json.loads(proc.stdout) if r["name"] == "hostile"]
    assert HOSTILE in row["description"]


def test_emoji_codes_in_a_dataset_name_are_printed_as_typed():
    shown = harness("data", "show", "dir:x:/a.jsonl")
    assert shown.returncode == 2 and "dir:x:/a.jsonl" in shown.stderr, shown.stderr
    run = harness("run", "--dataset", "no:smile:.jsonl", "--model", "tiny-llama", "--judge", "ref-f1")
    assert run.returncode == 2 and "no:smile:.jsonl" in run.stderr, run.stderr


def test_escapes_in_a_plugin_path_a_dataset_path_and_an_option_are_shown_escaped(tmp_path):
    plugin = harness("--plugin", str(tmp_path / "x\x1b[2J\u202e.py"), "list", "judge")
    _assert_inert(plugin.stderr)
    assert "x\\x1b[2J\\u202e.py" in plugin.stderr
    dataset = harness(
        "run",
        "--dataset",
        str(tmp_path / "d\x1b]0;T\x07.jsonl"),
        "--model",
        "tiny-llama",
        "--judge",
        "ref-f1",
    )
    assert dataset.returncode == 2
    _assert_inert(dataset.stderr + dataset.stdout)
    option = harness("list", "--x\x1b[2J\u202e")
    assert option.returncode == 2
    _assert_inert(option.stderr + option.stdout)
