"""A run directory written before the typed records, the one atomic writer and the declared run
layout (``old_run_dirs/pointwise_18df8ae``: tiny-llama, ref-f1, two demo categories, written by
commit 18df8ae) still loads: its report gives the figures it was written with, a comparison
reads it, and the same command resumes it with nothing to generate or judge."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.harness_cli import run_harness

WRITTEN = Path(__file__).parent / "old_run_dirs" / "pointwise_18df8ae"
RUN = (
    "run --model tiny-llama --judge ref-f1 --dataset demo --categories code,open_qa --max-new-tokens 8"
    " --greedy --no-progress"
).split()
FIGURES = ("macro", "macro_wo_others", "columns", "column_order", "totals", "categories", "bootstrap")


@pytest.fixture
def old_run(tmp_path: Path) -> Path:
    run = tmp_path / "runs" / WRITTEN.name
    shutil.copytree(WRITTEN, run)
    return run


def test_its_report_gives_the_figures_it_was_written_with(old_run: Path) -> None:
    written = json.loads((WRITTEN / "scores.json").read_text(encoding="utf-8"))
    proc = run_harness(["report", str(old_run), "--json"])
    assert proc.returncode == 0, proc.stderr
    (now,) = json.loads(proc.stdout)
    for key in FIGURES:
        assert now[key] == written[key], key


def test_a_comparison_reads_it(old_run: Path) -> None:
    twin = old_run.parent / "twin"
    shutil.copytree(WRITTEN, twin)
    proc = run_harness(["compare", str(old_run), str(twin), "--json"])
    assert proc.returncode == 0, proc.stderr
    (comparison,) = json.loads(proc.stdout)["comparisons"]
    assert comparison["headline"]["n_pairs"] == 6 and comparison["headline"]["delta"] == 0.0
    assert {c["n_pairs"] for c in comparison["categories"].values()} == {3}


@pytest.mark.slow  # builds and loads tiny-llama for the preflight
def test_the_same_command_resumes_it_with_nothing_to_do(old_run: Path, harness_home: Path) -> None:
    proc = run_harness([*RUN, "--out", str(old_run.parent), "--name", old_run.name])
    assert proc.returncode == 0, proc.stderr
    said = " ".join((proc.stdout + proc.stderr).split())
    assert "(6 samples, was complete)" in said
    assert "all 6 answers already on disk" in said and "every answer already has a verdict" in said
    for name in ("generations.jsonl", "judgments.jsonl"):
        assert (old_run / name).read_bytes() == (WRITTEN / name).read_bytes(), name
