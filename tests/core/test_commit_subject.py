"""The commit-msg hook (``.ci/commit_subject.py``): a subject of 72 characters or more is refused,
read as git keeps it (comments, blank lines and the ``git commit -v`` diff left out)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "commit_subject.py"


def _hook():
    spec = importlib.util.spec_from_file_location("commit_subject", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _hook()


def _run(tmp_path: Path, message: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message, encoding="utf-8")
    code = hook.main([str(path)])
    return code, capsys.readouterr().err


def test_a_71_character_subject_passes(tmp_path, capsys) -> None:
    assert _run(tmp_path, "a" * 71 + "\n\nbody " + "b" * 200 + "\n", capsys) == (0, "")


def test_a_72_character_subject_is_refused(tmp_path, capsys) -> None:
    code, err = _run(tmp_path, "a" * 72 + "\n", capsys)
    assert code == 1
    assert "72 characters" in err and "under 72" in err


def test_characters_not_bytes_are_counted(tmp_path, capsys) -> None:
    assert _run(tmp_path, "评" * 71, capsys)[0] == 0
    assert _run(tmp_path, "评" * 72, capsys)[0] == 1


def test_comments_and_blank_lines_before_the_subject_are_skipped(tmp_path, capsys) -> None:
    message = "# Please enter the commit message\n\n   \nshort subject\n# " + "x" * 100 + "\n"
    assert _run(tmp_path, message, capsys) == (0, "")
    assert _run(tmp_path, "#  note\n\n" + "s" * 72 + "\n", capsys)[0] == 1


def test_trailing_whitespace_is_not_counted(tmp_path, capsys) -> None:
    assert _run(tmp_path, "s" * 71 + "    \n", capsys)[0] == 0


def test_nothing_below_the_scissors_line_is_read(tmp_path, capsys) -> None:
    message = "\n# ------------------------ >8 ------------------------\ndiff --git a/" + "x" * 90 + "\n"
    assert _run(tmp_path, message, capsys) == (0, "")
    assert hook.subject(message) == ""


def test_a_configured_comment_character_is_used() -> None:
    assert hook.subject("; comment " + "x" * 80 + "\nsubject\n", ";") == "subject"
    assert hook.subject("#42 is the subject\n", ";") == "#42 is the subject"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_runs_it_as_the_commit_msg_hook(tmp_path) -> None:
    # only a real commit shows what git hands the hook and that its refusal stops the commit
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "commit-msg").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{SCRIPT}" "$1"\n')
    (hooks / "commit-msg").chmod(0o755)
    repo = tmp_path / "repo"
    git = [
        "git",
        "-C",
        str(repo),
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@e",
        "-c",
        f"core.hooksPath={hooks}",
    ]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)

    def commit(subject: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*git, "commit", "-q", "--allow-empty", "-m", subject], capture_output=True, text=True
        )

    refused = commit("x" * 72)
    assert refused.returncode != 0 and "under 72" in refused.stderr
    assert commit("x" * 71).returncode == 0
