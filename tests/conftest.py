"""Fixtures shared by every test area.

* Every test session gets its own ``HARNESS_HOME`` (a temporary directory), so tests never read or
  write the user's cache and never depend on what an earlier run left there.
* ``shared_data`` is ``../shared/data`` (real BELLE, Alpaca, ShareGPT, tokenizers, stories260K);
  tests that need it skip cleanly when it is absent.
* ``static_server(directory)`` serves a directory over real HTTP on 127.0.0.1 (the download
  path is tested against it, never the internet); ``fresh_cache`` is an empty ``HARNESS_HOME``.
* ``gpu`` tests skip cleanly without CUDA.
* ``cli(*args, env=, cwd=, input=)`` runs ``harness ...`` in this process (``tests/harness_cli.py``)
  and returns a ``CompletedProcess`` with the exit code, stdout and stderr the process would have had;
  every CLI helper of a test module delegates to :func:`tests.harness_cli.run_harness`.
* ``serial`` tests must run alone: they live in tests/serial/, which the README's test command runs
  in a second pytest, without -n.
* Modules with ``slow`` tests are collected first, so that under xdist the long tests do not end up
  last on one worker.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.paths import shared_data_dir
from tests.harness_cli import run_harness

# Bytecode caches (Python's default), also where PYTHONDONTWRITEBYTECODE is set: without them every
# xdist worker rewrites and compiles 500 test modules again, and every process a test starts
# compiles the project's modules from source (__pycache__/ is ignored by git).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

if os.environ.get("PYTEST_XDIST_WORKER"):
    # the workers share the cores: OpenMP threads of their own would spin against each other's
    # (the tiny models here gain nothing from a second thread, and the suite lost CPU time to it)
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than this process may run on. Much of the suite waits on the
    processes it starts (launches, rank start-up, servers with latency); the extra worker keeps the
    cores busy meanwhile (on 2 cores the whole suite took 6:07 with 2 workers, 5:48 with 3)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


@pytest.fixture(scope="session", autouse=True)
def _isolated_harness_home(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("harness_home")
    old = os.environ.get("HARNESS_HOME")
    os.environ["HARNESS_HOME"] = str(home)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    yield home
    if old is None:
        os.environ.pop("HARNESS_HOME", None)
    else:
        os.environ["HARNESS_HOME"] = old


@pytest.fixture(scope="session")
def harness_home(_isolated_harness_home: Path) -> Path:
    return _isolated_harness_home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent")
    return path


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
def cli():
    """``harness *args`` in-process; ``env`` adds to (a ``None`` value removes from) the environment."""

    def run(
        *args: str,
        env: dict[str, str | None] | None = None,
        cwd: Path | str | None = None,
        input: str | None = None,
    ):  # noqa: A002 - subprocess.run's name
        return run_harness(args, env={**os.environ, **(env or {})}, cwd=cwd, input=input)

    return run


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HARNESS_HOME for one test, no data dir or mirror from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("HARNESS_HOME", str(home))
    monkeypatch.delenv("HARNESS_DATA_DIR", raising=False)
    monkeypatch.delenv("HARNESS_MIRROR", raising=False)
    return home


SERIAL_DIR = Path(__file__).parent / "serial"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _serial_tests_in_their_folder(items)
    _slow_modules_first(items)
    _skip_gpu_tests_without_cuda(items)


def _serial_tests_in_their_folder(items: list[pytest.Item]) -> None:
    """``serial`` tests live in tests/serial/ (and every test there is one), so that the second
    phase of the test command collects that folder alone instead of the whole suite."""
    for item in items:
        inside = SERIAL_DIR in item.path.parents
        if inside != bool(item.get_closest_marker("serial")):
            where = "outside tests/serial/" if not inside else "in tests/serial/ without the marker"
            raise pytest.UsageError(f"{item.nodeid}: a serial test {where} (see CONTRIBUTING.md)")


def _slow_modules_first(items: list[pytest.Item]) -> None:
    """Modules with a ``slow`` test run first (each module kept whole, in its own order): under
    xdist the long tests then start early, instead of one of them keeping a worker busy at the end
    while the others wait (the suite takes as long as its busiest worker)."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


def _skip_gpu_tests_without_cuda(items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("gpu") for item in items):
        return
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except Exception:
        has_cuda = False
    if not has_cuda:
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in items:
            if item.get_closest_marker("gpu"):
                item.add_marker(skip)
