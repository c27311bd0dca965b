"""Built-in plugin `generators` (components are registered by the hook implementations below)."""

from __future__ import annotations
