"""The names of a run directory's files, declared once (stable: other tools read them).

::

    run.json             resolved config, fingerprint, prompt sent, versions, seeds, status, stats
    config.yaml          the resolved config again, as a file `harness run --config` accepts
    generations.jsonl    one record per sample: id, category, question, reference, answer, ...
    judgments.jsonl      one record per sample (and repeat): id, category, score, status, raw, ...
    run.lock             held by the process working in the run
    scores.json, scores.csv, report.md, report.html     written by the scoring/report step

Another judge's judgments (``judgments-<judge>.jsonl``) get their own report files, named after them.
"""

from __future__ import annotations

from pathlib import Path

RUN_FILE = "run.json"
CONFIG_FILE = "config.yaml"
GENERATIONS = "generations.jsonl"
JUDGMENTS = "judgments.jsonl"
LOCK_FILE = "run.lock"
REPORT_FILES = ("scores.json", "scores.csv", "report.md", "report.html")
REPORT_HTML = "report.html"
# what `harness run` writes
RUN_FILES = (RUN_FILE, CONFIG_FILE, GENERATIONS, JUDGMENTS, *REPORT_FILES)


def report_file_names(judgments_file: str = JUDGMENTS) -> list[str]:
    """The report files written for ``judgments_file`` (another judge's get a suffix)."""
    name = Path(judgments_file).name
    suffix = "" if name == JUDGMENTS else "-" + Path(name).stem.removeprefix("judgments-")
    return [f"scores{suffix}.json", f"scores{suffix}.csv", f"report{suffix}.md", f"report{suffix}.html"]


def default_judgments_file(judge: str) -> str:
    """Where `harness judge` puts a judge's judgments unless told: ``judgments-<judge>.jsonl``."""
    return f"judgments-{judge}.jsonl"
