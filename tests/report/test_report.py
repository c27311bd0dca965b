"""``write_report`` and the ``report`` / ``compare`` commands on small run directories."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess

import pytest

from harness.errors import DataError
from harness.report import write_report
from harness.scoring import TABLE5_COLUMNS
from tests.harness_cli import run_harness


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return run_harness(args, env=env, timeout=120)


def test_write_report_files_and_scores_format(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="demo-run", unscored_every=7, torn=True, evil_answer=True)
    scores = write_report(run, n_resamples=300)
    for name in ("scores.json", "scores.csv", "report.md", "report.html"):
        assert (run / name).is_file()
    on_disk = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    assert on_disk["categories"] == scores.to_dict()["categories"]
    for key in ("mean", "n", "ci_low", "ci_high", "n_unscored", "n_failed"):
        assert key in on_disk["categories"]["math"]
    for key in ("macro", "macro_wo_others"):
        assert set(on_disk[key]) >= {"mean", "ci_low", "ci_high"}
    assert on_disk["column_order"] == list(TABLE5_COLUMNS)
    assert on_disk["run"]["name"] == "demo-run" and on_disk["run"]["model"] == "tiny-llama"
    assert on_disk["totals"]["n_samples"] == 30 and on_disk["totals"]["n_unscored"] == 5
    assert any("torn last line" in note for note in on_disk["notes"])
    rows = list(csv.DictReader(io.StringIO((run / "scores.csv").read_text(encoding="utf-8"))))
    assert (
        len(rows) == 1 + 10 + 9 + 2 and rows[0]["kind"] == "headline" and rows[-1]["id"] == "macro_wo_others"
    )
    markdown = (run / "report.md").read_text(encoding="utf-8")
    assert "| run | others | rewrite | classification |" in markdown and "macro ave w/o others" in markdown
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;document.documentElement" in html  # escaped, not executable
    assert "<script>document.documentElement" not in html and "<img src=x" not in html
    assert "&lt;/td&gt;&lt;b&gt;raw&lt;/b&gt;" in html
    assert 'id="category-chart"' in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_bad_run_directories(tmp_path, make_run):
    with pytest.raises(DataError, match="not a run directory"):
        write_report(tmp_path / "nope")
    run = make_run(tmp_path / "run", name="x")
    lines = (run / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][:20]
    (run / "judgments.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"judgments\.jsonl line 4: invalid JSON"):
        write_report(run)
    with pytest.raises(DataError, match="no judgments file"):
        write_report(run, judgments_file="judgments-other.jsonl")


def test_other_judges_report_does_not_overwrite(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="x")
    make_run(run, name="x", seed=9, judge="gpt-4o", judgments_file="judgments-gpt-4o.jsonl")
    main = write_report(run, n_resamples=200)
    other = write_report(run, judgments_file="judgments-gpt-4o.jsonl", n_resamples=200)
    assert (run / "scores-gpt-4o.json").is_file() and (run / "report-gpt-4o.html").is_file()
    assert json.loads((run / "scores.json").read_text(encoding="utf-8"))["macro"] == main.to_dict()["macro"]
    assert other.macro != main.macro


def test_cli_report_and_compare(tmp_path, make_run):
    a = make_run(tmp_path / "a", name="run-a", seed=1)
    b = make_run(tmp_path / "b", name="run-b", seed=1, shift=0.2)
    result = cli("report", str(a), str(b), "--resamples", "300")
    assert result.returncode == 0, result.stderr
    assert "run-a" in result.stdout and "run-b" in result.stdout and "macro ave w/o others" in result.stdout
    assert (a / "report.html").is_file() and (b / "scores.json").is_file()
    compared = cli("compare", str(a), str(b), "--resamples", "300")
    assert compared.returncode == 0, compared.stderr
    assert "paired deltas: run-b − run-a" in compared.stdout and "macro ave" in compared.stdout
    as_json = json.loads(cli("compare", str(a), str(b), "--json", "--resamples", "300").stdout)
    delta = as_json["comparisons"][0]["macro"]
    assert delta["delta"] > 0.1 and delta["p_value"] < 0.05 and delta["ci_low"] > 0
    missing = cli("report", str(tmp_path / "missing"))
    assert missing.returncode == 2 and "not a run directory" in missing.stderr
    single = cli("compare", str(a))
    assert single.returncode == 2


def test_cli_compare_judges(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="x", seed=1)
    make_run(run, name="x", seed=1, shift=0.05, judge="gpt-4o", judgments_file="judgments-gpt-4o.jsonl")
    result = cli("compare", "--judges", str(run))
    assert result.returncode == 0, result.stderr
    assert "judge agreement" in result.stdout and "judgments-gpt-4o.jsonl" in result.stdout
    lonely = make_run(tmp_path / "lonely", name="y")
    refused = cli("compare", "--judges", str(lonely))
    assert refused.returncode == 2 and "two sets of judgments" in refused.stderr
