"""``--judge-batch`` through the CLI against the test server's Batch API (issue 27, section 2).

The batch is recorded in run.json as soon as it is created; a run killed right after polls the same
batch when started again, and every result is written as a judgment exactly once. An expired batch
has its unanswered requests sent as ordinary ones; a failed batch is exit 1 with the (scrubbed)
reason and the run resumes with a new batch; ``--judge-batch-wait`` ends a run ``waiting``.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

import harness.judging.batch_judge as batch_judge
from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

KEY = "sk-batch-secret-1234567890"
N = 4


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(batch_judge, "POLL_FIRST", 0.01)
    monkeypatch.setattr(batch_judge, "POLL_MAX", 0.02)


@pytest.fixture
def gen():
    with ChatCompletionsServer(reply="这是模型的回答。") as server:
        yield server


def harness(tmp_path, gen, judge, *extra, name="b"):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(
        {
            "HARNESS_HOME": str(tmp_path / "home"),
            "OPENAI_API_KEY": KEY,
            "COLUMNS": "80",
            "OPENAI_BASE_URL": gen.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
    )
    args = [
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        "demo",
        "--limit",
        str(N),
        "--out",
        str(tmp_path / "runs"),
        "--name",
        name,
        "--no-progress",
        "--judge-api-base",
        judge.base_url,
        "--judge-batch",
        *extra,
    ]
    return run_harness(args, env=env, timeout=240)


def judgments(tmp_path, name="b"):
    path = tmp_path / "runs" / name / "judgments.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_json(tmp_path, name="b"):
    return json.loads((tmp_path / "runs" / name / "run.json").read_text(encoding="utf-8"))


def test_a_batch_run_sends_no_chat_completion_and_prices_at_the_batch_price(tmp_path, gen):
    with ChatCompletionsServer(model_name="gpt-3.5-turbo-0125") as judge:
        result = harness(tmp_path, gen, judge)
        assert result.returncode == 0, result.stdout + result.stderr
        assert judge.n_requests == 0  # preflight and judging: no chat completion at all
        assert judge.batch.batches_created == 1
    records = judgments(tmp_path)
    assert len(records) == N and all(r["status"] == "scored" for r in records)
    assert {r["meta"]["batch_id"] for r in records} == {"batch_1"}
    from harness.api.cost import token_cost

    for r in records:  # litellm's *_batches price for the model the results name: half the chat price
        full = token_cost(["gpt-3.5-turbo-0125"], r["meta"]["prompt_tokens"], r["meta"]["completion_tokens"])
        assert r["meta"]["cost"] == pytest.approx(full / 2)
    assert "batch batch_1 created" in result.stdout and "in_progress" in result.stdout
    assert "judge_batches" not in run_json(tmp_path) or not run_json(tmp_path)["judge_batches"]
    assert run_json(tmp_path)["judge_stats"]["batch"] == {
        "id": "batch_1",
        "status": "completed",
        "requests": N,
        "answered": N,
    }


def test_a_run_killed_after_creating_the_batch_polls_the_same_batch(tmp_path, gen, monkeypatch):
    real = batch_judge._Poller.final

    async def killed(self):
        raise KeyboardInterrupt  # the process ends right after the batch was created and recorded

    with ChatCompletionsServer() as judge:
        monkeypatch.setattr(batch_judge._Poller, "final", killed)
        first = harness(tmp_path, gen, judge)
        assert first.returncode == 130, first.stdout + first.stderr
        meta = run_json(tmp_path)
        assert meta["status"] == "interrupted"
        record = meta["judge_batches"]["judgments.jsonl"]
        assert record["id"] == "batch_1" and record["requests"] == N and record["input_file_id"] == "file-1"
        assert not (tmp_path / "runs" / "b" / "judgments.jsonl").exists() or not judgments(tmp_path)
        listed = run_harness(["runs", str(tmp_path / "runs")], env={**os.environ, "COLUMNS": "80"})
        assert "waiting on batch batch_1" in listed.stdout, listed.stdout
        monkeypatch.setattr(batch_judge._Poller, "final", real)
        again = harness(tmp_path, gen, judge)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "polling batch batch_1" in again.stdout
        assert judge.batch.batches_created == 1 and judge.n_requests == 0
    records = judgments(tmp_path)
    assert Counter(r["id"] for r in records) == Counter({r["id"]: 1 for r in records}) and len(records) == N
    assert not run_json(tmp_path).get("judge_batches")


def test_batch_wait_ends_the_run_waiting_and_the_same_command_finishes_it(tmp_path, gen):
    with ChatCompletionsServer(batch_polls=10_000) as judge:
        first = harness(tmp_path, gen, judge, "--judge-batch-wait", "0.05")
        assert first.returncode == 1, first.stdout + first.stderr
        assert "still in_progress" in first.stderr and "run the same command again" in first.stderr
        assert run_json(tmp_path)["status"] == "waiting"
        listed = run_harness(["runs", str(tmp_path / "runs")], env={**os.environ, "COLUMNS": "80"})
        assert "waiting" in listed.stdout and "batch_1" in listed.stdout, listed.stdout
        judge.batch.polls = 0
        again = harness(tmp_path, gen, judge)
        assert again.returncode == 0, again.stdout + again.stderr
        assert judge.batch.batches_created == 1
    assert len(judgments(tmp_path)) == N


def test_an_expired_batch_sends_its_unanswered_requests_as_ordinary_ones(tmp_path, gen):
    with ChatCompletionsServer(batch_outcome="expired") as judge:
        result = harness(tmp_path, gen, judge)
        assert result.returncode == 0, result.stdout + result.stderr
        assert judge.n_requests == N // 2  # the unanswered half, as chat completions
        assert judge.batch.batches_created == 1
    assert f"{N - N // 2} of {N} requests of batch batch_1 got no answer (expired)" in result.stdout
    records = judgments(tmp_path)
    assert len(records) == N and all(r["status"] == "scored" for r in records)
    assert sum("batch_id" in r["meta"] for r in records) == N // 2


def test_a_failed_batch_is_exit_1_with_the_scrubbed_reason_and_resumes(tmp_path, gen):
    with ChatCompletionsServer(
        batch_outcome="failed", error_message=f"quota exceeded for key {KEY}"
    ) as judge:
        first = harness(tmp_path, gen, judge)
        assert first.returncode == 1, first.stdout + first.stderr
        assert "batch batch_1 failed: quota exceeded" in first.stderr
        assert KEY not in first.stdout + first.stderr
        assert KEY not in (tmp_path / "runs" / "b" / "run.json").read_text(encoding="utf-8")
        assert not run_json(tmp_path).get("judge_batches")
        judge.batch.outcome = "completed"
        again = harness(tmp_path, gen, judge)
        assert again.returncode == 0, again.stdout + again.stderr
        assert judge.batch.batches_created == 2
    assert len(judgments(tmp_path)) == N


def test_max_cost_is_checked_before_the_batch_is_sent(tmp_path, gen):
    with ChatCompletionsServer() as judge:
        result = harness(tmp_path, gen, judge, "--max-cost", "0.0000001")
        assert result.returncode == 2, result.stdout + result.stderr
        assert "over --max-cost" in result.stderr and "Traceback" not in result.stderr
        assert judge.batch.batches_created == 0 and judge.n_requests == 0


def test_the_answering_model_from_a_batch_is_scrubbed(tmp_path, gen):
    with ChatCompletionsServer(model_name=f"model-{KEY}") as judge:
        result = harness(tmp_path, gen, judge)
        assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "runs" / "b" / "judgments.jsonl").read_text(encoding="utf-8")
    assert KEY not in text and KEY not in result.stdout + result.stderr
    assert all(r["meta"]["cost"] is None for r in judgments(tmp_path))  # no price for that model: unpriced


def test_judge_batch_in_a_config_file_and_harness_judge_batches_too(tmp_path, gen):
    config = tmp_path / "run.yaml"
    config.write_text("judge_batch: true\njudge_batch_wait: 60\n", encoding="utf-8")
    with ChatCompletionsServer() as judge:
        first = harness(tmp_path, gen, judge, "--config", str(config))
        assert first.returncode == 0, first.stdout + first.stderr
        assert run_json(tmp_path)["config"]["judge_batch"] is True
        env = {
            **os.environ,
            "HARNESS_HOME": str(tmp_path / "home"),
            "OPENAI_API_KEY": KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        again = run_harness(
            [
                "judge",
                str(tmp_path / "runs" / "b"),
                "--judge",
                "gpt35",
                "--judgments-file",
                "judgments-again.jsonl",
                "--judge-api-base",
                judge.base_url,
                "--no-cache",
                "--judge-batch",
            ],
            env=env,
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert judge.batch.batches_created == 2 and judge.n_requests == 0
    lines = (tmp_path / "runs" / "b" / "judgments-again.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["meta"]["batch_id"] for x in lines] == ["batch_2"] * N


def test_a_judge_model_litellm_routes_is_refused_before_generating(tmp_path, gen):
    with ChatCompletionsServer() as judge:
        result = harness(tmp_path, gen, judge, "--judge-model", "o3-mini")
        assert result.returncode == 2, result.stdout + result.stderr
        assert "--judge-batch needs an OpenAI-compatible endpoint" in result.stderr
        assert "Traceback" not in result.stderr and gen.n_requests == 0
        assert judge.batch.batches_created == 0 and judge.n_requests == 0


def test_a_recorded_batch_is_polled_only_where_it_was_sent(tmp_path, gen, monkeypatch):
    real = batch_judge._Poller.final

    async def killed(self):
        raise KeyboardInterrupt

    with ChatCompletionsServer() as judge, ChatCompletionsServer() as other:
        monkeypatch.setattr(batch_judge._Poller, "final", killed)
        assert harness(tmp_path, gen, judge).returncode == 130
        monkeypatch.setattr(batch_judge._Poller, "final", real)
        elsewhere = harness(tmp_path, gen, other)
        assert elsewhere.returncode == 2, elsewhere.stdout + elsewhere.stderr
        assert f"was sent to {judge.base_url}" in elsewhere.stderr and "Traceback" not in elsewhere.stderr
        assert other.batch.batches_created == 0 and other.n_requests == 0
        assert run_json(tmp_path)["judge_batches"]["judgments.jsonl"]["id"] == "batch_1"


def test_preflight_of_a_server_without_a_batch_api_is_exit_2_before_generating(tmp_path, gen):
    with ChatCompletionsServer() as judge:

        class NoBatches:  # the same server under a path where it serves nothing
            base_url = judge.base_url.removesuffix("/v1") + "/no-batches"

        result = harness(tmp_path, gen, NoBatches)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "has no Batch API" in result.stderr and "Traceback" not in result.stderr
        assert gen.n_requests == 0 and judge.n_requests == 0


def test_more_requests_than_one_batch_takes_is_exit_2_before_sending(tmp_path, gen, monkeypatch):
    import harness.api.batch as batch_api

    monkeypatch.setattr(batch_api, "MAX_REQUESTS", N - 1)  # OpenAI's limit is 50,000
    with ChatCompletionsServer() as judge:
        result = harness(tmp_path, gen, judge)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"{N} judge requests" in result.stderr and "over one batch's limits" in result.stderr
        assert judge.batch.batches_created == 0 and not judge.batch.files


def test_a_few_failed_polls_are_waited_out_and_many_end_the_run_resumably(tmp_path, gen):
    with ChatCompletionsServer() as judge:
        judge.batch.failing_polls = batch_judge.POLL_FAILURES
        first = harness(tmp_path, gen, judge)
        assert first.returncode == 1, first.stdout + first.stderr
        assert "polling batch batch_1 failed" in first.stderr and "HTTP 500" in first.stderr
        assert run_json(tmp_path)["judge_batches"]["judgments.jsonl"]["id"] == "batch_1"
        judge.batch.failing_polls = batch_judge.POLL_FAILURES - 1
        again = harness(tmp_path, gen, judge)
        assert again.returncode == 0, again.stdout + again.stderr
        assert judge.batch.batches_created == 1 and judge.n_requests == 0
    assert len(judgments(tmp_path)) == N
