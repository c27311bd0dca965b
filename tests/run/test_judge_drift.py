"""Issue 26 section 5: the judge behind a name changes.

Through the CLI against ``harness.testing`` servers: a judge server that sends a
``system_fingerprint`` and changes it after N requests. Every judgment records what answered it;
``run.json`` counts judgments per answering model and per fingerprint and the run's summary names
the old and new value; ``compare`` of runs judged by different backends says so beside the deltas.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from harness.testing.server_cli import main as server_main
from tests.harness_cli import run_harness
from tests.run.conftest import lines

SECRET = "sk-test-secret-drift"
N = 6


def _env(home: Path, gen: ChatCompletionsServer) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        {
            "HARNESS_HOME": str(home),
            "OPENAI_API_KEY": SECRET,
            "OPENAI_BASE_URL": gen.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "80",
        }
    )
    return env


def run_args(out: Path, name: str, judge_base: str, *extra: str) -> list[str]:
    return [
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
        judge_base,
        "--judge-concurrency",
        "1",
        "--out",
        str(out),
        "--name",
        name,
        "--no-progress",
        *extra,
    ]


def test_fingerprint_change_mid_run_is_recorded_counted_and_named(tmp_path, gen_server):
    with ChatCompletionsServer(fingerprint="fp_a", fingerprint_after=(2, "fp_b")) as judge:
        result = run_harness(
            run_args(tmp_path / "runs", "a", judge.base_url),
            env=_env(tmp_path / "home", gen_server),
            timeout=240,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    run_dir = tmp_path / "runs" / "a"
    judgments = lines(run_dir / "judgments.jsonl")
    assert [j["meta"]["system_fingerprint"] for j in judgments] == ["fp_a"] * 2 + ["fp_b"] * (N - 2)
    assert {j["meta"]["answering_model"] for j in judgments} == {"gpt-3.5-turbo-0125"}
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert meta["fingerprints"] == {"fp_a": 2, "fp_b": N - 2}
    assert meta["answering_models"] == {"gpt-3.5-turbo-0125": N}
    assert meta["judge_drift"]["n_changes"] == 1
    assert "changed from 'fp_a' to 'fp_b' after 2 judgments" in " ".join(result.stdout.split())


def test_steady_judge_names_no_change(tmp_path, gen_server):
    with ChatCompletionsServer(fingerprint="fp_a") as judge:
        result = run_harness(
            run_args(tmp_path / "runs", "a", judge.base_url),
            env=_env(tmp_path / "home", gen_server),
            timeout=240,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    meta = json.loads((tmp_path / "runs" / "a" / "run.json").read_text(encoding="utf-8"))
    assert meta["fingerprints"] == {"fp_a": N} and meta["judge_drift"]["n_changes"] == 0
    assert "judge drift" not in result.stdout


def test_hostile_fingerprint_is_scrubbed_and_capped(tmp_path, gen_server):
    hostile = f"fp-{SECRET}-" + "x" * 5000
    with ChatCompletionsServer(fingerprint=hostile, model_name=f"model-{SECRET}") as judge:
        result = run_harness(
            run_args(tmp_path / "runs", "a", judge.base_url),
            env=_env(tmp_path / "home", gen_server),
            timeout=240,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    for path in (tmp_path / "runs").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path
    assert SECRET not in result.stdout + result.stderr
    judgments = lines(tmp_path / "runs" / "a" / "judgments.jsonl")
    assert all(len(j["meta"]["system_fingerprint"]) <= 200 for j in judgments)


def test_compare_says_when_runs_were_judged_by_different_backends(tmp_path, gen_server):
    env = _env(tmp_path / "home", gen_server)
    out = tmp_path / "runs"
    with ChatCompletionsServer(fingerprint="fp_a") as judge:
        first = run_harness(run_args(out, "a", judge.base_url), env=env, timeout=240)
    with ChatCompletionsServer(fingerprint="fp_b", model_name="gpt-3.5-turbo-1106") as judge:
        second = run_harness(run_args(out, "b", judge.base_url, "--no-cache"), env=env, timeout=240)
    assert first.returncode == 0 and second.returncode == 0, first.stdout + second.stdout + second.stderr
    shown = run_harness(["compare", str(out / "a"), str(out / "b")], env=env, timeout=240)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    text = " ".join(shown.stdout.split())
    assert "judged by different answering models" in text and "gpt-3.5-turbo-1106" in text
    assert "different system_fingerprints" in text and "fp_b" in text
    as_json = run_harness(["compare", str(out / "a"), str(out / "b"), "--json"], env=env, timeout=240)
    judge_note = json.loads(as_json.stdout)["comparisons"][0]["judge_differs"]
    assert judge_note["answering_models"] == {"a": {"gpt-3.5-turbo-0125": N}, "b": {"gpt-3.5-turbo-1106": N}}
    assert judge_note["fingerprints"] == {"a": {"fp_a": N}, "b": {"fp_b": N}}


def test_compare_of_runs_by_the_same_backend_says_nothing(tmp_path, gen_server):
    env = _env(tmp_path / "home", gen_server)
    out = tmp_path / "runs"
    with ChatCompletionsServer(fingerprint="fp_a") as judge:
        for name in ("a", "b"):
            assert run_harness(run_args(out, name, judge.base_url), env=env, timeout=240).returncode == 0
    shown = run_harness(["compare", str(out / "a"), str(out / "b")], env=env, timeout=240)
    assert shown.returncode == 0 and "judged by different" not in shown.stdout


def test_server_option_rejects_a_bad_count(capsys):
    with pytest.raises(SystemExit) as exit_info:
        server_main(["--fingerprint", "fp_a", "--fingerprint-after", "many", "fp_b"])
    assert exit_info.value.code == 2 and "N must be a whole number" in capsys.readouterr().err


def test_server_changes_fingerprint_after_n_and_echoes_the_model():
    import urllib.request

    def ask(base: str, model: str) -> dict:
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode()
        request = urllib.request.Request(
            base + "/chat/completions", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    with ChatCompletionsServer(fingerprint="fp_a", fingerprint_after=(1, "fp_b"), echo_model=True) as server:
        replies = [ask(server.base_url, m) for m in ("judge-a", "judge-b")]
    assert [r["system_fingerprint"] for r in replies] == ["fp_a", "fp_b"]
    assert [r["model"] for r in replies] == ["judge-a", "judge-b"]
