"""Built-in plugin `judges` (components are registered by the hook implementations below)."""

from __future__ import annotations
