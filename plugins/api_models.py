"""Built-in plugin `api_models` (components are registered by the hook implementations below)."""

from __future__ import annotations
