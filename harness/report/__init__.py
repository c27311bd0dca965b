"""Reports of a run directory: ``scores.json``, ``scores.csv``, ``report.md``, ``report.html``.

* :mod:`.rundir`     read ``run.json``, ``generations.jsonl``, ``judgments.jsonl`` (torn last line ok)
* :mod:`.write`      ``write_report(run_dir)`` -> scores dict, and the files
* :mod:`.html`, :mod:`.markdown`, :mod:`.csv_export`  the renderers
* :mod:`.tables`     rich tables for ``harness report`` / ``harness compare``
* :mod:`.escape`     the one place that makes untrusted text inert per format (CSV, Markdown, HTML, terminal)
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: importing a leaf such as ``harness.report.escape`` (which the CLI's
# commands do) must not load the renderers, the paper tables and pydantic with it.
_EXPORTS = {
    "REPORT_FILES": "harness.runs.layout",
    "report_file_names": "harness.runs.layout",
    "RunDir": "harness.report.rundir",
    "judgments_files": "harness.report.rundir",
    "read_run_dir": "harness.report.rundir",
    "scores_for_run": "harness.report.write",
    "write_report": "harness.report.write",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'harness.report' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
