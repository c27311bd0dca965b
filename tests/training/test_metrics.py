"""MFU arithmetic and the train log (one JSON line per step, cut back to the step a run resumes at)."""

from __future__ import annotations

import json
import sys

import pytest

from harness.training.metrics import TrainLog, flops_per_token, mfu, peak_flops, read_log
from harness.training.trainer import make_lr_lambda


def test_flops_and_mfu():
    # LLaMA-7B at 2,048 tokens: 6 * 6.74e9 + 12 * 32 * 4096 * 2048 FLOPs per token.
    fpt = flops_per_token(6_738_415_616, 32, 4096, 2048)
    assert fpt == pytest.approx(6 * 6_738_415_616 + 12 * 32 * 4096 * 2048)
    assert peak_flops("NVIDIA A100-SXM4-80GB") == 312e12
    assert peak_flops("NVIDIA H100 80GB HBM3") == 989e12
    assert peak_flops("some CPU") is None and mfu(1000.0, fpt, None) is None
    # 3,000 tokens/s per GPU on 8 A100s is about 43% MFU for a 7B model.
    assert mfu(8 * 3000.0, fpt, 312e12, n_devices=8) == pytest.approx(3000 * fpt / 312e12)


def test_peak_override(monkeypatch):
    monkeypatch.setenv("HARNESS_PEAK_TFLOPS", "100")
    assert peak_flops(None) == 100e12


def test_log_is_cut_back_on_resume(tmp_path):
    log = TrainLog(tmp_path)
    for step in range(1, 6):
        log.log({"step": step, "loss": 1.0 / step})
    log.close()
    assert [r["step"] for r in read_log(tmp_path)] == [1, 2, 3, 4, 5]
    resumed = TrainLog(tmp_path, resume_step=3)
    resumed.log({"step": 4, "loss": 0.0})
    assert [(r["step"], r["loss"]) for r in read_log(tmp_path)][-2:] == [(3, 1 / 3), (4, 0.0)]
    fresh = TrainLog(tmp_path)  # a new run (no resume) starts an empty log
    assert (tmp_path / "train_log.jsonl").read_text() == ""
    fresh.close()


def test_tensorboard_is_optional(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # absent, installed here or not
    log = TrainLog(tmp_path, tensorboard=True)
    assert log.writer is None and "not installed" in log.tensorboard_reason
    log.log({"step": 1, "loss": 2.0})
    assert json.loads((tmp_path / "train_log.jsonl").read_text()) == {"step": 1, "loss": 2.0}


def test_warmup_then_cosine():
    f = make_lr_lambda("cosine", warmup_steps=2, total_steps=10)
    assert [f(0), f(1), f(2)] == [0.0, 0.5, 1.0]
    assert f(6) == pytest.approx(0.5) and f(10) == pytest.approx(0.0)
    assert make_lr_lambda("linear", 0, 10)(5) == pytest.approx(0.5)
    assert make_lr_lambda("constant", 1, 10)(9) == 1.0
