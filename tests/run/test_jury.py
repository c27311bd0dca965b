"""Issue 26 section 4: a jury of judge models (``--judge-model a,b``).

Through the CLI against a ``harness.testing`` server that answers as the model asked for, each
model scoring by its own script: every juror judges every item, each line says which juror gave
it, the run is scored on the jurors' mean, their agreement (Krippendorff's alpha) is printed and
stored, and a resumed run asks only for the missing (item, juror) pairs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from harness.scoring.jury import jury_agreement
from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness
from tests.run.conftest import lines

N = 6


def by_model(body: dict) -> str:
    """judge-a scores by the prompt; judge-b gives the same score, a tenth lower (floor 0)."""
    digest = hashlib.sha256(json.dumps(body["messages"], ensure_ascii=False).encode()).digest()
    score = digest[0] % 11 / 10
    if body.get("model") == "judge-b":
        score = max(0.0, score - 0.1)
    return f"得分: {score:.1f}\n理由: 按题目打分。"


def _env(home: Path, gen: ChatCompletionsServer) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        {
            "HARNESS_HOME": str(home),
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": gen.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "80",
        }
    )
    return env


def run_args(out: Path, base: str, models: str, *extra: str) -> list[str]:
    return [
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        "demo",
        "--limit",
        str(N),
        "--judge",
        "gpt35",
        "--judge-api-base",
        base,
        "--judge-model",
        models,
        "--out",
        str(out),
        "--name",
        "a",
        "--no-progress",
        *extra,
    ]


def test_every_juror_judges_every_item_and_the_run_scores_their_mean(tmp_path, gen_server):
    out = tmp_path / "runs"
    with ChatCompletionsServer(by_model, echo_model=True) as judge:
        result = run_harness(
            run_args(out, judge.base_url, "judge-a,judge-b"),
            env=_env(tmp_path / "h", gen_server),
            timeout=240,
        )
        asked = judge.n_requests
    assert result.returncode == 0, result.stdout + result.stderr
    run_dir = out / "a"
    judgments = lines(run_dir / "judgments.jsonl")
    assert asked == 2 * N and len(judgments) == 2 * N
    assert sorted((j["id"], j["juror"]) for j in judgments) == sorted(
        (i, m) for i in {j["id"] for j in judgments} for m in ("judge-a", "judge-b")
    )
    assert {j["meta"]["answering_model"] for j in judgments} == {"judge-a", "judge-b"}
    scores = json.loads((run_dir / "scores.json").read_text(encoding="utf-8"))
    jury = scores["jury"]
    assert jury["jurors"] == ["judge-a", "judge-b"] and jury["aggregation"] == "mean"
    assert jury == jury_agreement(judgments)
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert meta["jury"] == jury
    assert set(meta["judge_stats"]["jurors"]) == {"judge-a", "judge-b"}  # cost and counts per juror
    expected = sum(j["score"] for j in judgments) / len(judgments)  # every juror scored every item
    assert scores["totals"]["n_samples"] == N and scores["totals"]["n"] == N  # one verdict per item
    weighted = sum(c["mean"] * c["n"] for c in scores["categories"].values() if c.get("n")) / N
    assert weighted == pytest.approx(expected)
    text = " ".join(result.stdout.split())
    assert "jury of 2 (judge-a, judge-b), mean of their scores" in text and "Krippendorff's alpha" in text


def test_resume_asks_only_the_missing_item_juror_pairs(tmp_path, gen_server):
    out = tmp_path / "runs"
    env = _env(tmp_path / "h", gen_server)
    with ChatCompletionsServer(by_model, echo_model=True) as judge:
        assert (
            run_harness(run_args(out, judge.base_url, "judge-a,judge-b"), env=env, timeout=240).returncode
            == 0
        )
    path = out / "a" / "judgments.jsonl"
    removed = sorted({j["id"] for j in lines(path)})[:2]
    kept = [j for j in lines(path) if not (j["juror"] == "judge-b" and j["id"] in removed)]
    dropped = 2 * N - len(kept)
    assert dropped == 2
    path.write_text("".join(json.dumps(j, ensure_ascii=False) + "\n" for j in kept), encoding="utf-8")
    with ChatCompletionsServer(by_model, echo_model=True, keep_requests=None) as judge:
        again = run_harness(
            run_args(out, judge.base_url, "judge-a,judge-b", "--no-cache"), env=env, timeout=240
        )
        bodies = judge.requests
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(bodies) == dropped and {b["model"] for b in bodies} == {"judge-b"}
    assert len(lines(path)) == 2 * N


def test_one_judge_model_writes_no_jury_fields(tmp_path, gen_server):
    out = tmp_path / "runs"
    with ChatCompletionsServer(by_model, echo_model=True) as judge:
        result = run_harness(
            run_args(out, judge.base_url, "judge-a"), env=_env(tmp_path / "h", gen_server), timeout=240
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert all("juror" not in j for j in lines(out / "a" / "judgments.jsonl"))
    assert "jury" not in json.loads((out / "a" / "scores.json").read_text(encoding="utf-8"))
    assert "jury" not in json.loads((out / "a" / "run.json").read_text(encoding="utf-8"))
    assert "jury" not in result.stdout


@pytest.mark.parametrize("models", ["judge-a,,judge-b", "judge-a,judge-a"])
def test_a_bad_jury_is_exit_2(tmp_path, gen_server, models):
    result = run_harness(
        run_args(tmp_path / "runs", "http://127.0.0.1:9/v1", models),
        env=_env(tmp_path / "h", gen_server),
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "--judge-model" in result.stderr


def test_compare_judges_splits_a_jury_run_by_juror(tmp_path, gen_server):
    out = tmp_path / "runs"
    env = _env(tmp_path / "h", gen_server)
    with ChatCompletionsServer(by_model, echo_model=True) as judge:
        assert (
            run_harness(run_args(out, judge.base_url, "judge-a,judge-b"), env=env, timeout=240).returncode
            == 0
        )
    result = run_harness(
        ["compare", "--judges", str(out / "a" / "judgments.jsonl"), "--json"], env=env, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "judge-a" in result.stdout and "judge-b" in result.stdout


def test_median_aggregation_is_declared_and_used(tmp_path, gen_server):
    import statistics

    out = tmp_path / "runs"
    with ChatCompletionsServer(by_model, echo_model=True) as judge:
        result = run_harness(
            run_args(out, judge.base_url, "judge-a,judge-b,judge-c", "--jury-aggregation", "median"),
            env=_env(tmp_path / "h", gen_server),
            timeout=240,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    judgments = lines(out / "a" / "judgments.jsonl")
    per_item: dict[str, list[float]] = {}
    for j in judgments:
        per_item.setdefault(j["id"], []).append(j["score"])
    expected = statistics.fmean(statistics.median(v) for v in per_item.values())
    scores = json.loads((out / "a" / "scores.json").read_text(encoding="utf-8"))
    assert scores["jury"]["aggregation"] == "median" and len(scores["jury"]["jurors"]) == 3
    weighted = sum(c["mean"] * c["n"] for c in scores["categories"].values() if c.get("n")) / N
    assert weighted == pytest.approx(expected)
    assert "median of their scores" in " ".join(result.stdout.split())


def test_an_unknown_aggregation_is_exit_2(tmp_path, gen_server):
    result = run_harness(
        run_args(tmp_path / "runs", "http://127.0.0.1:9/v1", "judge-a,judge-b", "--jury-aggregation", "mode"),
        env=_env(tmp_path / "h", gen_server),
        timeout=60,
    )
    assert result.returncode == 2 and "jury_aggregation" in result.stderr.replace("-", "_")
    assert "Traceback" not in result.stderr


def test_compare_of_two_juries_says_when_their_backends_differ(tmp_path, gen_server):
    env = _env(tmp_path / "h", gen_server)
    with ChatCompletionsServer(by_model, echo_model=True, fingerprint="fp_a") as judge:
        assert (
            run_harness(
                run_args(tmp_path / "one", judge.base_url, "judge-a,judge-b"), env=env, timeout=240
            ).returncode
            == 0
        )
    with ChatCompletionsServer(by_model, echo_model=True, fingerprint="fp_b") as judge:
        assert (
            run_harness(
                run_args(tmp_path / "two", judge.base_url, "judge-a,judge-b", "--no-cache"),
                env=env,
                timeout=240,
            ).returncode
            == 0
        )
    shown = run_harness(
        ["compare", str(tmp_path / "one" / "a"), str(tmp_path / "two" / "a"), "--json"], env=env, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    differs = json.loads(shown.stdout)["comparisons"][0]["judge_differs"]
    assert set(differs) == {"fingerprints"}  # the same jurors answered, behind other backends


def test_one_max_cost_covers_the_whole_jury(tmp_path, gen_server):
    out = tmp_path / "runs"
    env = _env(tmp_path / "h", gen_server)
    # priced models whose tokenizer litellm ships (an o200k model would fetch its encoding)
    with ChatCompletionsServer(by_model, echo_model=True, keep_requests=None) as judge:
        result = run_harness(
            run_args(
                out,
                judge.base_url,
                "gpt-3.5-turbo,gpt-4",
                "--max-cost",
                "0.00001",
                "--judge-concurrency",
                "1",
            ),
            env=env,
            timeout=240,
        )
        asked = [b["model"] for b in judge.requests]
    assert result.returncode == 1, result.stdout + result.stderr  # judgments failed: rerun to finish
    assert asked and set(asked) == {"gpt-3.5-turbo"}, result.stderr  # the second juror found the limit spent
    second = [j for j in lines(out / "a" / "judgments.jsonl") if j["juror"] == "gpt-4"]
    assert len(second) == N and all(j["status"] == "failed" and "max cost" in j["reason"] for j in second)
    text = " ".join(result.stdout.split())
    assert (
        "the jury's estimated cost $" in text
        and "every juror counted (limit $0.00 for the whole jury)" in text
    )


def test_a_bad_juror_field_is_exit_2_naming_the_line(tmp_path, gen_server):
    out = tmp_path / "runs"
    env = _env(tmp_path / "h", gen_server)
    with ChatCompletionsServer(by_model, echo_model=True) as judge:
        assert (
            run_harness(run_args(out, judge.base_url, "judge-a,judge-b"), env=env, timeout=240).returncode
            == 0
        )
    path = out / "a" / "judgments.jsonl"
    records = lines(path)
    records[2]["juror"] = 5
    path.write_text("".join(json.dumps(j, ensure_ascii=False) + "\n" for j in records), encoding="utf-8")
    result = run_harness(["report", str(out / "a")], env=env, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "line 3" in result.stderr and "juror" in result.stderr and "Traceback" not in result.stderr


def test_a_jury_listed_in_yaml_is_the_same_jury(tmp_path, gen_server):
    out = tmp_path / "runs"
    with ChatCompletionsServer(by_model, echo_model=True) as judge:
        config = tmp_path / "run.yaml"
        config.write_text(
            f"model: litellm:gen-model\ndataset: demo\nlimit: {N}\njudge_api_base: {judge.base_url}\n"
            "judge_model: [judge-a, judge-b]\njury_aggregation: median\n",
            encoding="utf-8",
        )
        result = run_harness(
            ["run", "--config", str(config), "--out", str(out), "--name", "a", "--no-progress"],
            env=_env(tmp_path / "h", gen_server),
            timeout=240,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {j["juror"] for j in lines(out / "a" / "judgments.jsonl")} == {"judge-a", "judge-b"}
    assert (
        json.loads((out / "a" / "scores.json").read_text(encoding="utf-8"))["jury"]["aggregation"] == "median"
    )
