"""Built-in plugin `trainers` (components are registered by the hook implementations below)."""

from __future__ import annotations
