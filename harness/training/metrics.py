"""Training metrics: FLOPs per token, model FLOPs utilisation, and the ``train_log.jsonl`` writer.

MFU (PaLM, appendix B) is achieved model FLOPs per second over the accelerator's peak. A decoder
step costs ``6 N`` FLOPs per token for the weights (forward 2N, backward 4N) plus
``12 L h s`` for attention scores over a sequence of ``s`` tokens. Peak figures are the dense
bf16 numbers of the data sheets; ``HARNESS_PEAK_TFLOPS`` overrides them for other devices.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.io import write_text_atomic

# Dense bf16 peak TFLOP/s by device-name fragment (first match wins; order matters).
PEAK_BF16_TFLOPS: tuple[tuple[str, float], ...] = (
    ("H200", 989.0),
    ("H100 PCIe", 756.0),
    ("H100", 989.0),
    ("A100", 312.0),
    ("A800", 312.0),
    ("L40S", 362.0),
    ("A10G", 70.0),
    ("V100", 125.0),
)


def flops_per_token(n_params: int, n_layers: int, hidden_size: int, seq_len: int) -> float:
    """Training FLOPs per token: ``6 N + 12 L h s`` (weights plus attention)."""
    return 6.0 * n_params + 12.0 * n_layers * hidden_size * seq_len


def peak_flops(device_name: str | None) -> float | None:
    """Peak dense bf16 FLOP/s of a device, or ``None`` when unknown (then no MFU is logged)."""
    env = os.environ.get("HARNESS_PEAK_TFLOPS")
    if env:
        return float(env) * 1e12
    if not device_name:
        return None
    for fragment, tflops in PEAK_BF16_TFLOPS:
        if fragment.lower() in device_name.lower():
            return tflops * 1e12
    return None


def mfu(tokens_per_s: float, flops_token: float, peak: float | None, n_devices: int = 1) -> float | None:
    if not peak:
        return None
    return tokens_per_s * flops_token / (peak * n_devices)


class TrainLog:
    """Appends one JSON line per logged step to ``train_log.jsonl``; mirrors to TensorBoard if asked.

    On resume the file is cut back to the checkpoint's step, so the log of a resumed run reads as
    one uninterrupted curve.
    """

    def __init__(self, out_dir: Path, *, resume_step: int = 0, tensorboard: bool = False) -> None:
        self.path = Path(out_dir) / "train_log.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kept: list[str] = []
        if resume_step and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip() and json.loads(line).get("step", 0) <= resume_step:
                    kept.append(line)
        write_text_atomic(self.path, "".join(line + "\n" for line in kept))  # a crash keeps the old log
        self.writer = None
        self.tensorboard_reason: str | None = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(log_dir=str(Path(out_dir) / "tensorboard"))
            except ImportError as exc:
                self.tensorboard_reason = (
                    f"TensorBoard is not installed ({exc}); logging to train_log.jsonl only"
                )

    def log(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        if self.writer is not None:
            for key, value in record.items():
                if key != "step" and isinstance(value, int | float):
                    self.writer.add_scalar(f"train/{key}", value, record["step"])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def read_log(out_dir: Path) -> list[dict[str, Any]]:
    path = Path(out_dir) / "train_log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
