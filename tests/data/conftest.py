"""A real HTTP server on 127.0.0.1 serving a directory, for the download path (no internet).

``static_server(directory)`` serves ``directory`` (``http.server`` in a thread) and counts the
requests, so tests can check that a cached source is not fetched again.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.manager import set_manager


@dataclass
class StaticServer:
    url: str
    requests: list[str] = field(default_factory=list)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        self.server.request_paths.append(self.path)  # type: ignore[attr-defined]


@pytest.fixture
def static_server() -> Iterator:
    servers = []

    def start(directory: Path) -> StaticServer:
        handler = functools.partial(_Handler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.request_paths = []  # type: ignore[attr-defined]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        info = StaticServer(url=f"http://127.0.0.1:{server.server_address[1]}/")
        info.requests = server.request_paths  # type: ignore[attr-defined]
        return info

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HARNESS_HOME for one test, no data dir or mirror from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("HARNESS_HOME", str(home))
    monkeypatch.delenv("HARNESS_DATA_DIR", raising=False)
    monkeypatch.delenv("HARNESS_MIRROR", raising=False)
    return home


@pytest.fixture
def reset_manager() -> Iterator[None]:
    """Rebuild the process-wide plugin manager around a test that changes plugin env variables."""
    set_manager(None)
    yield
    set_manager(None)


@pytest.fixture
def cli():
    """Run ``python -m harness ...`` in a subprocess (the real entry point, real exit codes)."""
    import os
    import subprocess
    import sys

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
        for key, value in list(full_env.items()):
            if value is None:
                del full_env[key]
        return subprocess.run(
            [sys.executable, "-m", "harness", *args], capture_output=True, text=True, env=full_env, timeout=120
        )

    return run
