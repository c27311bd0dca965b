"""Issue 26 section 5: ``harness judge-check RUN`` asks the judge again for a seeded sample.

Through the CLI against ``harness.testing`` servers with scripted judges: the same judge agrees
with itself; a judge that now scores otherwise, behind a new fingerprint, is shown to disagree
and to have moved; nothing in the run directory changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

N = 8


def _env(home: Path, gen: ChatCompletionsServer) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        {
            "HARNESS_HOME": str(home),
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": gen.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "80",
        }
    )
    return env


def scores_by_question(body: dict) -> str:
    """A deterministic judge: the score depends on the prompt (so items differ)."""
    digest = hashlib.sha256(json.dumps(body["messages"], ensure_ascii=False).encode()).digest()
    return f"得分: {digest[0] % 11 / 10:.1f}\n理由: 按题目打分。"


def _digest(run_dir: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(run_dir.iterdir()) if p.is_file()
    }


@pytest.fixture
def judged_run(tmp_path):
    with ChatCompletionsServer(reply="这是模型的回答。") as gen:
        env = _env(tmp_path / "home", gen)
        with ChatCompletionsServer(scores_by_question, fingerprint="fp_a") as judge:
            out = tmp_path / "runs"
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
                judge.base_url,
                "--out",
                str(out),
                "--name",
                "a",
                "--no-progress",
            ]
            result = run_harness(args, env=env, timeout=240)
            assert result.returncode == 0, result.stdout + result.stderr
        yield out / "a", env


def test_the_same_judge_agrees_with_itself_and_did_not_move(judged_run):
    run_dir, env = judged_run
    before = _digest(run_dir)
    with ChatCompletionsServer(scores_by_question, fingerprint="fp_a") as judge:
        result = run_harness(
            ["judge-check", str(run_dir), "--n", "5", "--judge-api-base", judge.base_url, "--json"],
            env=env,
            timeout=240,
        )
        asked = judge.n_requests
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert asked == 5  # never answered from the cache: the judge was really asked
    assert report["sampled"] == 5 and report["rescored"] == 5
    assert report["measures"]["exact"]["value"] == 1.0 and report["measures"]["exact"]["n"] == 5
    assert report["drift"]["fingerprints"]["moved"] is False
    assert _digest(run_dir) == before  # nothing in the run was written


def test_a_changed_judge_disagrees_and_is_said_to_have_moved(judged_run):
    run_dir, env = judged_run
    before = _digest(run_dir)
    with ChatCompletionsServer(score="0", fingerprint="fp_b", model_name="gpt-3.5-turbo-1106") as judge:
        result = run_harness(
            ["judge-check", str(run_dir), "--judge-api-base", judge.base_url], env=env, timeout=240
        )
    assert result.returncode == 0, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert f"{N} of {N} items scored again" in text  # --n 50 on a run of 8: all of them
    assert "system_fingerprint: MOVED (then: fp_a; now: fp_b)" in text
    assert "answering model: MOVED" in text and "gpt-3.5-turbo-1106" in text
    assert "exact agreement" in text and "within 0.1 (1 point)" in text  # BELLE's 0..1: a point is 0.1
    assert _digest(run_dir) == before


def test_the_sample_is_fixed_by_the_seed(judged_run):
    run_dir, env = judged_run
    picked = []
    for seed in ("1", "1", "2"):
        with ChatCompletionsServer(scores_by_question, fingerprint="fp_a", keep_requests=None) as judge:
            result = run_harness(
                [
                    "judge-check",
                    str(run_dir),
                    "--n",
                    "3",
                    "--seed",
                    seed,
                    "--judge-api-base",
                    judge.base_url,
                    "--json",
                ],
                env=env,
                timeout=240,
            )
            assert result.returncode == 0, result.stderr
            picked.append(sorted(json.dumps(b["messages"]) for b in judge.requests))
    assert picked[0] == picked[1] and picked[0] != picked[2]


def test_a_judgments_path_outside_the_run_is_exit_2(judged_run):
    run_dir, env = judged_run
    result = run_harness(["judge-check", str(run_dir), "--judgments", "../x.jsonl"], env=env, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_jury_run_is_checked_one_juror_at_a_time(tmp_path):
    from tests.run.test_jury import by_model

    with ChatCompletionsServer(reply="这是模型的回答。") as gen:
        env = _env(tmp_path / "home", gen)
        with ChatCompletionsServer(by_model, echo_model=True, keep_requests=None) as judge:
            out = tmp_path / "runs"
            args = [
                "run",
                "--model",
                "litellm:gen-model",
                "--dataset",
                "demo",
                "--limit",
                "4",
                "--judge",
                "gpt35",
                "--judge-api-base",
                judge.base_url,
                "--judge-model",
                "judge-a,judge-b",
                "--out",
                str(out),
                "--name",
                "a",
                "--no-progress",
            ]
            assert run_harness(args, env=env, timeout=240).returncode == 0
            refused = run_harness(["judge-check", str(out / "a")], env=env, timeout=60)
            assert refused.returncode == 2 and "--judge-model" in refused.stderr
            before = judge.n_requests
            checked = run_harness(
                ["judge-check", str(out / "a"), "--judge-model", "judge-b", "--json"], env=env, timeout=240
            )
            bodies = judge.requests[before:]
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["sampled"] == 4 and report["measures"]["exact"]["value"] == 1.0
    assert {b["model"] for b in bodies} == {"judge-b"}


@pytest.mark.parametrize("content", ['{"config": 5}', '{"config": {"judge_repeats": "many"}}', "[]"])
def test_a_damaged_run_json_is_exit_2_naming_it(tmp_path, content):
    (tmp_path / "run.json").write_text(content, encoding="utf-8")
    result = run_harness(
        ["judge-check", str(tmp_path)], env={**os.environ, "HARNESS_HOME": str(tmp_path / "h")}, timeout=60
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "run.json" in result.stderr


def test_an_answer_missing_from_the_run_is_exit_2(judged_run):
    run_dir, env = judged_run
    path = run_dir / "generations.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        del record["question"]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = run_harness(
        ["judge-check", str(run_dir), "--judge-api-base", "http://127.0.0.1:9/v1"], env=env, timeout=60
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "generations.jsonl" in result.stderr
