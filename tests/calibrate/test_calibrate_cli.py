"""``harness calibrate RUN --labels FILE`` through the CLI: on a judge biased by a known amount, the
prediction-powered interval covers the people's true mean and the judge's own interval does not;
the labels are stored in the run and the report shows the calibrated figure; a bad labels file is
exit 2 naming file and line, and the user's file is never written."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest

from tests.calibrate.synthetic import people_and_judge, write_labels, write_scored_run
from tests.harness_cli import run_harness

KEYS = {
    "n",
    "n_labels",
    "judge_mean",
    "human_mean",
    "ppi_mean",
    "ppi_ci",
    "human_only_ci",
    "spearman",
    "kappa",
}


def harness(*args, **kwargs):
    return run_harness(["calibrate", *map(str, args)], env={**os.environ, "COLUMNS": "80"}, **kwargs)


@pytest.fixture
def biased(tmp_path):
    """600 samples, a judge +1 point above people; 100 labels drawn at random."""
    people, judge = people_and_judge(600, bias=1.0, noise=1.0, seed=1)
    ids = write_scored_run(tmp_path / "run", judge)
    pick = np.random.default_rng(2).choice(600, 100, replace=False)
    labels = write_labels(tmp_path / "labels.jsonl", [ids[i] for i in pick], people[pick])
    return tmp_path / "run", labels, people, ids


def test_ppi_covers_the_truth_and_the_judge_does_not(biased):
    run, labels, people, _ = biased
    result = harness(run, "--labels", labels, "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    overall = figures["overall"]
    assert KEYS <= set(overall) and set(figures["categories"]) == {"code", "math", "writing"}
    assert all(KEYS <= set(c) for c in figures["categories"].values())
    truth = people.mean()
    assert overall["n"] == 600 and overall["n_labels"] == 100
    assert overall["ppi_ci"][0] <= truth <= overall["ppi_ci"][1]
    assert not overall["judge_ci"][0] <= truth <= overall["judge_ci"][1]
    # the judge adds information: a narrower interval than the labels alone
    assert np.diff(overall["ppi_ci"])[0] < np.diff(overall["human_only_ci"])[0]
    assert overall["judge_bias"] == pytest.approx(1.0, abs=0.3) and overall["spearman"] > 0.7


@pytest.mark.slow
def test_terminal_tables_and_the_report_show_the_calibrated_figure(biased):
    run, labels, _, _ = biased
    shown = harness(run, "--labels", labels)
    assert shown.returncode == 0, shown.stderr
    assert "ppi CI" in shown.stdout and "kappa" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    stored = json.loads((run / "calibration.json").read_text(encoding="utf-8"))
    assert stored["labels_sha256"] == hashlib.sha256(labels.read_bytes()).hexdigest()
    again = harness(run, "--json")  # the stored labels, without --labels
    assert again.returncode == 0 and json.loads(again.stdout)["overall"]["n_labels"] == 100
    report = run_harness(["report", str(run)])
    assert report.returncode == 0, report.stderr
    assert "calibrated against 100 human labels" in report.stdout
    scores = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    assert scores["calibration"]["overall"]["ppi_mean"] == json.loads(again.stdout)["overall"]["ppi_mean"]
    assert "Calibrated against people" in (run / "report.md").read_text(encoding="utf-8")
    assert 'id="calibration"' in (run / "report.html").read_text(encoding="utf-8")


def test_csv_labels_give_the_same_figures(biased, tmp_path):
    run, labels, _, _ = biased
    rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text(
        "id,score,annotator\n" + "".join(f"{r['id']},{r['score']},ann1\n" for r in rows), encoding="utf-8"
    )
    from_jsonl = json.loads(harness(run, "--labels", labels, "--json").stdout)
    from_csv = json.loads(harness(run, "--labels", csv_file, "--json").stdout)
    assert from_csv["overall"] == from_jsonl["overall"]


def test_labels_of_unscored_samples_are_counted_and_left_out(tmp_path):
    people, judge = people_and_judge(60, bias=1.0, noise=1.0, seed=4)
    ids = write_scored_run(tmp_path / "run", judge, unscored=(0, 1))
    labels = write_labels(tmp_path / "l.jsonl", ids[:20], people[:20])
    figures = json.loads(harness(tmp_path / "run", "--labels", labels, "--json").stdout)["overall"]
    assert figures["n"] == 58 and figures["n_labels"] == 18 and figures["n_labels_unscored"] == 2


BAD_FILES = {
    "unknown id": (
        '{"id": "s0000", "score": 5}\n{"id": "nope", "score": 5}\n',
        "line 2",
        "not a sample of this run",
    ),
    "off the scale": ('{"id": "s0000", "score": 11}\n', "line 1", "outside 1..10"),
    "not a number": ('{"id": "s0000", "score": "NaN"}\n', "line 1", "not a number"),
    "duplicate": (
        '{"id": "s0000", "score": 5}\n\n{"id": "s0000", "score": 6}\n',
        "line 3",
        "labelled twice (first at line 1)",
    ),
    "empty": ("\n\n", "", "no label"),
    "mixed kinds": (
        '{"id": "s0000", "score": 5}\n{"id": "s0001", "verdict": "a"}\n',
        "line 2",
        "one kind of label",
    ),
    "both keys": ('{"id": "s0000", "score": 5, "verdict": "a"}\n', "line 1", "exactly one of"),
    "bad JSON": ('{"id": "s0000", "score": 5}\n{"id": \n', "line 2", "invalid JSON"),
    "no id": ('{"score": 5}\n', "line 1", "no 'id'"),
    "control characters": ('{"id": "\\u001b[31mred", "score": 5}\n', "line 1", "not a sample"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_labels_file_is_exit_2_naming_file_and_line(tmp_path, case):
    text, line, problem = BAD_FILES[case]
    people, judge = people_and_judge(30, bias=1.0, noise=1.0, seed=5)
    write_scored_run(tmp_path / "run", judge)
    labels = tmp_path / "labels.jsonl"
    labels.write_text(text, encoding="utf-8")
    result = harness(tmp_path / "run", "--labels", labels)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert f"{labels} {line}".strip() in first and problem in first, first
    assert labels.read_text(encoding="utf-8") == text
    assert not (tmp_path / "run" / "calibration.json").exists()


def test_a_bad_csv_is_exit_2_naming_its_line(tmp_path):
    _, judge = people_and_judge(30, bias=1.0, noise=1.0, seed=5)
    write_scored_run(tmp_path / "run", judge)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,score\ns0000,5\ns0001,eleven\n", encoding="utf-8")
    result = harness(tmp_path / "run", "--labels", labels)
    assert result.returncode == 2 and f"{labels} line 3" in result.stderr and "not a number" in result.stderr


def test_verdict_labels_on_a_pointwise_run_are_refused(tmp_path):
    _, judge = people_and_judge(30, bias=1.0, noise=1.0, seed=5)
    write_scored_run(tmp_path / "run", judge)
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"id": "s0000", "verdict": "tie"}\n', encoding="utf-8")
    result = harness(tmp_path / "run", "--labels", labels)
    assert result.returncode == 2 and "pointwise" in result.stderr


def test_a_calibration_file_not_ours_is_not_overwritten(biased):
    run, labels, _, _ = biased
    (run / "calibration.json").write_text('{"mine": true}\n', encoding="utf-8")
    result = harness(run, "--labels", labels)
    assert result.returncode == 2 and "calibration.json" in result.stderr
    assert (run / "calibration.json").read_text(encoding="utf-8") == '{"mine": true}\n'
    report = run_harness(["report", str(run)])
    assert report.returncode == 0 and "calibration not shown" in " ".join(report.stdout.split())


def test_no_labels_anywhere_is_a_usage_error(biased):
    run, _, _, _ = biased
    result = harness(run)
    assert result.returncode == 2 and "no stored human labels" in result.stderr


def test_the_report_recomputes_after_the_run_is_judged_again(biased):
    """Stored labels are figures of the run as it is now: changed judgments change the estimate."""
    run, labels, _, ids = biased
    assert harness(run, "--labels", labels).returncode == 0
    before = json.loads(harness(run, "--json").stdout)["overall"]
    lines = (run / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    shifted = [json.loads(line) | {"score": 10.0} for line in lines]
    (run / "judgments.jsonl").write_text("".join(json.dumps(r) + "\n" for r in shifted), encoding="utf-8")
    after = json.loads(harness(run, "--json").stdout)["overall"]
    assert after["judge_mean"] == 10.0 and after["judge_mean"] != before["judge_mean"]


def test_labels_from_one_category_only_are_said_to_skew_the_overall(tmp_path):
    people, judge = people_and_judge(300, bias=1.0, noise=1.0, seed=6)
    ids = write_scored_run(tmp_path / "run", judge)
    math_only = [i for i in range(300) if i % 3 == 0][:60]  # categories go in turn: every third is math
    labels = write_labels(tmp_path / "l.jsonl", [ids[i] for i in math_only], people[math_only])
    result = harness(tmp_path / "run", "--labels", labels, "--json")
    figures = json.loads(result.stdout)
    assert figures["categories"]["math"]["n_labels"] == 60 and figures["categories"]["code"]["n_labels"] == 0
    assert any("not spread over the categories" in note for note in figures["notes"])
    assert (
        figures["categories"]["code"]["ppi_mean"] is None
        and figures["categories"]["code"]["spearman"] is None
    )


def test_stored_labels_calibrate_another_judge_of_the_run_on_the_same_scale(biased):
    run, labels, people, _ = biased
    assert harness(run, "--labels", labels).returncode == 0
    lines = (run / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    second = [json.loads(line) | {"judge": "k", "score": 10.0} for line in lines]
    (run / "judgments-k.jsonl").write_text("".join(json.dumps(r) + "\n" for r in second), encoding="utf-8")
    other = harness(run, "--judgments", "judgments-k.jsonl", "--json")
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout)["overall"]["judge_mean"] == 10.0
    report = run_harness(["report", str(run), "--judgments", "judgments-k.jsonl"])
    assert report.returncode == 0 and "calibrated against 100 human labels" in report.stdout


def test_a_missing_labels_file_is_exit_2(biased, tmp_path):
    run, _, _, _ = biased
    for missing in (tmp_path / "nope.jsonl", tmp_path):
        result = harness(run, "--labels", missing)
        assert result.returncode == 2 and str(missing) in result.stderr and "Traceback" not in result.stderr


def test_hostile_category_names_are_shown_inert(tmp_path):
    people, judge = people_and_judge(40, bias=1.0, noise=1.0, seed=8)
    ids = write_scored_run(tmp_path / "run", judge)
    path = tmp_path / "run" / "judgments.jsonl"
    hostile = "[bold red]x[/]\x1b[2J<script>"
    records = [
        json.loads(line) | {"category": hostile} for line in path.read_text(encoding="utf-8").splitlines()
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    labels = write_labels(tmp_path / "l.jsonl", ids[:20], people[:20])
    shown = harness(tmp_path / "run", "--labels", labels)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "[bold" in shown.stdout and "\\x1b" in shown.stdout
    assert run_harness(["report", str(tmp_path / "run")]).returncode == 0
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    calibration = html[html.index('id="calibration"') :]
    assert "&lt;script&gt;" in calibration and "J<script>" not in html


def test_labels_of_answers_since_regenerated_are_not_used(biased):
    run, labels, _, ids = biased
    (run / "generations.jsonl").write_text(
        "".join(
            json.dumps({"id": i, "category": "math", "question": "q", "answer": "old"}) + "\n" for i in ids
        ),
        encoding="utf-8",
    )
    assert harness(run, "--labels", labels).returncode == 0
    assert harness(run, "--json").returncode == 0
    (run / "generations.jsonl").write_text(
        "".join(
            json.dumps({"id": i, "category": "math", "question": "q", "answer": "new"}) + "\n" for i in ids
        ),
        encoding="utf-8",
    )
    stale = harness(run, "--json")
    assert stale.returncode == 2 and "changed since they were labelled" in stale.stderr
    report = run_harness(["report", str(run)])
    assert report.returncode == 0 and "calibrated against" not in report.stdout
    assert "changed since they were labelled" in " ".join(report.stdout.split())
