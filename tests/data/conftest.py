"""Fixtures for the data tests (the local HTTP server and fresh cache live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.manager import set_manager


@pytest.fixture
def reset_manager() -> Iterator[None]:
    """Rebuild the process-wide plugin manager around a test that changes plugin env variables."""
    set_manager(None)
    yield
    set_manager(None)


@pytest.fixture
def cli():
    """Run ``harness ...`` in-process (``tests/harness_cli.py``: the entry point's exit codes and output)."""
    import os
    import subprocess

    from tests.harness_cli import run_harness

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
        for key, value in list(full_env.items()):
            if value is None:
                del full_env[key]
        return run_harness(args, env=full_env, timeout=120)

    return run
