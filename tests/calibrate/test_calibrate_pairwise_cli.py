"""``harness compare A B --judge mt-bench-pair --verdicts FILE`` then ``harness calibrate FILE --labels
LABELS``, through the CLI against the test server's length-biased pairwise judge: the verdicts file
records every pair's outcome and both runs; calibration gives FastChat's agreement (with and without
ties) and the prediction-powered win rate of B, which corrects the judge's length bias; answers
regenerated since, bad label files and a foreign file at --verdicts are exit 2 naming the file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from harness.testing.pair_rules import preference_reply
from tests.harness_cli import run_harness

pytestmark = pytest.mark.slow  # seconds of CPU: left out of the quick subset (-m "not slow")

N = 60
# people's verdict on pair i, by i % 5. B's answer is the longer one unless i % 5 == 0, so the
# length-biased judge says a there and b everywhere else: it agrees with people where i % 5 is 0, 1
# or 2 (3 in 5 with ties), and on 3 of the 4 pairs without a tie (i % 5 == 3 is people's tie).
PEOPLE = {0: "a", 1: "b", 2: "b", 3: "tie", 4: "a"}
POINTS = {"a": 0.0, "tie": 0.5, "b": 1.0}
TRUTH = sum(POINTS[v] for v in PEOPLE.values()) / 5  # the people's win rate of B: 0.5


def pair_id(i: int) -> str:
    return f"w{i:02d}"


def category(i: int) -> str:
    return "writing" if i < N // 2 else "roleplay"


def write_run(directory: Path, name: str, verbose: bool) -> Path:
    """A finished run of N prompts; the verbose run's answer is the longer one unless i % 5 == 0."""
    directory.mkdir(parents=True)
    (directory / "run.json").write_text(
        json.dumps(
            {"name": name, "model": f"model-{name}", "judge": "none", "dataset": "list", "status": "complete"}
        ),
        encoding="utf-8",
    )
    lines = []
    for i in range(N):
        length = 40 + i if bool(i % 5) == verbose else 20
        lines.append(
            json.dumps(
                {
                    "id": pair_id(i),
                    "category": category(i),
                    "question": f"Write about {i}.",
                    "reference": "",
                    "answer": "x" * length,
                    "prompt": "",
                    "model": f"model-{name}",
                }
            )
        )
    (directory / "generations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def harness(*args, env=None):
    return run_harness(
        [str(a) for a in args], env={**os.environ, "COLUMNS": "80", **(env or {})}, timeout=300
    )


@pytest.fixture
def compared(tmp_path, shared_data, harness_home):
    """Two runs, a --judge comparison writing verdicts.jsonl, and a callable to run it again."""
    if not (shared_data / "mtbench" / "judge_prompts.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    runs = write_run(tmp_path / "a", "a", False), write_run(tmp_path / "b", "b", True)
    env = {"HARNESS_HOME": str(harness_home), "OPENAI_API_KEY": "sk-test-paircal"}
    server = ChatCompletionsServer(reply=preference_reply("longer"), model_name="gpt-4-0613")

    def compare(verdicts: Path):
        with server:
            return harness(
                "compare",
                *runs,
                "--judge",
                "mt-bench-pair",
                "--judge-api-base",
                server.base_url,
                "--data-dir",
                shared_data,
                "--resamples",
                "200",
                "--verdicts",
                verdicts,
                env=env,
            )

    verdicts = tmp_path / "verdicts.jsonl"
    result = compare(verdicts)
    assert result.returncode == 0, result.stderr
    return runs, verdicts, compare


def write_labels(path: Path, ids: list[int]) -> Path:
    path.write_text(
        "".join(json.dumps({"id": pair_id(i), "verdict": PEOPLE[i % 5]}) + "\n" for i in ids),
        encoding="utf-8",
    )
    return path


def test_verdicts_file_records_outcomes_and_both_runs(compared):
    runs, verdicts, _ = compared
    header, *pairs = [json.loads(line) for line in verdicts.read_text(encoding="utf-8").splitlines()]
    assert header["schema"] == "harness.pair-verdicts/1" and header["n_pairs"] == N
    for side, run in zip(("a", "b"), runs, strict=True):
        assert header[side]["path"] == str(run.resolve())
        assert (
            header[side]["generations_sha256"]
            == hashlib.sha256((run / "generations.jsonl").read_bytes()).hexdigest()
        )
    assert [p["id"] for p in pairs] == [pair_id(i) for i in range(N)]
    assert [p["outcome"] for p in pairs] == ["a" if i % 5 == 0 else "b" for i in range(N)]
    first = pairs[0]
    assert (
        first["category"] == "writing"
        and first["judge"] == "mt-bench-pair"
        and "gpt-4" in first["judge_models"]
    )
    assert sorted(v["order"] for v in first["verdicts"]) == ["ab", "ba"]
    assert {v["verdict"] for v in first["verdicts"]} == {"A", "B"}  # a shown first, then second: a wins both
    assert isinstance(first["template_hash"], str) and first["template_hash"]
    assert sorted(p.name for p in runs[0].iterdir()) == [
        "generations.jsonl",
        "run.json",
    ]  # nothing written there


def test_agreement_and_ppi_correct_the_length_bias(compared, tmp_path):
    _, verdicts, _ = compared
    labels = write_labels(tmp_path / "labels.jsonl", list(range(0, N, 2)))
    result = harness("calibrate", verdicts, "--labels", labels, "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    overall = figures["overall"]
    assert set(figures["categories"]) == {"roleplay", "writing"}
    assert overall["n"] == N and overall["n_labels"] == N // 2
    assert overall["judge_mean"] == pytest.approx(0.8) and overall["human_mean"] == pytest.approx(TRUTH)
    assert overall["agreement_with_ties"] == pytest.approx(0.6) and overall["agreement_with_ties_n"] == N // 2
    assert (
        overall["agreement_without_ties"] == pytest.approx(0.75) and overall["agreement_without_ties_n"] == 24
    )
    assert overall["agreement_with_ties_ci"][0] < 0.6 < overall["agreement_with_ties_ci"][1]
    assert overall["ppi_ci"][0] <= TRUTH <= overall["ppi_ci"][1] and overall["ppi_mean"] == pytest.approx(
        TRUTH
    )
    assert not overall["judge_ci"][0] <= TRUTH <= overall["judge_ci"][1]  # the judge alone misses the truth
    assert overall["human_only_ci"][0] <= TRUTH <= overall["human_only_ci"][1]
    for group in figures["categories"].values():
        assert (
            group["n"] == N // 2
            and group["n_labels"] == N // 4
            and group["agreement_with_ties"] == pytest.approx(0.6)
        )
    shown = harness("calibrate", verdicts, "--labels", labels)
    assert shown.returncode == 0, shown.stderr
    assert "with ties" in shown.stdout and "ppi CI" in shown.stdout and "win rate of B" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80


def test_regenerated_answers_are_refused(compared, tmp_path):
    runs, verdicts, _ = compared
    labels = write_labels(tmp_path / "labels.jsonl", [0, 1, 2])
    with (runs[1] / "generations.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "new", "category": "writing", "question": "q", "answer": "x"}) + "\n")
    result = harness("calibrate", verdicts, "--labels", labels)
    assert result.returncode == 2 and str(verdicts) in result.stderr and "changed" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("lines", "line_no", "problem"),
    [
        ([{"id": "w00", "verdict": "a"}, {"id": "nope", "verdict": "b"}], 2, "not a sample"),
        ([{"id": "w00", "verdict": "maybe"}], 1, "is not one of"),
        ([{"id": "w00", "verdict": "a"}, {"id": "w00", "verdict": "b"}], 2, "labelled twice"),
        ([{"id": "w00", "score": 7}], 1, "pairwise labels"),
    ],
)
def test_bad_label_files_name_file_and_line(compared, tmp_path, lines, line_no, problem):
    _, verdicts, _ = compared
    labels = tmp_path / "bad.jsonl"
    labels.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    result = harness("calibrate", verdicts, "--labels", labels)
    assert result.returncode == 2, result.stdout
    assert f"{labels} line {line_no}" in result.stderr and problem in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_labels_file(compared, tmp_path):
    _, verdicts, _ = compared
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    result = harness("calibrate", verdicts, "--labels", tmp_path / "empty.jsonl")
    assert result.returncode == 2 and "empty.jsonl" in result.stderr and "no label" in result.stderr


def test_foreign_file_is_never_overwritten(compared, tmp_path):
    runs, verdicts, compare = compared
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text('{"mine": true}\n', encoding="utf-8")
    result = compare(foreign)
    assert result.returncode == 2 and "notes.jsonl" in result.stderr and "never overwrites" in result.stderr
    assert foreign.read_text(encoding="utf-8") == '{"mine": true}\n'
    inside = compare(runs[0] / "verdicts.jsonl")
    assert inside.returncode == 2 and not (runs[0] / "verdicts.jsonl").exists()
    again = compare(verdicts)  # its own file: written again
    assert again.returncode == 0, again.stderr
    assert f"wrote {verdicts}" in again.stdout.replace("\n", "")
    not_verdicts = harness("calibrate", foreign, "--labels", foreign)
    assert not_verdicts.returncode == 2 and "notes.jsonl" in not_verdicts.stderr


def test_csv_labels_and_a_corrupt_verdicts_line(compared, tmp_path):
    _, verdicts, _ = compared
    labels = tmp_path / "people.csv"
    labels.write_text(
        "id,verdict,annotator\n" + "".join(f"{pair_id(i)},{PEOPLE[i % 5]},x\n" for i in range(10)),
        encoding="utf-8",
    )
    result = harness("calibrate", verdicts, "--labels", labels, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["overall"]["n_labels"] == 10
    assert harness("calibrate", verdicts).returncode == 2  # a verdicts file needs --labels
    lines = verdicts.read_text(encoding="utf-8").splitlines()
    lines[2] = '{"id": "w01", "outcome": "\\u001b[31mmaybe"}'
    verdicts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = harness("calibrate", verdicts, "--labels", labels)
    assert broken.returncode == 2 and f"{verdicts} line 3" in broken.stderr and "\x1b" not in broken.stderr
