"""Built-in plugin `trainers` (components are registered by the hook implementations below).

``deepspeed``: SFT on conversations (BELLE's prompt format, loss on answers only) and
embedding-only continued pretraining, through the real DeepSpeed engine; the factory is imported
only when a trainer is built, so registering imports neither torch nor deepspeed.
"""

from __future__ import annotations

from harness import hookimpl
from harness.specs import TrainerSpec


@hookimpl
def harness_register_trainers(register) -> None:
    register(
        TrainerSpec(
            name="deepspeed",
            factory="harness.training.trainer:DeepSpeedTrainer",
            description="DeepSpeed ZeRO SFT / embedding-only pretraining (CPU fp32, GPU bf16)",
            aliases=("ds",),
            available="harness.training.availability:deepspeed_unavailable_reason",
        )
    )
