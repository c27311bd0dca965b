"""The run pipeline's bookkeeping: files, resuming, retries, refusing a changed config."""

from __future__ import annotations

import json

import pytest

from harness.errors import UsageError
from harness.runs.config import RunConfig
from harness.runs.pipeline import rejudge, run_eval
from harness.runs.records import read_record_dicts

from .conftest import EchoGenerator, ScriptedJudge


def cfg(tmp_path, **kw) -> RunConfig:
    base = dict(
        model="echo-model", dataset="list-eval", judge="scripted", out=str(tmp_path / "runs"), progress=False
    )
    base.update(kw)
    return RunConfig(**base)


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_full_run_writes_every_file(tmp_path, manager):
    result = run_eval(cfg(tmp_path, name="r1"), manager=manager, log=lambda m: None)
    run_dir = result.run_dir
    assert result.status == "complete" and result.n_samples == 12
    for f in ("run.json", "config.yaml", "generations.jsonl", "judgments.jsonl", "scores.json"):
        assert (run_dir / f).is_file(), f
    gens = lines(run_dir / "generations.jsonl")
    assert [g["id"] for g in gens] == [f"s{i:03d}" for i in range(12)]
    assert gens[1]["answer"] == "1 题问" and gens[1]["question"] == "问题 1"
    judgments = lines(run_dir / "judgments.jsonl")
    assert len(judgments) == 12
    for j in judgments:
        assert {"id", "category", "score", "status", "raw"} <= set(j)
        assert (j["score"] is None) == (j["status"] != "scored")
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == "complete" and meta["seed"] == 42
    assert meta["versions"]["harness"] and "pluggy" in meta["versions"]
    assert {p["name"] for p in meta["plugins"]} == {"test-plugin"}


def test_interrupted_run_resumes_without_redoing(tmp_path, manager):
    config = cfg(tmp_path)  # no --name: the same command must find the unfinished run
    ScriptedJudge.interrupt_after = 5
    with pytest.raises(KeyboardInterrupt):
        run_eval(config, manager=manager, log=lambda m: None)
    assert len(ScriptedJudge.calls) == 5 and len(EchoGenerator.calls) == 12
    [run_dir] = list((tmp_path / "runs").iterdir())
    assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
    ScriptedJudge.interrupt_after = None
    result = run_eval(config, manager=manager, log=lambda m: None)
    assert result.resumed and result.run_dir == run_dir
    assert len(EchoGenerator.calls) == 12, "answers on disk are not generated again"
    assert len(ScriptedJudge.calls) == 12 and len(set(ScriptedJudge.calls)) == 12, "no sample judged twice"
    assert sorted(j["id"] for j in lines(run_dir / "judgments.jsonl")) == [f"s{i:03d}" for i in range(12)]
    # finished: the same command now starts a fresh run rather than touching the complete one
    again = run_eval(config, manager=manager, log=lambda m: None)
    assert again.run_dir != run_dir and not again.resumed


def test_torn_last_line_is_tolerated(tmp_path, manager):
    config = cfg(tmp_path, name="torn")
    ScriptedJudge.interrupt_after = 4
    with pytest.raises(KeyboardInterrupt):
        run_eval(config, manager=manager, log=lambda m: None)
    path = tmp_path / "runs" / "torn" / "judgments.jsonl"
    with path.open("ab") as fh:
        fh.write(b'{"id": "s004", "category": "qa", "sco')  # killed mid-write
    assert len(read_record_dicts(path)) == 4
    ScriptedJudge.interrupt_after = None
    run_eval(config, manager=manager, log=lambda m: None)
    records = lines(path)
    assert sorted(r["id"] for r in records) == [f"s{i:03d}" for i in range(12)]


def test_failed_judgments_are_retried_and_compacted(tmp_path, manager):
    config = cfg(tmp_path, name="flaky")
    ScriptedJudge.fail_ids = {"s002", "s007"}
    first = run_eval(config, manager=manager, log=lambda m: None)
    assert first.status == "incomplete" and first.failed == 2
    ScriptedJudge.fail_ids = set()
    ScriptedJudge.calls = []
    second = run_eval(config, manager=manager, log=lambda m: None)
    assert second.status == "complete" and second.resumed
    assert sorted(ScriptedJudge.calls) == [("s002", 0), ("s007", 0)]
    records = lines(first.run_dir / "judgments.jsonl")
    assert len(records) == 12 and all(r["status"] != "failed" for r in records)


def test_changed_config_is_refused_without_force(tmp_path, manager):
    run_eval(cfg(tmp_path, name="fixed"), manager=manager, log=lambda m: None)
    with pytest.raises(UsageError, match="different configuration.*max_new_tokens"):
        run_eval(cfg(tmp_path, name="fixed", max_new_tokens=7), manager=manager, log=lambda m: None)
    # operational settings (concurrency) are not a different configuration
    run_eval(cfg(tmp_path, name="fixed", judge_concurrency=2), manager=manager, log=lambda m: None)
    result = run_eval(
        cfg(tmp_path, name="fixed", max_new_tokens=7, force=True), manager=manager, log=lambda m: None
    )
    assert not result.resumed and result.status == "complete"


def test_repeats_limit_and_categories(tmp_path, manager):
    result = run_eval(
        cfg(tmp_path, name="rep", judge_repeats=2, categories=["qa", "math"], limit=5),
        manager=manager,
        log=lambda m: None,
    )
    records = lines(result.run_dir / "judgments.jsonl")
    assert len(records) == 10 and {r["repeat"] for r in records} == {0, 1}
    assert {r["category"] for r in records} == {"qa", "math"}
    with pytest.raises(UsageError, match="unknown categories"):
        run_eval(cfg(tmp_path, name="bad", categories=["nope"]), manager=manager, log=lambda m: None)


def test_unknown_option_for_component_is_usage_error(tmp_path, manager):
    with pytest.raises(UsageError, match="does not take the option 'tokenizer'"):
        run_eval(cfg(tmp_path, name="tok", tokenizer="x.model"), manager=manager, log=lambda m: None)


def test_rejudge_writes_a_new_file(tmp_path, manager):
    first = run_eval(cfg(tmp_path, name="rj"), manager=manager, log=lambda m: None)
    ScriptedJudge.calls = []
    path, judged = rejudge(first.run_dir, "scripted", manager=manager, log=lambda m: None)
    assert judged == 12 and path.name == "judgments-scripted.jsonl" and len(lines(path)) == 12
    # its scores and report sit beside the main judge's, named after it
    assert (first.run_dir / "scores-scripted.json").is_file() and (
        first.run_dir / "report-scripted.html"
    ).is_file()
    assert (first.run_dir / "scores.json").is_file()
    with pytest.raises(UsageError):
        rejudge(
            first.run_dir, "scripted", judgments_file="judgments.jsonl", manager=manager, log=lambda m: None
        )
