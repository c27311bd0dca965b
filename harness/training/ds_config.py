"""DeepSpeed JSON configs: pick ``configs/deepspeed/zero<N>[_offload].json`` and fill its ``auto``.

The JSON files are the ones a user edits or hands to a cluster; ``"auto"`` marks a value the
trainer owns (batch sizes, precision, learning rate, optimizer choice), the same convention as
transformers' DeepSpeed integration, so one file serves every model size and GPU count. A value a
user wrote explicitly is kept as is.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.paths import project_root
from harness.training.config import TrainConfig


def configs_dir() -> Path:
    return project_root() / "configs" / "deepspeed"


def config_path(zero_stage: int, offload: bool) -> Path:
    return configs_dir() / f"zero{zero_stage}{'_offload' if offload else ''}.json"


def load_template(config: TrainConfig) -> tuple[dict[str, Any], Path]:
    path = (
        Path(config.deepspeed_config)
        if config.deepspeed_config
        else config_path(config.zero_stage, config.offload)
    )
    if not path.is_file():
        raise UsageError(f"DeepSpeed config not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8")), path
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None


def _fill(node: Any, values: dict[str, Any], trail: str = "") -> Any:
    """Replace every ``"auto"`` whose dotted key path is in ``values``; error on an unknown one."""
    if isinstance(node, dict):
        return {k: _fill(v, values, f"{trail}.{k}" if trail else k) for k, v in node.items()}
    if node == "auto":
        if trail not in values:
            raise UsageError(f"DeepSpeed config: no value for 'auto' at {trail}")
        return values[trail]
    return node


def resolve_ds_config(
    config: TrainConfig, *, world_size: int, on_cuda: bool, hidden_size: int | None = None
) -> tuple[dict[str, Any], Path]:
    """The DeepSpeed config dict to pass to ``deepspeed.initialize`` and the file it came from."""
    template, path = load_template(config)
    precision = config.resolved_precision(on_cuda)
    offloading = any(
        isinstance(template.get("zero_optimization", {}).get(key), dict)
        for key in ("offload_optimizer", "offload_param")
    )
    torch_adam = config.torch_adam if config.torch_adam is not None else not (on_cuda and offloading)
    h = hidden_size or 4096
    values = {
        "train_batch_size": config.global_batch_size,
        "train_micro_batch_size_per_gpu": config.micro_batch_size,
        "gradient_accumulation_steps": config.grad_accum(world_size),
        "gradient_clipping": config.gradient_clipping,
        "bf16.enabled": precision == "bf16",
        "optimizer.params.lr": config.lr,
        "optimizer.params.weight_decay": config.weight_decay,
        "optimizer.params.torch_adam": torch_adam,
        "zero_optimization.reduce_bucket_size": h * h,
        "zero_optimization.stage3_prefetch_bucket_size": int(0.9 * h * h),
        "zero_optimization.stage3_param_persistence_threshold": 10 * h,
        "zero_optimization.offload_optimizer.pin_memory": on_cuda,
        "zero_optimization.offload_param.pin_memory": on_cuda,
    }
    resolved = _fill(copy.deepcopy(template), values)
    # The command line wins over the file for the ZeRO stage when the file is ours.
    if not config.deepspeed_config:
        resolved.setdefault("zero_optimization", {})["stage"] = config.zero_stage
    return resolved, path
