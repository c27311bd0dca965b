"""bf16 ZeRO-2 and ZeRO-3 on a real GPU through the same trainer code (skipped without CUDA)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.gpu, pytest.mark.slow]


@pytest.mark.parametrize("stage", [2, 3])
def test_bf16_zero_on_gpu(stage, tmp_path, shared_data, tiny_llama_dir):
    from transformers import AutoModelForCausalLM

    out = tmp_path / f"z{stage}"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "train",
            "--model",
            "tiny-llama",
            "--data",
            "zh(alpaca-3.5&4)",
            "--data-dir",
            str(shared_data),
            "--out",
            str(out),
            "--max-steps",
            "10",
            "--lr",
            "1e-3",
            "--max-length",
            "256",
            "--global-batch-size",
            "8",
            "--micro-batch-size",
            "8",
            "--max-samples",
            "64",
            "--zero-stage",
            str(stage),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    config = json.loads((out / "train_config.json").read_text())
    assert config["precision"] == "bf16" and config["deepspeed_config"]["bf16"]["enabled"] is True
    assert config["deepspeed_config"]["zero_optimization"]["stage"] == stage
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert all("mfu" in r for r in log)
    assert sum(r["loss"] for r in log[-3:]) < sum(r["loss"] for r in log[:3])
    AutoModelForCausalLM.from_pretrained(str(out))
