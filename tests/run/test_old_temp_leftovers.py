"""Temporary files of every writer the harness has had -- ``.<name>.<pid>.tmp``,
``.<name>.tmp-<pid>`` and today's ``.<name>.tmp-<pid>-<hex>`` -- are still the harness's own: a
killed run's folder holding only those is run in, and ``--force`` removes them with the run."""

from __future__ import annotations

import pytest

from tests.harness_cli import run_harness
from tests.run.test_run_dir_safety import DEMO, _env

LEFTOVERS = [".run.json.4242.tmp", ".report.html.tmp-4242", ".generations.jsonl.tmp-4242-0a1b2c3d"]


@pytest.mark.slow
def test_a_folder_of_leftover_temporaries_is_the_harness_own(tmp_path, harness_home):
    run_dir = tmp_path / "runs" / "r"
    run_dir.mkdir(parents=True)
    for name in LEFTOVERS:
        (run_dir / name).write_text("half", encoding="utf-8")
    proc = run_harness(
        [*DEMO, "--out", str(tmp_path / "runs"), "--name", "r"],
        env=_env(harness_home),
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (run_dir / "run.json").is_file()
    forced = run_harness(
        [
            *DEMO[:-3],
            "--max-new-tokens",
            "5",
            "--no-progress",
            "--out",
            str(tmp_path / "runs"),
            "--name",
            "r",
            "--force",
        ],
        env=_env(harness_home),
        cwd=tmp_path,
        timeout=600,
    )
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert not [p.name for p in run_dir.iterdir() if p.name in LEFTOVERS]


def test_a_foreign_hidden_file_still_makes_the_folder_not_ours(tmp_path, harness_home):
    run_dir = tmp_path / "runs" / "mine"
    run_dir.mkdir(parents=True)
    (run_dir / ".notes.tmp-x").write_text("mine", encoding="utf-8")
    proc = run_harness(
        [*DEMO, "--out", str(tmp_path / "runs"), "--name", "mine"],
        env=_env(harness_home),
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert sorted(p.name for p in run_dir.iterdir()) == [".notes.tmp-x"]
