"""``harness run`` checks the judge and the model files before it generates anything (issue 16).

Through the real CLI in a subprocess, as a user meets it: a missing API key and a closed judge
port end the run with exit 2 and what to do, before a run directory exists (so nothing was
generated); the ``python -m harness.testing`` server passes the check (one ``GET /v1/models``, no
chat request); ``--no-preflight`` skips the check, so generation runs and the missing key only
surfaces at judging; a ``--model-path`` that is not a model, or whose tokenizer does not load, is
caught the same way.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness_cli import run_harness

BASE = [
    "run",
    "--model",
    "tiny-llama",
    "--dataset",
    "demo",
    "--limit",
    "1",
    "--max-new-tokens",
    "4",
    "--greedy",
    "--no-progress",
]


def _env(harness_home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HARNESS_PLUGINS"):
        env.pop(name, None)
    env.update(
        HARNESS_HOME=str(harness_home),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        COLUMNS="80",
        **extra,
    )
    return env


def _harness(args: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    proc = run_harness(args, env=env, cwd=cwd, timeout=600)
    return proc, time.monotonic() - started


def _flat(proc: subprocess.CompletedProcess) -> str:
    """stdout and stderr with rich's line wrapping undone."""
    return " ".join((proc.stdout + proc.stderr).split())


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on leaving: nothing listens there


def test_missing_api_key_fails_before_generating(tmp_path, harness_home):
    out = tmp_path / "runs"
    proc, seconds = _harness(
        [*BASE, "--judge", "gpt35", "--out", str(out), "--name", "r"], _env(harness_home), tmp_path
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = _flat(proc)
    assert "no API key: set OPENAI_API_KEY" in text and "--judge-api-base" in text
    assert "Traceback" not in text
    assert not (out / "r").exists()  # stopped before the run directory, so before any generation
    assert "generation:" not in proc.stdout
    assert seconds < 120, seconds  # import time only: nothing was loaded or generated


def test_unreachable_judge_endpoint_fails_naming_it(tmp_path, harness_home):
    out, url = tmp_path / "runs", f"http://127.0.0.1:{_closed_port()}/v1"
    proc, _ = _harness(
        [*BASE, "--judge", "gpt35", "--judge-api-base", url, "--out", str(out), "--name", "r"],
        _env(harness_home),
        tmp_path,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = _flat(proc)
    assert f"cannot reach {url}" in text and "--no-preflight" in text
    assert "Traceback" not in text
    assert not (out / "r").exists()


def test_the_test_server_passes_with_one_models_request(tmp_path, harness_home):
    env, out = _env(harness_home, OPENAI_API_KEY="sk-test-preflight-0123456789"), tmp_path / "runs"
    server = subprocess.Popen(
        [sys.executable, "-m", "harness.testing"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = server.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:"), (
            server.stderr.read() if server.poll() is not None else ""
        )
        proc, _ = _harness(
            [
                *BASE,
                "--judge",
                "gpt35",
                "--judge-api-base",
                base_url,
                "--no-cache",
                "--out",
                str(out),
                "--name",
                "ok",
            ],
            env,
            tmp_path,
        )
        import urllib.request

        stats = json.loads(
            urllib.request.urlopen(base_url.removesuffix("/v1") + "/_stats", timeout=10).read()
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "preflight: judge 'gpt35' answered" in proc.stdout
    assert "preflight: model 'tiny-llama': its files load" in proc.stdout
    assert stats["requests"] == 1  # the one judgment; the preflight's GET /v1/models is not a chat request
    judged = [
        json.loads(line) for line in (out / "ok" / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["status"] for r in judged] == ["scored"]


@pytest.mark.slow
def test_no_preflight_skips_the_check(tmp_path, harness_home):
    out = tmp_path / "runs"
    proc, _ = _harness(
        [*BASE, "--judge", "gpt35", "--no-preflight", "--out", str(out), "--name", "r"],
        _env(harness_home),
        tmp_path,
    )
    # unchecked, the run generates first and meets the missing key only when it judges
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "preflight:" not in proc.stdout
    assert "no API key: set OPENAI_API_KEY" in _flat(proc)
    assert len((out / "r" / "generations.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_model_path_that_is_not_a_model(tmp_path, harness_home):
    out, empty = tmp_path / "runs", tmp_path / "not-a-model"
    empty.mkdir()
    proc, _ = _harness(
        [*BASE, "--judge", "ref-f1", "--model-path", str(empty), "--out", str(out), "--name", "r"],
        _env(harness_home),
        tmp_path,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "is not a Hugging Face model directory (no config.json)" in _flat(proc)
    assert not (out / "r").exists()


def test_model_whose_tokenizer_does_not_load(tmp_path, harness_home):
    out, broken = tmp_path / "runs", tmp_path / "no-tokenizer"
    broken.mkdir()
    (broken / "config.json").write_text(
        json.dumps({"model_type": "llama", "vocab_size": 32}), encoding="utf-8"
    )
    (broken / "tokenizer_config.json").write_text("{ not json", encoding="utf-8")
    proc, _ = _harness(
        [*BASE, "--judge", "ref-f1", "--model-path", str(broken), "--out", str(out), "--name", "r"],
        _env(harness_home),
        tmp_path,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = _flat(proc)
    assert f"the tokenizer at {broken} does not load" in text and "--tokenizer" in text
    assert "Traceback" not in text
    assert not (out / "r").exists()
