"""``harness new judge NAME`` / ``harness new dataset NAME``: a plugin package that installs with
``pip install -e`` (then ``harness list`` shows it) and whose own tests pass against the testing
server; hostile names and folders are refused (exit 2) with nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

JUDGE_FILES = [
    "README.md",
    "my_judge/__init__.py",
    "my_judge/judge.py",
    "my_judge/registry/categories/my_judge_rubric.yaml",
    "pyproject.toml",
    "tests/test_judge.py",
]
DATASET_FILES = [
    "README.md",
    "pyproject.toml",
    "qa_set/__init__.py",
    "qa_set/data/questions.jsonl",
    "qa_set/dataset.py",
    "qa_set/registry/categories/qa_set_questions.yaml",
    "tests/test_dataset.py",
]


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_new_judge_writes_a_plugin_package_into_dot_name(cli, tmp_path):
    proc = cli("new", "judge", "my-judge", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "my-judge") == JUDGE_FILES
    assert "pip install -e my-judge" in proc.stdout
    pyproject = (tmp_path / "my-judge" / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.harness]\nmy-judge = "my_judge"' in pyproject
    judge = (tmp_path / "my-judge" / "my_judge" / "judge.py").read_text(encoding="utf-8")
    assert "class MyJudge(PointwiseLLMJudge):" in judge  # the public judge-authoring API
    for path in (tmp_path / "my-judge").rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_new_dataset_writes_into_dir(cli, tmp_path):
    proc = cli("new", "dataset", "qa_set", "--dir", str(tmp_path / "here"))
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "here") == DATASET_FILES
    assert 'qa_set = "qa_set"' in (tmp_path / "here" / "pyproject.toml").read_text(encoding="utf-8")


def test_an_existing_empty_folder_is_used(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    assert cli("new", "judge", "my-judge", "--dir", str(tmp_path / "empty")).returncode == 0
    assert files_under(tmp_path / "empty") == JUDGE_FILES


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "a b",
        "x\x1b[2Jy",
        "My-Judge",
        "-x",
        "x/y",
        "1abc",
        "a--b",
        "a" * 41,
        "é",
        "",
        "class",
        "json",
        "harness",
    ],
)
def test_hostile_or_shadowing_names_exit_2_writing_nothing(cli, tmp_path, name):
    proc = cli("new", "judge", name, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "\x1b" not in proc.stderr
    assert proc.stderr.startswith("error:") or "Usage:" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_non_empty_folder_is_refused_and_left_as_it_was(cli, tmp_path):
    folder = tmp_path / "my-judge"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("mine\n", encoding="utf-8")
    proc = cli("new", "judge", "my-judge", cwd=tmp_path)
    assert proc.returncode == 2 and "is not empty; nothing was written" in proc.stderr
    assert files_under(folder) == ["pyproject.toml"]
    assert (folder / "pyproject.toml").read_text(encoding="utf-8") == "mine\n"


def test_a_file_or_a_link_as_the_folder_is_refused(cli, tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    proc = cli("new", "dataset", "qa", "--dir", str(tmp_path / "afile"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    proc = cli("new", "dataset", "qa", "--dir", str(tmp_path / "link"))
    assert proc.returncode == 2 and "symbolic link" in proc.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_help_fits_80_columns_and_the_root_help_lists_new(cli):
    env = {"COLUMNS": "80"}
    for args in (["new", "--help"], ["new", "judge", "--help"], ["new", "dataset", "--help"]):
        proc = cli(*args, env=env)
        assert proc.returncode == 0 and max(len(line) for line in proc.stdout.splitlines()) <= 80
    assert "--dir" in cli("new", "judge", "--help", env=env).stdout
    assert "new" in cli("--help", env=env).stdout.split("Commands", 1)[1]


def test_the_generated_code_is_ruff_clean_at_ruffs_defaults(cli, tmp_path):
    """What a plugin author's linter says first: nothing (default line length 88, isort, pyflakes)."""
    for kind, name in (("judge", "my-judge"), ("dataset", "qa-set")):
        assert cli("new", kind, name, cwd=tmp_path).returncode == 0
        out = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I,B,UP", "."],
            cwd=tmp_path / name,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stdout + out.stderr


def _pip_install_editable(package: Path, target: Path) -> None:
    """``pip install -e`` for real (entry point and all) into a private target folder."""
    proc = subprocess.run(
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
            "-e",
            str(package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _env_with(*paths: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS" and not k.startswith("PYTEST_XDIST")}
    env["PYTHONPATH"] = os.pathsep.join([*map(str, paths), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "name", "module", "passed"),
    [("judge", "my-judge", "my_judge", 5), ("dataset", "qa-set", "qa_set", 3)],
)
def test_the_package_installs_lists_and_its_own_tests_pass(cli, tmp_path, kind, name, module, passed):
    assert cli("new", kind, name, cwd=tmp_path).returncode == 0
    package, site = tmp_path / name, tmp_path / "site"
    _pip_install_editable(package, site)
    env = _env_with(site, package)  # an editable install's path hook needs a site dir; PYTHONPATH stands in
    rows = json.loads(cli("list", kind, "--json", env=env).stdout)
    [row] = [r for r in rows if r["name"] == name]
    assert row["plugin"] == name
    categories = {
        r["name"]: r["plugin"] for r in json.loads(cli("list", "category", "--json", env=env).stdout)
    }
    assert categories[f"{module}_{'rubric' if kind == 'judge' else 'questions'}"] == name
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=package,
        env=_env_with(site),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0 and f"{passed} passed" in tests.stdout, tests.stdout[-3000:] + tests.stderr


def test_a_hostile_dir_is_named_escaped(cli, tmp_path):
    (tmp_path / "f\x1b[2J").write_text("x", encoding="utf-8")
    proc = cli("new", "judge", "my-judge", "--dir", str(tmp_path / "f\x1b[2J"))
    assert proc.returncode == 2 and "f\\x1b[2J exists and is not a folder" in proc.stderr
    assert "\x1b" not in proc.stderr
