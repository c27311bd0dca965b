"""The main job end to end, offline: tiny-llama answers 20 real BELLE questions, the gpt35 judge
scores them through litellm's real HTTP path against the local OpenAI-compatible server.

Also: a run killed with SIGKILL in the middle of judging resumes and ends with every sample exactly
once, without the judge server seeing a second request for a sample that was already finished; and
the API key never lands in any file the run wrote.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

SECRET = "sk-test-DO-NOT-WRITE-ME-1234567890"
N = 20


def judge_reply(body: dict) -> str:
    # a deterministic, parseable verdict that depends on the request (so scores vary)
    text = body["messages"][-1]["content"]
    return f"得分: {(len(text) % 11) / 10:.1f}\n理由: 测试服务器的评分。"


def harness_cmd(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def base_env(harness_home: Path, server: ChatCompletionsServer) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "HARNESS_HOME": str(harness_home),
            "OPENAI_API_KEY": SECRET,
            "OPENAI_BASE_URL": server.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
        }
    )
    return env


def run_args(shared_data: Path, out: Path, **extra) -> list[str]:
    args = [
        "run",
        "--model",
        "tiny-llama",
        "--judge",
        "gpt35",
        "--dataset",
        "belle-eval",
        "--data-dir",
        str(shared_data / "belle"),
        "--limit",
        str(N),
        "--max-new-tokens",
        "12",
        "--greedy",
        "--out",
        str(out),
        "--no-progress",
    ]
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    return args


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.slow
def test_whole_pipeline_offline(tmp_path, shared_data, harness_home):
    with ChatCompletionsServer(reply=judge_reply, latency=0.01) as server:
        proc = run_harness(  # in-process: what only a process shows is tested on the killed run below
            run_args(shared_data, tmp_path / "runs", name="e2e"), env=base_env(harness_home, server)
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert server.n_requests == N
    run_dir = tmp_path / "runs" / "e2e"
    expected = {
        "run.json",
        "config.yaml",
        "generations.jsonl",
        "judgments.jsonl",
        "scores.json",
        "report.md",
        "scores.csv",
        "report.html",
    }
    assert expected <= {p.name for p in run_dir.iterdir()}

    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == "complete" and meta["model"] == "tiny-llama" and meta["judge"] == "gpt35"
    assert (
        meta["config"]["limit"] == N
        and meta["versions"]["torch"]
        and meta["versions"]["litellm"] == "1.106.2"
    )
    assert meta["seed"] == 42

    gens = read_lines(run_dir / "generations.jsonl")
    assert len(gens) == N and len({g["id"] for g in gens}) == N
    for g in gens:
        # tiny-llama is prompted in the format of BELLE's code at 958c91b (registry/templates)
        assert g["prompt"].startswith("<s>Human: ") and g["prompt"].endswith("\n Assistant: ")
        assert g["question"] in g["prompt"] and isinstance(g["answer"], str)

    judgments = read_lines(run_dir / "judgments.jsonl")
    assert sorted(j["id"] for j in judgments) == sorted(g["id"] for g in gens)
    for j in judgments:
        assert j["status"] == "scored" and 0.0 <= j["score"] <= 1.0 and j["raw"].startswith("得分")
        assert j["category"] in {g["category"] for g in gens}

    scores = json.loads((run_dir / "scores.json").read_text())
    for cat, entry in scores["categories"].items():
        assert {"mean", "n", "ci_low", "ci_high"} <= set(entry), cat
        assert entry["ci_low"] <= entry["mean"] <= entry["ci_high"]
    assert sum(e["n"] for e in scores["categories"].values()) == N
    assert "macro" in scores and "macro_wo_others" in scores
    assert "<svg" in (run_dir / "report.html").read_text(encoding="utf-8")

    # the API key is in the environment of the run, and in no file it wrote (cache included)
    for root in (run_dir, harness_home):
        for path in Path(root).rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.slow
def test_sigkill_during_judging_then_resume(tmp_path, shared_data, harness_home):
    out = tmp_path / "runs"
    args = run_args(shared_data, out, name="killed", judge_concurrency=2)
    with ChatCompletionsServer(reply=judge_reply, latency=0.25) as server:
        env = base_env(harness_home, server)
        env["HARNESS_HOME"] = str(tmp_path / "home-kill")  # a fresh judge cache: every verdict is a request
        (tmp_path / "home-kill").mkdir()
        (Path(harness_home) / "models").mkdir(exist_ok=True)
        # the tiny model is built once per session; reuse it through a link to the session's models
        (tmp_path / "home-kill" / "models").symlink_to(
            Path(harness_home) / "models", target_is_directory=True
        )
        proc = harness_cmd(args, env)
        judgments = out / "killed" / "judgments.jsonl"
        deadline = time.time() + 300
        while time.time() < deadline:
            if judgments.exists() and len(read_lines(judgments)) >= 6:
                break
            if proc.poll() is not None:
                pytest.fail(f"run ended before it could be killed:\n{proc.stdout.read()}")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        finished = {j["id"] for j in read_lines(judgments) if j["status"] == "scored"}
        assert 6 <= len(finished) < N, "killed in the middle of judging"
        seen_before = len(server.requests)

        resumed = run_harness(args, env=env)  # in-process: the killed run is the one that needs a process
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        requests = server.requests

    gens = {g["id"]: g for g in read_lines(out / "killed" / "generations.jsonl")}
    final = read_lines(judgments)
    assert len(final) == N and sorted(j["id"] for j in final) == sorted(gens), "every sample exactly once"
    # no request for an already-finished sample after the restart
    for sid in finished:
        question = gens[sid]["question"]
        after = [r for r in requests[seen_before:] if question in r["messages"][-1]["content"]]
        assert not after, f"finished sample {sid} was judged again"
    assert len(requests) - seen_before <= N - len(finished) + 2  # only the rest, plus what was in flight
