"""`harness experiment --executor local`: each row a submitit job, the same scores as in process.

The jobs run through submitit's local executor (a real subprocess per row, as a Slurm job would be);
the rows are evaluation-only (a ``litellm:`` model answered by the local test server, the offline
``ref-f1`` judge), so the grid takes seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer

CONFIG = """name: {name}
eval:
  model: {model}
  dataset: demo
  limit: 4
  judge: ref-f1
"""


@pytest.fixture(scope="module")
def gen_server():
    with ChatCompletionsServer(reply="答案是北京。", model_name="gen-model") as server:
        yield server


def grid(tmp_path: Path, **rows: str) -> Path:
    folder = tmp_path / "grid"
    folder.mkdir(exist_ok=True)
    for name, model in rows.items():
        (folder / f"{name}.yaml").write_text(CONFIG.format(name=name, model=model), encoding="utf-8")
    return folder


def run(cli, gen_server, tmp_path: Path, *args: str):
    env = {
        "HARNESS_HOME": str(tmp_path / "home"),
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": gen_server.base_url,
        "COLUMNS": "80",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    return cli("experiment", *args, "--no-progress", env=env)


def scores_of(out: Path) -> dict:
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {r["name"]: (r["eval"], r["macro"], r["macro_wo_others"]) for r in rows}


@pytest.mark.slow
def test_local_jobs_score_as_in_process_and_are_skipped_when_done(cli, gen_server, tmp_path):
    folder = grid(tmp_path, row_a="litellm:gen-model", row_b="litellm:gen-model")
    here = run(cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "in-process"))
    assert here.returncode == 0, here.stdout + here.stderr
    jobs = run(cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "jobs"), "--executor", "local")
    assert jobs.returncode == 0, jobs.stdout + jobs.stderr
    assert jobs.stdout.count("submitted job") == 2
    assert scores_of(tmp_path / "jobs") == scores_of(tmp_path / "in-process")
    assert all(v[0] == "complete" for v in scores_of(tmp_path / "jobs").values())
    for name in ("row_a", "row_b"):
        record = json.loads((tmp_path / "jobs" / name / "job.json").read_text())
        assert record["executor"] == "local" and record["state"] == "COMPLETED"
        assert (
            Path(record["stdout"]).is_file()
            and (tmp_path / "jobs" / "submitit") in Path(record["stdout"]).parents
        )
        assert record["job_id"] in jobs.stdout
    status = run(cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "jobs"), "--status")
    assert status.returncode == 0 and status.stdout.count("COMPLETED") == 2
    again = run(
        cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "jobs"), "--executor", "local"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("finished: skipped") == 2 and "submitted job" not in again.stdout
    assert scores_of(tmp_path / "jobs") == scores_of(tmp_path / "in-process")


@pytest.mark.slow
def test_a_failed_job_prints_its_error_and_log(cli, gen_server, tmp_path):
    folder = grid(tmp_path, broken=f"hf:{tmp_path / 'no-such-model'}")
    result = run(
        cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "jobs"), "--executor", "local"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    record = json.loads((tmp_path / "jobs" / "broken" / "job.json").read_text())
    assert record["state"] == "FAILED"
    assert f"job {record['job_id']} failed" in " ".join(result.stdout.split())
    assert "log:" in result.stdout and "Traceback" not in result.stdout + result.stderr


def test_status_before_any_job_and_a_bad_executor(cli, gen_server, tmp_path):
    folder = grid(tmp_path, row_a="litellm:gen-model")
    status = run(cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "jobs"), "--status")
    assert status.returncode == 0 and "not submitted" in status.stdout
    bad = run(cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "jobs"), "--executor", "pbs")
    assert bad.returncode == 2 and "slurm" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "jobs" / "row_a" / "job.json").exists()
    assert os.path.isdir(folder)


def test_a_row_never_runs_twice_at_once(tmp_path):
    import fcntl

    from harness.cluster import LOCK_FILE, run_row

    config = grid(tmp_path, row_a="litellm:gen-model") / "row_a.yaml"
    (tmp_path / "jobs" / "row_a").mkdir(parents=True)
    with open(tmp_path / "jobs" / "row_a" / LOCK_FILE, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a job already running this row
        with pytest.raises(RuntimeError, match="another job is running this row"):
            run_row(str(config), str(tmp_path / "jobs"), {}, {})


@pytest.mark.parametrize(
    ("slurm", "message"),
    [
        ("slurm: {gpus: lots}\n", "'lots' is not a whole number"),
        ("slurm: {gpu: 8}\n", "unknown slurm setting(s) gpu"),
        ("slurm: {nodes: 2}\n", "a row's job runs on one node"),
    ],
)
def test_bad_slurm_settings_in_a_config_are_refused(cli, gen_server, tmp_path, slurm, message):
    folder = grid(tmp_path, row_a="litellm:gen-model")
    config = folder / "row_a.yaml"
    config.write_text(config.read_text(encoding="utf-8") + slurm, encoding="utf-8")
    result = run(
        cli, gen_server, tmp_path, str(folder), "--out", str(tmp_path / "jobs"), "--executor", "local"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split()) and "row_a.yaml" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "jobs" / "row_a" / "job.json").exists()
