"""Built-in plugin `train_datasets` (components are registered by the hook implementations below)."""

from __future__ import annotations
