"""Where the HTML report tests find a headless chromium, and what they do without one.

Chromium is a system package, not a Python one, so ``pip install -e .[dev]`` cannot bring it: on a
developer's machine without it the browser tests skip and say how to install it. CI installs it and
sets ``HARNESS_REQUIRE_BROWSER=1`` (``.ci/run``), which turns that skip into a failure, so the report's
browser checks can never silently stop running there.
"""

from __future__ import annotations

import os
import shutil

import pytest

BROWSER: str | None = next(
    (path for path in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if path), None
)


def require_browser() -> str:
    """The browser's path; otherwise skip, or fail where ``HARNESS_REQUIRE_BROWSER`` is set."""
    if BROWSER is not None:
        return BROWSER
    reason = "chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("HARNESS_REQUIRE_BROWSER"):
        pytest.fail(
            f"{reason}, and HARNESS_REQUIRE_BROWSER is set: the browser tests must run here", pytrace=False
        )
    pytest.skip(f"{reason}; the browser test skips")
