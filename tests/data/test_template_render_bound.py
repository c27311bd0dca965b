"""A Jinja prompt template whose loops run without bound stops with exit 2 naming the template file
(issue 23.8: nested loops had rendered for 45 s and counting): one that writes is stopped by the
characters it writes, one that writes nothing by the time it takes (10 s; 0.5 s here, the same
timer and message, so the test does not wait out the default)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.prompts import render_bound

TEST_SECONDS = 0.5

LOOPS = "{% for a in range(100000) %}{% for b in range(100000) %}BODY{% endfor %}{% endfor %}"
TEMPLATES = {
    "writes": LOOPS.replace("BODY", "x") + "{{ messages[0]['content'] }}",
    "silent": LOOPS.replace("BODY", "") + "{{ messages[0]['content'] }}",
}


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_unbounded_template_exits_2_naming_it(
    tmp_path: Path, cli, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "silent":  # the writing one must be stopped by its characters, under the 10 s timer
        monkeypatch.setattr(render_bound, "MAX_RENDER_SECONDS", TEST_SECONDS)
    template = tmp_path / f"{kind}.jinja"
    template.write_text(TEMPLATES[kind], encoding="utf-8")
    start = time.perf_counter()
    done = cli(
        "run",
        "--model",
        "tiny-llama",
        "--prompt-template",
        str(template),
        "--dataset",
        "demo",
        "--judge",
        "ref-f1",
        "--limit",
        "1",
        "--max-new-tokens",
        "2",
        "--greedy",
        "--no-progress",
        "--out",
        str(tmp_path / "runs"),
        env={"HARNESS_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"prompt template {template}: rendering stopped" in done.stderr
    assert "Traceback" not in done.stderr
    reason = "past 1," if kind == "writes" else f"after {TEST_SECONDS:g} s"
    assert reason in done.stderr
    assert time.perf_counter() - start < 100


def test_the_time_bound_is_10_seconds() -> None:
    """The bound the silent case is stopped by, as the module docstring and README state it."""
    assert render_bound.MAX_RENDER_SECONDS == 10.0
