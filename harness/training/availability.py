"""Whether the ``deepspeed`` trainer can run here, checked without importing deepspeed or torch."""

from __future__ import annotations

import importlib.util


def deepspeed_unavailable_reason() -> str | None:
    """``None`` when torch, transformers and deepspeed are installed, else what is missing."""
    missing = [
        name for name in ("torch", "transformers", "deepspeed") if importlib.util.find_spec(name) is None
    ]
    return f"not installed: {', '.join(missing)} (pip install deepspeed)" if missing else None
