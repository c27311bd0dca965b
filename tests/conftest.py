"""Fixtures shared by every test area.

* Every test session gets its own ``HARNESS_HOME`` (a temporary directory), so tests never read or
  write the user's cache and never depend on what an earlier run left there.
* ``shared_data`` is ``../shared/data`` (real BELLE, Alpaca, ShareGPT, tokenizers, stories260K);
  tests that need it skip cleanly when it is absent.
* ``gpu`` tests skip cleanly without CUDA.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.paths import shared_data_dir


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
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
