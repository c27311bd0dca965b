"""The issue's done-when check: SFT through the DeepSpeed engine (ZeRO-2) on CPU, and kill-and-resume.

``harness train --model tiny-llama --data "zh(alpaca-3.5&4)" --max-steps 20`` on the real data in
``../shared/data``, with a learning rate high enough (1e-3) for a falling loss to show in 20 steps.
A second run of the same command, a real process, is SIGKILLed right after its step-5 checkpoint
and continued with ``--resume`` (in the test's process: only what is on disk carries over); its
loss curve must equal the uninterrupted run's.
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

from tests.harness_cli import run_harness

# one xdist worker (--dist loadgroup): the module-scoped fixtures are built once, not once per worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sft_train")]

STEPS = 20


def _command(out: Path, data_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "harness",
        "train",
        "--model",
        "tiny-llama",
        "--data",
        "zh(alpaca-3.5&4)",
        "--data-dir",
        str(data_dir),
        "--out",
        str(out),
        "--max-steps",
        str(STEPS),
        "--lr",
        "1e-3",
        "--max-length",
        "256",
        "--global-batch-size",
        "4",
        "--micro-batch-size",
        "2",
        "--max-samples",
        "60",
        "--save-steps",
        "5",
        "--no-progress",
        *extra,
    ]


def _losses(out: Path) -> list[tuple[int, float]]:
    lines = (out / "train_log.jsonl").read_text(encoding="utf-8").splitlines()
    return [(r["step"], r["loss"]) for r in map(json.loads, lines)]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, shared_data, tiny_llama_dir) -> Path:
    out = tmp_path_factory.mktemp("sft") / "model"
    proc = run_harness(_command(out, shared_data)[3:])  # in-process: no interpreter to start
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_sft_trains_with_falling_loss_through_zero2(full_run):
    log = [json.loads(line) for line in (full_run / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, STEPS + 1))
    assert all(set(r) >= {"step", "loss", "lr", "tokens_per_s"} and r["tokens_per_s"] > 0 for r in log)
    first, last = [r["loss"] for r in log[:4]], [r["loss"] for r in log[-4:]]
    assert sum(last) / 4 < sum(first) / 4 - 0.5, (first, last)
    config = json.loads((full_run / "train_config.json").read_text())
    assert config["deepspeed_config"]["zero_optimization"]["stage"] == 2
    assert config["precision"] == "fp32" and config["versions"]["deepspeed"]
    assert config["total_steps"] == STEPS and config["grad_accum"] == 2
    # Warmup (3% of 20 steps = 1 step) then cosine decay to near zero.
    lrs = [r["lr"] for r in log]
    assert (
        lrs[0] == 0.0
        and lrs[1] == pytest.approx(1e-3)
        and all(a >= b for a, b in zip(lrs[1:], lrs[2:], strict=False))
    )
    report = json.loads((full_run / "data_report.json").read_text())
    assert report["encoding"]["kept"] == config["n_samples"] > 0


def test_output_is_a_model_directory_harness_run_loads(full_run):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.manager import get_registry

    assert (full_run / "tokenizer.model").is_file()
    AutoModelForCausalLM.from_pretrained(str(full_run))
    assert AutoTokenizer.from_pretrained(str(full_run)).encode("你好", add_special_tokens=False)
    model, tokenizer = get_registry().create("model", "tiny-llama", path=str(full_run)).load()
    prompt = tokenizer("Human: \n你好\n\nAssistant: \n", return_tensors="pt")
    with torch.no_grad():
        generated = model.generate(**prompt, max_new_tokens=4, do_sample=False)
    assert generated.shape[1] > prompt["input_ids"].shape[1]


def test_harness_run_evaluates_the_trained_model(full_run, tmp_path, shared_data):
    proc = run_harness(
        [
            "run",
            "--model",
            "tiny-llama",
            "--model-path",
            str(full_run),
            "--judge",
            "ref-f1",
            "--limit",
            "2",
            "--max-new-tokens",
            "4",
            "--data-dir",
            str(shared_data),
            "--out",
            str(tmp_path / "runs"),
            "--no-progress",
        ]
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert len(list((tmp_path / "runs").iterdir())) == 1


def test_kill_and_resume_gives_the_same_loss_curve(full_run, tmp_path, shared_data):
    out = tmp_path / "model"
    proc = subprocess.Popen(_command(out, shared_data), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    latest = out / "checkpoints" / "latest"
    deadline = time.monotonic() + 600
    while not latest.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()[-3000:]
    killed_at = int(latest.read_text().removeprefix("global_step"))
    assert 5 <= killed_at < STEPS
    assert not (out / "model.safetensors").exists()  # it really did not finish

    resumed = run_harness(_command(out, shared_data, "--resume")[3:])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumed from" in resumed.stderr
    got, want = _losses(out), _losses(full_run)
    assert [s for s, _ in got] == [s for s, _ in want] == list(range(1, STEPS + 1))
    for (step, a), (_, b) in zip(got, want, strict=True):
        assert a == pytest.approx(b, abs=1e-6), f"step {step}: {a} != {b}"
