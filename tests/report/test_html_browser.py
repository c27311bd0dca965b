"""``report.html`` in a real headless browser (Debian's chromium): it renders, the chart is there,
the page's script runs, and nothing reaches the console.

How errors are caught (and shown to be catchable by the negative control below): a probe script
is put first in ``<head>`` of a copy of the report; it records ``error`` events and
``console.error`` calls and, after ``load``, writes them into ``<html data-probe-errors>``, which
``--dump-dom`` prints. Chromium's own log (``--enable-logging=stderr --v=0``) is scanned too: it
prints every console message as an ``INFO:CONSOLE`` line, and the report logs nothing.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from harness.report import write_report
from tests.report.browser import BROWSER, require_browser


@pytest.fixture(autouse=True)
def _browser() -> None:
    require_browser()


PROBE = """<script>(function(){var errors=[];
window.addEventListener("error",function(e){errors.push(String(e.message||e.type));},true);
var original=console.error;console.error=function(){errors.push(Array.prototype.join.call(arguments," "));
original.apply(console,arguments);};
window.addEventListener("load",function(){setTimeout(function(){
document.documentElement.setAttribute("data-probe-errors",JSON.stringify(errors));},0);});})();</script>"""


def render(page: Path, profile: Path) -> tuple[str, str]:
    """The DOM after load and chromium's log, for ``page`` with the error probe injected."""
    probed = page.with_name("probed-" + page.name)
    probed.write_text(
        page.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1), encoding="utf-8"
    )
    result = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def probe_errors(dom: str) -> list[str]:
    match = re.search(r'data-probe-errors="([^"]*)"', dom)
    assert match, "the probe did not run: the page never finished loading"
    return json.loads(html.unescape(match.group(1)))


def console_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def test_report_renders_without_console_errors(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="browser-run", unscored_every=6, evil_answer=True)
    scores = write_report(run, n_resamples=200)
    dom, log = render(run / "report.html", tmp_path / "profile")
    assert probe_errors(dom) == []
    assert console_lines(log) == []
    assert 'data-report-ready="1"' in dom  # the page's own script ran to its end
    # the hostile answer is shown as text, never executed (it would have marked <html>)
    root = re.search(r"<html[^>]*>", dom).group(0)
    assert "data-evil" not in root and "document.documentElement.setAttribute" in dom
    # chart: one bar per category, the pooled others column, and both macros
    svg = re.search(r'<svg id="category-chart".*?</svg>', dom, re.S)
    assert svg is not None
    assert svg.group(0).count('<rect class="bar"') == len(scores.categories) + 1 + 2
    assert svg.group(0).count('class="whisker"') >= 3 * 13 - 3
    # the browsable sample view: every sample row present and shown by the filter script
    assert dom.count('<tr class="sample"') == 30
    assert re.search(r'<span id="shown-count">30</span>', dom)


def test_probe_catches_errors(tmp_path):
    """Negative control: a page that throws and logs is caught by both methods."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p>"
        "<script>undefinedFunction();</script><script>console.error('boom');</script></body></html>",
        encoding="utf-8",
    )
    dom, log = render(page, tmp_path / "profile")
    errors = probe_errors(dom)
    assert any("undefinedFunction" in e for e in errors) and "boom" in errors
    assert len(console_lines(log)) == 2
