"""Where harness keeps things: the cache home, and the shared data folder tests read from."""

from __future__ import annotations

import os
from pathlib import Path


def harness_home() -> Path:
    """``$HARNESS_HOME`` or ``~/.cache/harness``: downloads, built tiny models, the judge cache."""
    return Path(os.environ.get("HARNESS_HOME") or Path.home() / ".cache" / "harness").expanduser()


def data_cache_dir() -> Path:
    return harness_home() / "data"


def models_cache_dir() -> Path:
    return harness_home() / "models"


def project_root() -> Path:
    """The source checkout's root (where ``registry/`` and ``configs/`` live in a checkout)."""
    return Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """``$HARNESS_SHARED_DATA`` or ``<checkout>/../shared/data`` when it exists (tests, benches)."""
    env = os.environ.get("HARNESS_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(project_root().parent / "shared" / "data")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None
