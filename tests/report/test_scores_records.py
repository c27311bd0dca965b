"""``scores.json`` as typed records (:mod:`harness.scoring.records`): what ``harness report`` writes
reads back into a record that writes the same bytes, for every kind of run the harness reports
(BELLE, MT-Bench's multi-turn pooled headline, a jury, a calibrated judge, runs compared); a file an
older version wrote still loads and writes back unchanged; a damaged one is a one-line usage error.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.report.write import scores_json
from harness.scoring.records import Scores, load_scores
from tests.calibrate.synthetic import people_and_judge, write_labels, write_scored_run
from tests.harness_cli import run_harness

TEN = {"low": 1.0, "high": 10.0, "kind": "pointwise"}


def cli(*args: str) -> subprocess.CompletedProcess:
    return run_harness(args, env={**os.environ, "COLUMNS": "200"}, timeout=120)


def _write_lines(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def multi_turn_run(directory: Path) -> Path:
    """An MT-Bench run: two turns per question on 1..10, one turn unrated (pooled headline, turns)."""
    directory.mkdir(parents=True)
    meta = {"name": "mt", "model": "m", "judge": "gpt4-single", "dataset": "mt-bench"}
    (directory / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    records = []
    for q in range(6):
        category = ("writing", "math")[q % 2]
        for turn in (1, 2):
            unrated = q == 0 and turn == 2
            records.append(
                {
                    "id": f"q{q}:turn{turn}",
                    "sample_id": f"q{q}",
                    "turn": turn,
                    "category": category,
                    "score": None if unrated else float(3 + (q + turn) % 7),
                    "status": "unscored" if unrated else "scored",
                    "scale": TEN,
                    "judge": "gpt4-single",
                    "repeat": 0,
                    "raw": "",
                    "reason": "no rating" if unrated else "",
                }
            )
    _write_lines(directory / "judgments.jsonl", records)
    return directory


def jury_run(directory: Path) -> Path:
    """Two jurors judging every sample, combined by their median (``run.json`` records how)."""
    directory.mkdir(parents=True)
    meta = {
        "name": "jury",
        "model": "m",
        "judge": "j",
        "dataset": "demo",
        "config": {"jury_aggregation": "median"},
    }
    (directory / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    records = [
        {
            "id": f"s{i}",
            "category": ("rewrite", "math", "code")[i % 3],
            "score": round(0.1 * ((i * (2 + k)) % 10), 3),
            "status": "scored",
            "judge": "j",
            "juror": juror,
            "repeat": 0,
            "raw": "",
            "reason": "",
        }
        for i in range(12)
        for k, juror in enumerate(("model-a", "model-b"))
    ]
    _write_lines(directory / "judgments.jsonl", records)
    return directory


def calibrated_run(directory: Path) -> Path:
    """A 1..10 judge that runs high, with people's labels stored by ``harness calibrate``."""
    people, judge = people_and_judge(60, bias=1.0, noise=0.5, seed=4)
    ids = write_scored_run(directory, judge, unscored=(3,))
    labels = write_labels(directory.parent / f"{directory.name}-labels.jsonl", ids[:30], people[:30])
    stored = cli("calibrate", str(directory), "--labels", str(labels))
    assert stored.returncode == 0, stored.stdout + stored.stderr
    return directory


def assert_round_trips(path: Path) -> Scores:
    """The record read from ``path`` writes back exactly the bytes on disk."""
    text = path.read_text(encoding="utf-8")
    scores = Scores.from_dict(json.loads(text))
    assert scores_json(scores) == text
    assert scores.to_dict() == json.loads(text)
    return scores


