"""``bench/report_search.py`` runs end to end (one round, no time bound here: the 50 ms goal is the
benchmark's, run by hand on an idle machine) and reports every keystroke it typed."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from harness.paths import project_root
from tests.report.browser import require_browser


@pytest.mark.slow  # a fresh interpreter, a 1,000-sample report and a browser (~15 s)
def test_report_search_bench_runs_and_reports_each_keystroke() -> None:
    require_browser()
    bench = project_root() / "bench" / "report_search.py"
    proc = subprocess.run(
        [sys.executable, str(bench), "--rounds", "1", "--limit-ms", "1e9"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert re.search(
        r"24 keystrokes at 1000 samples, fastest of 1 rounds each: filter\+layout median", proc.stdout
    )
    assert len(re.findall(r"'[^']*' \d+\.\d\b", proc.stdout)) == 24
    assert proc.stdout.rstrip().endswith("-> PASS")
