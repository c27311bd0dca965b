"""``harness compare A B --judge mt-bench-pair --judge-model j1,j2,j3``: a pairwise jury. Every juror
judges every pair in both orders; the jury's outcome is the jurors' majority; the jurors' agreement
(Krippendorff's alpha, nominal) and each juror's own win rate are printed and in ``--json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from harness.testing.pair_rules import shown_answer
from tests.harness_cli import run_harness

pytestmark = pytest.mark.slow  # seconds of CPU: left out of the quick subset (-m "not slow")

N = 4
FOR_B = ("judge-b1", "judge-b2")  # these jurors always prefer run b's answer; any other, run a's


def write_run(directory: Path, name: str, answer: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "run.json").write_text(
        json.dumps(
            {"name": name, "model": f"model-{name}", "judge": "none", "dataset": "list", "status": "complete"}
        ),
        encoding="utf-8",
    )
    (directory / "generations.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "id": f"w{i}",
                    "category": "writing",
                    "question": f"Write about {i}.",
                    "reference": "",
                    "answer": f"{answer} {i}",
                    "prompt": "",
                    "model": f"model-{name}",
                }
            )
            + "\n"
            for i in range(N)
        ),
        encoding="utf-8",
    )
    return directory


def by_model(body: dict) -> str:
    """A juror's verdict: the answer of run b (``beta``) for FOR_B jurors, of run a otherwise."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if isinstance(m, dict))
    wanted = "beta" if body.get("model") in FOR_B else "alpha"
    return "[[A]]" if wanted in (shown_answer(prompt, "A") or "") else "[[B]]"


@pytest.fixture
def runs(tmp_path, shared_data):
    if not (shared_data / "mtbench" / "judge_prompts.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    return write_run(tmp_path / "a", "a", "alpha"), write_run(tmp_path / "b", "b", "beta")


def compare(runs, shared_data, harness_home, *extra: str):
    env = {**os.environ, "HARNESS_HOME": str(harness_home), "OPENAI_API_KEY": "sk-test-jury", "COLUMNS": "80"}
    with ChatCompletionsServer(reply=by_model, echo_model=True) as server:
        base = [
            "compare",
            str(runs[0]),
            str(runs[1]),
            "--judge",
            "mt-bench-pair",
            "--judge-api-base",
            server.base_url,
            "--data-dir",
            str(shared_data),
            "--resamples",
            "200",
            *extra,
        ]
        text = run_harness(base, env=env)
        sent = server.n_requests
        as_json = run_harness([*base, "--json"], env=env)
        assert server.n_requests == sent  # the second time every juror's verdicts come from the cache
        asked = sorted({r.get("model") for r in server.requests})
        assert sent == 2 * N * len(asked)  # every juror, every pair, both orders
    return text, as_json, asked


def test_majority_of_three_jurors_decides_and_agreement_is_reported(runs, shared_data, harness_home):
    text, as_json, asked = compare(
        runs, shared_data, harness_home, "--judge-model", "judge-b1,judge-b2,judge-a"
    )
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    assert asked == ["judge-a", "judge-b1", "judge-b2"]
    result = json.loads(as_json.stdout)
    assert result["wins_b"] == N and result["wins_a"] == 0 and result["win_rate_b"] == 1.0
    jury = result["jury"]
    assert jury["jurors"] == ["judge-b1", "judge-b2", "judge-a"] and jury["aggregation"] == "majority"
    assert jury["n_pairs"] == N and jury["no_majority"] == 0
    assert jury["win_rate_b"] == {"judge-b1": 1.0, "judge-b2": 1.0, "judge-a": 0.0}
    # two jurors say b, one a, on every pair: worse than chance (nominal alpha 1 - (2/3) / (16/33))
    assert jury["krippendorff_alpha_nominal"] == pytest.approx(-0.375)
    assert result["judge_bias"]["flip_rate"]["n"] == 3 * N  # every juror's pairs
    assert set(result["stats"]["jurors"]) == {"judge-b1", "judge-b2", "judge-a"}
    out = " ".join(text.stdout.split())
    assert "jury of 3 (judge-b1, judge-b2, judge-a), majority" in out
    assert "Krippendorff's alpha (nominal) -0.375" in out
    assert "win rate of b by juror: judge-b1 1.000, judge-b2 1.000, judge-a 0.000" in out


def test_split_jury_is_a_tie(runs, shared_data, harness_home):
    _, as_json, _ = compare(runs, shared_data, harness_home, "--judge-model", "judge-b1,judge-a")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["ties"] == N and result["win_rate_b"] == 0.5 and result["jury"]["no_majority"] == N


def test_one_judge_model_has_no_jury(runs, shared_data, harness_home):
    text, as_json, asked = compare(runs, shared_data, harness_home, "--judge-model", "judge-b1")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    assert asked == ["judge-b1"] and "jury" not in result and result["win_rate_b"] == 1.0
    assert "jury" not in text.stdout


@pytest.mark.parametrize("how", ["mean", "median", "vote"])
def test_pointwise_or_unknown_aggregation_is_a_usage_error(runs, shared_data, harness_home, how):
    text, _, asked = compare(
        runs, shared_data, harness_home, "--judge-model", "judge-b1,judge-a", "--jury-aggregation", how
    )
    assert text.returncode == 2 and "Traceback" not in text.stderr
    assert f"--jury-aggregation {how!r} is not a pairwise aggregation" in text.stderr
    assert asked == []  # refused before any juror was asked


def test_a_jury_saves_its_majority_outcomes_for_calibrate(runs, shared_data, harness_home, tmp_path):
    saved = tmp_path / "verdicts.jsonl"
    text, _, _ = compare(
        runs,
        shared_data,
        harness_home,
        "--judge-model",
        "judge-b1,judge-b2,judge-a",
        "--verdicts",
        str(saved),
    )
    assert text.returncode == 0, text.stderr
    lines = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    pairs = [r for r in lines if "outcome" in r]
    assert len(pairs) == N and {r["outcome"] for r in pairs} == {"b"}  # the jury's, not one juror's
