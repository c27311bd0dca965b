"""DeepSpeed JSON configs: every shipped file parses, and every ``auto`` gets the trainer's value."""

from __future__ import annotations

import json

import pytest

from harness.errors import UsageError
from harness.training.config import TrainConfig
from harness.training.ds_config import configs_dir, resolve_ds_config


def _cfg(**kw):
    return TrainConfig.from_kwargs(out="o", data="d", **kw)


def test_table3_defaults():
    c = _cfg()
    assert (
        c.epochs,
        c.global_batch_size,
        c.lr,
        c.weight_decay,
        c.warmup_ratio,
        c.lr_scheduler,
        c.max_length,
    ) == (3.0, 32, 5e-6, 0.0, 0.03, "cosine", 2048)
    assert c.zero_stage == 2 and c.precision == "auto"
    assert c.resolved_precision(on_cuda=True) == "bf16" and c.resolved_precision(on_cuda=False) == "fp32"


@pytest.mark.parametrize("name", sorted(p.name for p in configs_dir().glob("*.json")))
def test_every_shipped_config_resolves(name):
    raw = json.loads((configs_dir() / name).read_text())
    stage = raw["zero_optimization"]["stage"]
    offload = "offload" in name
    resolved, path = resolve_ds_config(_cfg(zero_stage=stage, offload=offload), world_size=2, on_cuda=False)
    assert path.name == name
    assert "auto" not in json.dumps(resolved)
    assert resolved["train_batch_size"] == 32
    assert resolved["train_micro_batch_size_per_gpu"] * resolved["gradient_accumulation_steps"] * 2 == 32
    assert resolved["bf16"]["enabled"] is False
    assert resolved["optimizer"]["params"]["lr"] == 5e-6
    assert resolved["optimizer"]["params"]["torch_adam"] is True  # on CPU: no 90 s Adam compile


def test_gpu_values():
    resolved, _ = resolve_ds_config(
        _cfg(zero_stage=3, offload=True), world_size=8, on_cuda=True, hidden_size=4096
    )
    assert resolved["bf16"]["enabled"] is True
    assert resolved["optimizer"]["params"]["torch_adam"] is False  # ZeRO-Offload wants DeepSpeed's CPU Adam
    assert resolved["zero_optimization"]["reduce_bucket_size"] == 4096 * 4096
    assert resolved["zero_optimization"]["offload_param"]["device"] == "cpu"
    resolved, _ = resolve_ds_config(_cfg(zero_stage=2), world_size=8, on_cuda=True)
    assert resolved["optimizer"]["params"]["torch_adam"] is True


def test_bad_settings_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="multiple"):
        resolve_ds_config(_cfg(global_batch_size=32, micro_batch_size=3), world_size=1, on_cuda=False)
    with pytest.raises(UsageError, match="offload"):
        _cfg(offload=True, zero_stage=1)
    with pytest.raises(UsageError, match="unknown trainer option"):
        TrainConfig.from_kwargs(out="o", data="d", learning_rate=1.0)
    custom = tmp_path / "ds.json"
    custom.write_text(json.dumps({"train_batch_size": "auto", "mystery": "auto"}))
    with pytest.raises(UsageError, match="mystery"):
        resolve_ds_config(_cfg(deepspeed_config=str(custom)), world_size=1, on_cuda=False)
