"""`harness experiment --executor local` reads each row's ``eval/scores.json`` as a scores record: a
damaged one is exit 2 naming the file and line, never a row quietly shown without its figures."""

from __future__ import annotations

import pytest

from tests.run.test_experiment_executor import gen_server, grid, run

__all__ = ["gen_server"]  # the module-scoped server fixture, shared


@pytest.mark.slow
def test_a_damaged_scores_json_of_a_finished_row_is_exit_2(cli, gen_server, tmp_path):
    folder = grid(tmp_path, row_a="litellm:gen-model")
    out = tmp_path / "jobs"
    first = run(cli, gen_server, tmp_path, str(folder), "--out", str(out), "--executor", "local")
    assert first.returncode == 0, first.stdout + first.stderr
    scores = out / "row_a" / "eval" / "scores.json"
    scores.write_text(scores.read_text(encoding="utf-8")[:200], encoding="utf-8")  # cut short
    again = run(cli, gen_server, tmp_path, str(folder), "--out", str(out), "--executor", "local")
    assert again.returncode == 2, again.stdout + again.stderr
    said = " ".join(again.stderr.split())
    assert "scores.json:" in said and "invalid JSON" in said and "Traceback" not in again.stderr
