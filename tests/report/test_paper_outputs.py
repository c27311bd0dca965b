"""The paper's figures never appear without the comparability verdict (issue 14.4), and the Table 5
screens fit the terminal (issue 14.1), driven through the real ``harness report`` / ``compare`` CLI.

The runs are written the way the pipeline writes them (``make_run``: the demo set, ref-f1 judge,
tiny-llama) and linked to a published row through ``paper_row`` in ``run.json``, as ``harness
experiment`` links its eval runs. Such a run differs from the paper in model, eval set, subset and
judge, so every output must say "not comparable" and list those differences.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.paper.table5 import load_table5
from tests.harness_cli import run_harness

ROW = "llama-ext_zh-alpaca-3.5-4_sharegpt_belle-3.5"


def cli(*args: str, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return run_harness(args, env=env, timeout=300)


def linked_run(make_run, directory: Path, name: str, *, row: str = ROW, seed: int = 0) -> Path:
    run = make_run(directory, name=name, seed=seed)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    (run / "run.json").write_text(json.dumps({**record, "paper_row": row}), encoding="utf-8")
    return run


def _unbreakable_path(line: str, width: int) -> bool:
    """A line that is over only because it ends in a path: paths are printed whole, so they can be
    copied (rich would otherwise break them across lines)."""
    head, _, last = line.rstrip().rpartition(" ")
    return "/" in last and len(head) < width


def assert_fits(text: str, width: int) -> None:
    long = [line for line in text.splitlines() if len(line) > width and not _unbreakable_path(line, width)]
    assert not long, f"{len(long)} line(s) wider than {width}: {long[:3]}"


def test_report_outputs_carry_published_figures_and_the_verdict(tmp_path, make_run):
    run = linked_run(make_run, tmp_path / "run", "linked")
    row = load_table5().row(ROW)
    proc = cli("report", str(run), "--resamples", "200")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not comparable" in proc.stdout and "judge: ref-f1 instead of gpt35" in proc.stdout
    assert f"{row.macro_wo_others:.3f}" in proc.stdout
    assert_fits(proc.stdout, 80)

    scores = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    paper = scores["paper"]
    assert paper["row"] == ROW and paper["comparable"] is False and "not comparable" in paper["verdict"]
    assert {c: e["published"] for c, e in paper["columns"].items()} == row.scores
    differences = " | ".join(paper["differences"])
    for expected in ("eval set: demo instead of belle-eval", "of the 1,000 questions", "judge: ref-f1"):
        assert expected in differences

    markdown = (run / "report.md").read_text(encoding="utf-8")
    assert "## Published vs measured" in markdown and f"**{paper['verdict']}**" in markdown
    assert (
        f"| rewrite | {scores['columns']['rewrite']['mean']:.3f} | {row.scores['rewrite']:.3f} |" in markdown
    )
    assert "- judge: ref-f1 instead of gpt35" in markdown

    html = (run / "report.html").read_text(encoding="utf-8")
    assert 'class="verdict not-comparable"' in html and paper["verdict"] in html
    assert "judge: ref-f1 instead of gpt35 (gpt-3.5-turbo)" in html
    assert f"<td>{row.scores['closed_qa']:.3f}</td>" in html


def test_unlinked_run_prints_no_published_figures(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="plain")
    proc = cli("report", str(run), "--resamples", "200")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "published" not in proc.stdout and "comparable" not in proc.stdout
    assert "paper" not in json.loads((run / "scores.json").read_text(encoding="utf-8"))
    assert "Published vs measured" not in (run / "report.md").read_text(encoding="utf-8")


def test_compare_shows_the_verdict_beside_paper_figures(tmp_path, make_run):
    a = linked_run(make_run, tmp_path / "a", "run-a")
    b = make_run(tmp_path / "b", name="run-b", seed=3)
    page = tmp_path / "compare.html"
    proc = cli("compare", str(a), str(b), "--resamples", "200", "--html", str(page))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "published vs measured for run-a" in proc.stdout and "not comparable" in proc.stdout
    assert "run-b" not in proc.stdout.split("published vs measured")[1]  # only the linked run
    assert_fits(proc.stdout, 80)
    html = page.read_text(encoding="utf-8")
    assert "run-a vs the paper" in html and "not comparable" in html and "run-b vs the paper" not in html
    payload = json.loads(cli("compare", str(a), str(b), "--resamples", "200", "--json").stdout)
    assert "not comparable" in payload["runs"][0]["scores"]["paper"]["verdict"]
    assert "paper" not in payload["runs"][1]["scores"]


@pytest.mark.parametrize("columns", [80, 120])
def test_table5_screens_fit_the_terminal(tmp_path, make_run, columns):
    runs = [
        str(linked_run(make_run, tmp_path / f"r{i}", f"a-rather-long-run-name-{i}", seed=i)) for i in range(3)
    ]
    for args in (("report", *runs), ("compare", *runs)):
        proc = cli(*args, "--resamples", "200", columns=columns)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "macro" in proc.stdout and "not comparable" in proc.stdout
        assert_fits(proc.stdout, columns)
        # the abbreviated runs-as-rows layout (legend included) at both widths
        assert "oth = others" in proc.stdout