def test_every_kind_of_scores_json_reads_back_byte_for_byte(tmp_path, make_run):
    runs = {
        "belle": make_run(tmp_path / "belle", name="belle", unscored_every=7, torn=True),
        "mt-bench": multi_turn_run(tmp_path / "mt"),
        "jury": jury_run(tmp_path / "jury"),
        "calibrated": calibrated_run(tmp_path / "cal"),
    }
    proc = cli("report", *map(str, runs.values()), "--resamples", "200", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    printed = json.loads(proc.stdout)
    for (kind, run), as_json in zip(runs.items(), printed, strict=True):
        scores = assert_round_trips(run / "scores.json")
        assert scores.to_dict() == as_json, kind  # --json prints what the file holds
    mt = load_scores(runs["mt-bench"] / "scores.json")
    assert mt.headline is not None and mt.headline.aggregation == "pooled" and mt.section("turns")
    assert mt.scale is not None and (mt.scale.low, mt.scale.high) == (1.0, 10.0)
    assert load_scores(runs["jury"] / "scores.json").section("jury")["aggregation"] == "median"
    assert (
        load_scores(runs["calibrated"] / "scores.json").section("calibration")["overall"]["n_labels"] == 29
    )  # not the unscored one
    assert load_scores(runs["belle"] / "scores.json").totals.n_unscored == 5


def test_compare_json_carries_the_same_scores_records(tmp_path, make_run):
    a = make_run(tmp_path / "a", name="run-a", seed=1)
    b = make_run(tmp_path / "b", name="run-b", seed=1, shift=0.2)
    proc = cli("compare", str(a), str(b), "--resamples", "200", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for run in json.loads(proc.stdout)["runs"]:
        scores = Scores.from_dict(run["scores"])
        assert scores.to_dict() == run["scores"]
        assert scores.run["name"] == run["name"] and scores.macro.mean is not None


def old_scores(directory: Path) -> dict:
    """The ``scores.json`` of ``directory`` as versions before headlines and declared scales wrote it:
    no ``headline``, ``scale``, ``rejected_scores``, ``judge_bias`` or ``turns``."""
    data = json.loads((directory / "scores.json").read_text(encoding="utf-8"))
    for key in ("headline", "scale", "rejected_scores", "judge_bias", "turns", "published"):
        data.pop(key, None)
    return data


def test_an_old_run_directory_still_loads_reports_and_compares(tmp_path, make_run):
    a = make_run(tmp_path / "a", name="old-a", seed=1)
    b = make_run(tmp_path / "b", name="old-b", seed=2)
    assert cli("report", str(a), "--resamples", "100").returncode == 0
    old = old_scores(a)
    (a / "scores.json").write_text(json.dumps(old, indent=2) + "\n", encoding="utf-8")
    (b / "scores.json").write_text(json.dumps(old, indent=2) + "\n", encoding="utf-8")
    record = load_scores(a / "scores.json")
    assert record.headline is None and record.scale is None and record.rejected_scores is None
    assert record.to_dict() == old  # keys an older version did not write stay absent
    assert record.scale_or_default.to_dict() == {"low": 0.0, "high": 1.0, "kind": "pointwise"}
    # run.json as old versions wrote it: name, model, judge, dataset (no config, status, counts)
    for command in (("report", str(a), str(b)), ("compare", str(a), str(b))):
        proc = cli(*command, "--resamples", "100")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "old-a" in proc.stdout and "old-b" in proc.stdout


def test_unknown_top_level_keys_are_kept_in_order(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="x")
    assert cli("report", str(run), "--resamples", "100").returncode == 0
    data = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    data["from_a_newer_version"] = {"kept": [1, 2]}
    scores = Scores.from_dict(data)
    assert scores.section("from_a_newer_version") == {"kept": [1, 2]}
    assert list(scores.to_dict()) == list(data)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"schema": "harness.scores/1",\n "macro": ', r"scores\.json:2: invalid JSON"),
        ("[1, 2]", r"scores\.json:1: expected a JSON object"),
        ('{"categories": {}}', r"scores\.json: not a scores file: columns: expected an object"),
    ],
    ids=["cut-short", "not-an-object", "no-columns"],
)
def test_a_damaged_scores_file_is_a_usage_error_naming_it(tmp_path, text, said):
    path = tmp_path / "scores.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=said):
        load_scores(path)


def test_a_figure_of_the_wrong_type_is_named(tmp_path, make_run):
    run = make_run(tmp_path / "run", name="x")
    assert cli("report", str(run), "--resamples", "100").returncode == 0
    data = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    data["categories"]["math"]["n"] = "3"
    data["macro"]["mean"] = True
    (run / "scores.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError, match=r"scores\.json: not a scores file: categories\.math\.n: not a"):
        load_scores(run / "scores.json")
    del data["categories"]["math"]["n"]
    with pytest.raises(ValueError, match=r"categories\.math: no 'n'"):
        Scores.from_dict(data)
