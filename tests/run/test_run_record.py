"""``run.json`` as a typed record (:mod:`harness.runs.run_record`): what the pipeline writes reads
back with every key kept, in order; a run.json as older versions wrote it still reads; a damaged
one is a usage error naming file and line."""

from __future__ import annotations

import json

import pytest

from harness.errors import UsageError
from harness.report.rundir import read_run_dir
from harness.runs.pipeline import run_eval
from harness.runs.run_record import RunRecord
from harness.runs.rundir import read_run_record

from .test_pipeline import cfg


def test_the_record_of_a_pipeline_run_json_gives_back_its_bytes(tmp_path, manager):
    run_dir = run_eval(cfg(tmp_path, name="r1"), manager=manager, log=lambda m: None).run_dir
    text = (run_dir / "run.json").read_text(encoding="utf-8")
    record = read_run_record(run_dir)
    assert json.dumps(record.to_dict(), ensure_ascii=False, indent=2) + "\n" == text
    assert (record.name, record.model, record.dataset, record.judge) == (
        "r1",
        "echo-model",
        "list-eval",
        "scripted",
    )
    assert record.status == "complete" and record.seed == 42 and record.fingerprint
    assert record.setting("judge") == "scripted" and record.created_at and record.updated_at
    assert read_run_dir(run_dir).record == record  # reports read the same record


def test_an_old_run_json_reads_with_its_fields_absent():
    old = {"name": "old", "model": {"name": "tiny-llama", "path": "x"}, "judge": "ref-f1", "temperature": 0.7}
    record = RunRecord.from_dict(old)
    assert record.model == "tiny-llama" and record.status is None and record.seed is None
    assert record.config == old  # before run.json had a config section, the settings were top level
    assert record.setting("temperature") == 0.7 and record.max_new_tokens is None
    assert record.to_dict() == old and list(record.updated({"status": "x"}).to_dict()) == [*old, "status"]


def test_fields_of_an_unexpected_type_are_not_trusted():
    record = RunRecord.from_dict({"seed": True, "status": 3, "max_new_tokens": {"value": "9"}, "config": [1]})
    assert record.seed is None and record.status is None and record.max_new_tokens is None
    assert record.config == record.to_dict()
    assert RunRecord.from_dict({"max_new_tokens": {"value": 512, "source": "dataset"}}).max_new_tokens == 512


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"name": "x",\n "model": ', r"run\.json:2: invalid JSON"),
        ("[]", r"run\.json:1: expected a JSON object"),
    ],
    ids=["cut-short", "not-an-object"],
)
def test_a_damaged_run_json_is_a_usage_error_naming_it(tmp_path, text, said):
    (tmp_path / "run.json").write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=said):
        read_run_record(tmp_path)
