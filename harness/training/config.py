"""The trainer's settings, with the paper's Table 3 as defaults, validated once, resolved once.

Table 3 of Ji et al. (2023): bf16, 3 epochs, global batch 32, learning rate 5e-6, weight decay 0,
warmup ratio 0.03, cosine schedule, max length 2048 -- all defaults here. ``precision="auto"`` is
bf16 on a GPU and fp32 on CPU (bf16 matmuls are ~10x slower than fp32 on CPU); the trainer logs
which it chose. Gradient accumulation is derived: ``global = micro x accumulation x world size``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from harness.errors import UsageError

MODES = ("sft", "pretrain")
PRECISIONS = ("auto", "bf16", "fp32")


@dataclass
class TrainConfig:
    """Everything ``DeepSpeedTrainer.train(**config)`` accepts; unknown keys are an error."""

    model: str = "tiny-llama"
    out: str = ""
    data: str = ""  # sft: a mixture expression; pretrain: text files separated by commas
    model_path: str | None = None
    mode: str = "sft"
    data_dir: str | None = None
    max_samples: int | None = None  # per mixture source (sft) or documents (pretrain)
    drop_eval_overlap: bool = False
    epochs: float = 3.0
    max_steps: int | None = None
    lr: float = 5e-6
    weight_decay: float = 0.0
    warmup_ratio: float = 0.03
    lr_scheduler: str = "cosine"
    global_batch_size: int = 32
    micro_batch_size: int = 4
    max_length: int = 2048
    zero_stage: int = 2
    offload: bool = False
    precision: str = "auto"
    gradient_clipping: float = 1.0
    gradient_checkpointing: bool = False
    torch_adam: bool | None = None  # None: torch's AdamW unless offloading on a GPU (CPU Adam)
    deepspeed_config: str | None = None  # a JSON to use instead of configs/deepspeed/zero<N>.json
    save_steps: int | None = None
    save_total_limit: int | None = 2
    resume: bool = False
    log_steps: int = 1
    seed: int = 0
    tensorboard: bool = False
    prompt_template: str | None = None  # None: the base model's own (what `harness run` will use)
    progress: bool = True
    save_outputs: bool = True  # False: no checkpoint, no model export (throughput benches only)

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise UsageError(f"unknown trainer option(s): {', '.join(unknown)}")
        config = cls(**{k: v for k, v in kwargs.items() if v is not None})
        config.validate()
        return config

    def validate(self) -> None:
        if not self.out:
            raise UsageError("the trainer needs an output directory (--out)")
        if not self.data:
            raise UsageError("the trainer needs training data (--data)")
        if self.mode not in MODES:
            raise UsageError(f"--mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.precision not in PRECISIONS:
            raise UsageError(f"--precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.zero_stage not in (0, 1, 2, 3):
            raise UsageError(f"--zero-stage must be 0, 1, 2 or 3, not {self.zero_stage}")
        if self.offload and self.zero_stage < 2:
            raise UsageError("--offload needs ZeRO stage 2 or 3")
        for name in ("global_batch_size", "micro_batch_size", "max_length", "log_steps"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
        if self.max_steps is not None and self.max_steps < 1:
            raise UsageError("--max-steps must be at least 1")
        if self.epochs <= 0 and self.max_steps is None:
            raise UsageError("--epochs must be positive")
        if not 0 <= self.warmup_ratio < 1:
            raise UsageError("--warmup-ratio must be in [0, 1)")
        if self.lr_scheduler not in ("cosine", "linear", "constant"):
            raise UsageError("--lr-scheduler must be cosine, linear or constant")

    def grad_accum(self, world_size: int) -> int:
        """Accumulation steps that make ``micro x accum x world == global``, or a clear error."""
        per_step = self.micro_batch_size * world_size
        if self.global_batch_size % per_step:
            raise UsageError(
                f"global batch {self.global_batch_size} is not a multiple of micro batch "
                f"{self.micro_batch_size} x {world_size} process(es)"
            )
        return self.global_batch_size // per_step

    def resolved_precision(self, on_cuda: bool) -> str:
        if self.precision == "auto":
            return "bf16" if on_cuda else "fp32"
        return self.precision

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
