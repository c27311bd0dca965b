"""Judgment lines and run files that are not what the harness writes, through the CLI (issue 23).

* 23.10: a judgments line without ``id``, with a list ``id`` or ``"repeat": "x"`` is exit 2 naming
  the file and line in a resume, ``report`` and ``compare`` alike (one reader checks every line);
  two different verdicts for one (id, repeat) are said, with the line used.
* 23.9: JSON nested 100,000 deep or an integer of 5,000 digits in ``judgments.jsonl`` or
  ``run.json`` is exit 2 naming the file, never a traceback; ``harness runs`` and ``harness report``
  (no argument) list the other runs and mark that one unreadable.
* 23.12: ``harness judge`` exits 1 when judgments failed, as ``harness run`` does.
* 23.15: ``harness compare`` says how many judgments it left out, and why.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.run import test_cli_integrity as integrity

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "1" * 5000
BAD_LINES = {
    "no id": '{"category": "plus", "status": "scored", "score": 0.5}',
    "list id": '{"id": ["s1"], "category": "plus", "status": "scored", "score": 0.5}',
    "repeat x": '{"id": "s1", "category": "plus", "status": "scored", "score": 0.5, "repeat": "x"}',
    "deep": '{"id": "s1", "category": "plus", "status": "scored", "score": 0.5, "meta": ' + DEEP + "}",
    "huge int": '{"id": "s1", "category": "plus", "status": "scored", "score": ' + HUGE + "}",
}
DOWN = '''

class Down:
    """Every request fails, as with a server that is down."""
    name = "down"

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        for it in items:
            on_result(Judgment(id=it.sample.id, category=it.sample.category, score=None, status="failed",
                               judge=self.name, reason="server down", repeat=it.repeat))


@hookimpl
def harness_register_datasets(register):'''


base_plugin = integrity.plugin  # the integrity tests' plugin fixture (echo model, misbehaving judges)


@pytest.fixture
def plugin(base_plugin: Path) -> Path:
    """The integrity tests' plugin, plus a judge whose every judgment fails."""
    path = base_plugin
    text = path.read_text(encoding="utf-8")
    text = text.replace("\n\n@hookimpl\ndef harness_register_datasets(register):", DOWN, 1)
    text = text.replace(
        '    register(JudgeSpec(name="boom"',
        '    register(JudgeSpec(name="down", factory=Down))\n    register(JudgeSpec(name="boom"',
        1,
    )
    path.write_text(text, encoding="utf-8")
    return path


def _said(proc) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def _run(env, cwd: Path, name: str, judge: str = "weird"):
    return integrity._harness([*integrity.RUN, "--judge", judge, "--out", "runs", "--name", name], env, cwd)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_a_bad_judgment_line_is_exit_2_naming_file_and_line(tmp_path, harness_home, plugin):
    env = integrity._env(harness_home, plugin)
    for name in ("r", "other"):
        assert _run(env, tmp_path, name).returncode == 0
    path = tmp_path / "runs" / "r" / "judgments.jsonl"
    good = _lines(path)
    for what, bad in BAD_LINES.items():
        path.write_text("\n".join([good[0], bad, *good[2:]]) + "\n", encoding="utf-8")
        for args in (
            [*integrity.RUN, "--judge", "weird", "--out", "runs", "--name", "r"],
            ["report", "runs/r"],
            ["compare", "runs/other", "runs/r"],
        ):
            proc = integrity._harness(args, env, tmp_path)
            said = _said(proc)
            assert proc.returncode == 2, (what, args[0], said)
            assert "Traceback" not in said and "judgments.jsonl line 2" in said, (what, args[0], said)
        assert _lines(path)[1] == bad  # nothing rewrote the user's file


def test_differing_verdicts_for_one_pair_are_said(tmp_path, harness_home, plugin):
    env = integrity._env(harness_home, plugin)
    assert _run(env, tmp_path, "r").returncode == 0
    path = tmp_path / "runs" / "r" / "judgments.jsonl"
    s3 = next(json.loads(line) for line in _lines(path) if json.loads(line)["id"] == "s3")
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**s3, "score": 0.25}) + "\n")  # line 5: another verdict for (s3, 0)
    report = integrity._harness(["report", "runs/r"], env, tmp_path)
    assert report.returncode == 0, _said(report)
    assert "differing verdicts" in _said(report) and "lines 4, 5, line 5 used" in _said(report)
    resumed = _run(env, tmp_path, "r")
    assert resumed.returncode == 0, _said(resumed)
    assert "differing verdicts" in _said(resumed)


def test_deep_or_huge_run_json_is_unreadable_in_listings(tmp_path, harness_home, plugin):
    env = integrity._env(harness_home, plugin)
    for name in ("good", "deep", "huge"):
        assert _run(env, tmp_path, name).returncode == 0
    (tmp_path / "runs" / "deep" / "run.json").write_text('{"status": ' + DEEP + "}\n", encoding="utf-8")
    (tmp_path / "runs" / "huge" / "run.json").write_text('{"n_samples": ' + HUGE + "}\n", encoding="utf-8")
    listed = integrity._harness(["runs", "runs", "--json"], env, tmp_path)
    assert listed.returncode == 0, _said(listed)
    status = {run["name"]: run["status"] for run in json.loads(listed.stdout)}
    assert status == {"good": "complete", "deep": "unreadable", "huge": "unreadable"}
    table = integrity._harness(["runs", "runs"], env, tmp_path)
    assert table.returncode == 0 and "unreadable" in table.stdout and "good" in table.stdout, _said(table)
    latest = integrity._harness(["report"], env, tmp_path)
    assert latest.returncode == 0 and "runs/good" in _said(latest), _said(latest)
    for name in ("deep", "huge"):
        for args in (["report", f"runs/{name}"], ["judge", f"runs/{name}", "--judge", "weird"]):
            proc = integrity._harness(args, env, tmp_path)
            said = _said(proc)
            assert proc.returncode == 2 and "Traceback" not in said and "run.json" in said, (
                name,
                args[0],
                said,
            )


def test_judge_exits_1_when_judgments_failed(tmp_path, harness_home, plugin):
    env = integrity._env(harness_home, plugin)
    assert _run(env, tmp_path, "r").returncode == 0
    run = _run(env, tmp_path, "d", judge="down")
    assert run.returncode == 1, _said(run)
    judge = integrity._harness(["judge", "runs/r", "--judge", "down"], env, tmp_path)
    assert judge.returncode == 1, _said(judge)
    assert "4 judgments failed" in _said(judge) and "Traceback" not in _said(judge)


def test_compare_says_which_judgments_it_left_out(tmp_path, harness_home, plugin):
    env = integrity._env(harness_home, plugin)
    for name in ("a", "b"):
        assert _run(env, tmp_path, name).returncode == 0
    path = tmp_path / "runs" / "b" / "judgments.jsonl"
    records = [json.loads(line) for line in _lines(path)]
    for record in records:
        if record["id"] in ("s0", "s3"):
            record.update(status="scored", score=math.nan if record["id"] == "s0" else math.inf, reason="")
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    proc = integrity._harness(["compare", "runs/a", "runs/b", "--resamples", "100"], env, tmp_path)
    said = _said(proc)
    assert proc.returncode == 0, said
    assert "b: judgments.jsonl: 2 judgment(s) marked scored had a score that is not a number" in said, said
