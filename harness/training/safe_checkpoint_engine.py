"""DeepSpeed's checkpoint loads through ``torch.load(weights_only=True)`` instead of a full pickle.

DeepSpeed 0.19's ``TorchCheckpointEngine.load`` calls ``torch.load(..., weights_only=False)``, so
any ``*.pt`` it reads could run code. Every load of a (non-MoE, non-universal) checkpoint goes
through the engine's ``checkpoint_engine.load``, so swapping in this subclass restricts them all to
torch's weights-only unpickler, which builds tensors, containers and primitives and, beyond those,
only the few plain types below that the harness's own checkpoints hold (numpy's RNG state, which
the trainer stores per rank; DeepSpeed's ZeRO bookkeeping). This is the second line of defence:
:mod:`harness.training.checkpoint_manifest` refuses a checkpoint the harness did not write before
any load. Saving is unchanged (plain ``torch.save``).
"""

from __future__ import annotations

from typing import Any

from harness.training.checkpoint_manifest import FRESH_START, CheckpointError


def allowed_globals() -> list[Any]:
    """The non-tensor types found in the harness's ZeRO 0-3 checkpoints (fp32 and bf16)."""
    import numpy as np

    allowed: list[Any] = [np.ndarray, np.dtype, type(np.dtype(np.uint32))]
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]  # numpy 1.x spelling
    allowed.append(_reconstruct)
    for module, name in (
        ("deepspeed.utils.tensor_fragment", "fragment_address"),
        ("deepspeed.runtime.fp16.loss_scaler", "LossScaler"),
        ("deepspeed.runtime.fp16.loss_scaler", "DynamicLossScaler"),
        ("deepspeed.runtime.zero.config", "ZeroStageEnum"),
    ):
        try:
            allowed.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):  # another DeepSpeed version: not stored either
            pass
    return allowed


def _engine_class():
    from deepspeed.runtime.checkpoint_engine.torch_checkpoint_engine import TorchCheckpointEngine

    class WeightsOnlyCheckpointEngine(TorchCheckpointEngine):
        """``TorchCheckpointEngine`` whose ``load`` never unpickles anything but weights and state."""

        def load(self, path: str, map_location=None):
            import pickle

            import torch

            try:
                with torch.serialization.safe_globals(allowed_globals()):
                    return torch.load(path, map_location=map_location, weights_only=True)
            except pickle.UnpicklingError as exc:
                first = str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__
                raise CheckpointError(
                    f"{path}: holds a Python object the harness does not load from checkpoints "
                    f"(weights-only unpickling refused it: {first[:300]})",
                    hint=f"This file was not written by the harness's trainer; {FRESH_START}.",
                ) from None

    return WeightsOnlyCheckpointEngine


def install(engine: Any) -> bool:
    """Make ``engine`` (a ``DeepSpeedEngine``) load checkpoints weights-only; False if it uses a
    checkpoint engine other than DeepSpeed's default (then the manifest check still applies)."""
    from deepspeed.runtime.checkpoint_engine.torch_checkpoint_engine import TorchCheckpointEngine

    current = getattr(engine, "checkpoint_engine", None)
    if type(current) is not TorchCheckpointEngine:
        return False
    current.__class__ = _engine_class()  # same state, only ``load`` differs
    return True
