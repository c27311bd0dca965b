"""``harness judge --judgments-file`` names a judgments file of the run's own, nothing else (issue 23.1).

Naming the run's answers, its ``run.json``, config, lock, a report file, a path, or a file the
harness did not write is exit 2 with a message about judgments files, and leaves every file of the
run as it was (``run.json``'s file list included).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run import test_cli_integrity as integrity

plugin = integrity.plugin  # the plugin fixture (echo model, misbehaving judges) of the integrity tests

REFUSED = [
    "generations.jsonl",
    "judgments.jsonl",
    "run.json",
    "config.yaml",
    "run.lock",
    "report.md",
    "scores.json",
    "report.html",
    "scores.csv",
    "notes.jsonl",
    "../elsewhere.jsonl",
    "sub/j.jsonl",
    ".jsonl",
    "judgments-x.json",
]


def _snapshot(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.iterdir()) if p.is_file()}


@pytest.fixture
def run_dir(tmp_path, harness_home, plugin) -> Path:
    env, out = integrity._env(harness_home, plugin), tmp_path / "runs"
    proc = integrity._harness(
        [*integrity.RUN, "--judge", "weird", "--out", str(out), "--name", "r"], env, tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (out / "r" / "notes.jsonl").write_text('{"mine": true}\n', encoding="utf-8")  # the user's own file
    return out / "r"


def test_judgments_file_must_name_a_judgments_file(tmp_path, harness_home, plugin, run_dir):
    env = integrity._env(harness_home, plugin)
    before = _snapshot(run_dir)
    for name in REFUSED:
        proc = integrity._harness(
            ["judge", str(run_dir), "--judge", "weird", "--judgments-file", name], env, tmp_path
        )
        said = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode == 2, (name, said)
        assert "Traceback" not in said and "judgments file" in said, (name, said)
        assert "folder name" not in said and "run name" not in said, (name, said)
        assert _snapshot(run_dir) == before, name
    assert not (tmp_path / "runs" / "elsewhere.jsonl").exists()


def test_a_judgments_file_of_its_own_is_written_and_listed(tmp_path, harness_home, plugin, run_dir):
    env = integrity._env(harness_home, plugin)
    proc = integrity._harness(
        ["judge", str(run_dir), "--judge", "weird", "--judgments-file", "j2.jsonl"], env, tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = integrity._harness(
        ["judge", str(run_dir), "--judge", "weird", "--judgments-file", "j2.jsonl"], env, tmp_path
    )
    assert again.returncode == 0, again.stdout + again.stderr  # its own file: resumed, not refused
    assert "j2.jsonl" in integrity._run_json(run_dir)["files"]
    assert (run_dir / "notes.jsonl").read_text(encoding="utf-8") == '{"mine": true}\n'
