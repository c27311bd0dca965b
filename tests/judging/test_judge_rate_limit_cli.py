"""`harness run` against a rate-limited judge (harness.testing --rpm): paced from the headers, few 429s.

Without pacing, ``--judge-concurrency`` requests go out at once and the server refuses most of them;
paced (the default, ``--judge-pacing auto``), the judge starts small, waits out ``Retry-After`` and
spaces its starts at the rate the ``x-ratelimit-*`` headers show.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

N = 10


def harness(
    tmp_path: Path, gen_url: str, judge_url: str, name: str, *extra: str
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        {
            "HARNESS_HOME": str(tmp_path / "home"),
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": gen_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "80",
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
        "--judge",
        "gpt35",
        "--judge-api-base",
        judge_url,
        "--judge-concurrency",
        "16",
        "--out",
        str(tmp_path / "runs"),
        "--name",
        name,
        "--no-progress",
        "--no-cache",
        *extra,
    ]
    return run_harness(args, env=env, timeout=240)


@pytest.fixture(scope="module")
def gen_server():
    with ChatCompletionsServer(reply="这是模型的回答。", model_name="gen-model") as server:
        yield server


def judge_server() -> ChatCompletionsServer:
    # 20 a second, empty at the first request: a burst of 16 is mostly refused
    return ChatCompletionsServer(rpm=1200, bucket_fill=0, latency=0.05)


def test_paced_judge_keeps_under_the_limit(tmp_path, gen_server):
    with judge_server() as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "paced")
        counts = judge.counts
    assert result.returncode == 0, result.stdout + result.stderr
    assert counts["ok"] == N
    assert counts.get("rate_limited", 0) <= 2, counts  # the empty bucket's first answer, at most one more


def test_pacing_off_bursts_into_429s(tmp_path, gen_server):
    with judge_server() as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "unpaced", "--judge-pacing", "off")
        counts = judge.counts
    # the same run, unpaced: most of the burst is refused, and judgments fail once retries run out
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert counts["rate_limited"] >= N // 2, counts


def test_pacing_off_in_a_config_file(tmp_path, gen_server):
    config = tmp_path / "run.yaml"
    config.write_text("judge_pacing: off\n", encoding="utf-8")  # YAML's false: the mode is meant
    with judge_server() as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "yaml-off", "--config", str(config))
        counts = judge.counts
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert counts["rate_limited"] >= N // 2, counts


def test_bad_pacing_values_are_refused(tmp_path, gen_server):
    config = tmp_path / "run.yaml"
    config.write_text("judge_pacing: sometimes\n", encoding="utf-8")
    with judge_server() as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "bad", "--config", str(config))
        assert judge.n_requests == 0
    assert result.returncode == 2, result.stdout + result.stderr
    assert "judge_pacing" in result.stderr and "Traceback" not in result.stderr
    result = harness(
        tmp_path, gen_server.base_url, "http://127.0.0.1:9/v1", "bad2", "--judge-pacing", "often"
    )
    assert result.returncode == 2 and "pacing" in result.stderr and "Traceback" not in result.stderr
