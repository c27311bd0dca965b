"""The CLI through real subprocesses: start-up imports, listing, broken plugins, the example plugin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import __version__
from tests.harness_cli import run_harness

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "deepspeed", "litellm", "sentencepiece", "datasets", "accelerate", "vllm")


def harness(*args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    proc = run_harness(args, env=full_env)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"harness {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["list", "--json"], ["plugins"]])
def test_startup_imports_nothing_heavy(argv):
    code = (
        "import sys\n"
        "from harness.cli.app import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY=\n" in proc.stderr, proc.stderr


def test_version():
    assert harness("--version", check=True).stdout.strip() == f"harness {__version__}"


def test_list_json_shape_and_builtin_plugins():
    rows = json.loads(harness("list", "--json", check=True).stdout)
    assert rows, "built-in plugins register components"
    for row in rows:
        assert set(row) == {"kind", "name", "aliases", "plugin", "description"}
    kinds = [r["kind"] for r in rows]
    assert kinds == sorted(
        kinds, key=["dataset", "model", "trainer", "generator", "judge", "category", "embedder"].index
    )
    plugins = json.loads(harness("plugins", "--json", check=True).stdout)
    assert {p["name"] for p in plugins} >= {"builtin-registry", "judges", "models", "generators"}
    assert all(p["status"] == "ok" for p in plugins), plugins


def test_list_unknown_kind_is_usage_error():
    proc = harness("list", "widgets")
    assert proc.returncode == 2 and "unknown kind" in (proc.stderr + proc.stdout)


def test_broken_plugin_leaves_list_working(tmp_path):
    broken = tmp_path / "exploding_plugin.py"
    broken.write_text("raise RuntimeError('boom at import')\n")
    proc = harness("list", "--json", env={"HARNESS_PLUGINS": str(broken)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)
    warnings = [line for line in proc.stderr.splitlines() if "exploding_plugin" in line]
    assert len(warnings) == 1 and "boom at import" in warnings[0]
    plugins = json.loads(harness("plugins", "--json", env={"HARNESS_PLUGINS": str(broken)}).stdout)
    assert {p["name"]: p["status"] for p in plugins}["exploding_plugin"] == "broken"


def test_disable_plugin_by_name():
    proc = harness("plugins", "--json", env={"HARNESS_DISABLE_PLUGINS": "judges"}, check=True)
    assert {p["name"]: p["status"] for p in json.loads(proc.stdout)}["judges"] == "disabled"
    names = [
        r["name"]
        for r in json.loads(
            harness("list", "judge", "--json", env={"HARNESS_DISABLE_PLUGINS": "judges"}).stdout
        )
    ]
    assert "gpt35" not in names


def test_plugin_option_loads_a_file(tmp_path):
    plugin = tmp_path / "extra_judge.py"
    plugin.write_text(
        "from harness import hookimpl\nfrom harness.specs import JudgeSpec\n"
        "@hookimpl\ndef harness_register_judges(register):\n"
        "    register(JudgeSpec(name='extra', factory='x:y', description='From --plugin'))\n"
    )
    rows = json.loads(harness("--plugin", str(plugin), "list", "judge", "--json", check=True).stdout)
    assert {
        "kind": "judge",
        "name": "extra",
        "aliases": [],
        "plugin": "extra_judge",
        "description": "From --plugin",
    } in rows


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory) -> Path:
    """The example plugin pip-installed (for real, entry point and all) into a private target dir."""
    target = tmp_path_factory.mktemp("example_site")
    # pip builds in the folder it is given (build/, *.egg-info): a copy, so the checkout stays clean
    source = tmp_path_factory.mktemp("example_src") / "harness-judge-length"
    shutil.copytree(
        ROOT / "examples" / "harness-judge-length",
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return target


# the module's two tests share one install
@pytest.mark.slow
@pytest.mark.xdist_group("example-plugin-build")
def test_example_plugin_installs_and_registers(installed_example):
    env = {"PYTHONPATH": str(installed_example)}
    rows = json.loads(harness("list", "--json", env=env, check=True).stdout)
    by_name = {(r["kind"], r["name"]): r for r in rows}
    assert by_name[("judge", "length")]["plugin"] == "judge-length"
    assert by_name[("judge", "length")]["aliases"] == ["length-ratio"]
    assert by_name[("category", "poetry")]["plugin"] == "judge-length"
    plugins = {p["name"]: p for p in json.loads(harness("plugins", "--json", env=env, check=True).stdout)}
    assert plugins["judge-length"]["version"] == "0.1.0"
    assert plugins["judge-length"]["hooks"] == ["harness_register_judges", "harness_registry_paths"]


@pytest.mark.slow
@pytest.mark.xdist_group("example-plugin-build")
def test_example_plugin_judge_runs_in_the_pipeline(installed_example, tmp_path, harness_home):
    env = {"PYTHONPATH": str(installed_example), "HARNESS_HOME": str(harness_home)}
    proc = harness(
        "run",
        "--model",
        "tiny-llama",
        "--dataset",
        "demo",
        "--judge",
        "length",
        "--limit",
        "4",
        "--max-new-tokens",
        "4",
        "--greedy",
        "--out",
        str(tmp_path / "runs"),
        "--name",
        "plug",
        "--no-progress",
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    judgments = [
        json.loads(line) for line in (tmp_path / "runs" / "plug" / "judgments.jsonl").read_text().splitlines()
    ]
    assert len(judgments) == 4 and {j["judge"] for j in judgments} == {"length"}
    assert all(j["raw"].startswith("len(answer)=") for j in judgments if j["status"] == "scored")
