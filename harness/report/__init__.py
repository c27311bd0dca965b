"""Reports of a run directory: ``scores.json``, ``scores.csv``, ``report.md``, ``report.html``.

* :mod:`.rundir`     read ``run.json``, ``generations.jsonl``, ``judgments.jsonl`` (torn last line ok)
* :mod:`.write`      ``write_report(run_dir)`` -> scores dict, and the files
* :mod:`.html`, :mod:`.markdown`, :mod:`.csv_export`  the renderers
* :mod:`.tables`     rich tables for ``harness report`` / ``harness compare``
* :mod:`.escape`     the one place that makes untrusted text inert per format (CSV, Markdown, HTML, terminal)
"""

from harness.report.rundir import RunDir, judgments_files, read_run_dir
from harness.report.write import scores_for_run, write_report
from harness.runs.layout import REPORT_FILES, report_file_names

__all__ = ["REPORT_FILES", "RunDir", "judgments_files", "read_run_dir", "report_file_names", "scores_for_run", "write_report"]
