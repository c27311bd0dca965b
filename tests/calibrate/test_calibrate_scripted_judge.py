"""Done-means for calibration: a real ``harness run`` whose answers and verdicts come from
``harness.testing``'s scripted servers -- a pointwise judge (BELLE's ``gpt35``, 0..1) that scores
every answer 0.2 above its true quality, with noise -- then 100 human labels of the true quality:
``harness calibrate`` gives a prediction-powered interval that covers the people's true mean over
the whole run, and the judge's mean is outside it.

The true quality of each answer is written into the answer (``质量 7``, from a hash of the
question), so the judge's server can read it and the test can know the people's truth.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

N = 300


def _unit(text: str, salt: str) -> float:
    return int(hashlib.sha256((salt + text).encode()).hexdigest()[:8], 16) / 2**32


def answer(body: dict) -> str:
    question = body["messages"][-1]["content"]
    return f"这是回答。质量 {1 + int(_unit(question, 'q') * 7)}"  # true quality 1..7 of 10


def biased_verdict(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    quality = int(re.search(r"质量 (\d+)", prompt).group(1))
    noise = round(_unit(prompt, "n") * 0.2 - 0.1, 1)
    return f"得分: {min(1.0, max(0.0, round(quality / 10 + 0.2 + noise, 1)))}\n理由: 脚本评分。"


@pytest.mark.slow
def test_biased_judge_and_100_labels_give_an_interval_covering_the_truth(tmp_path, shared_data):
    if not (shared_data / "belle" / "eval_set.json").is_file():
        pytest.skip("shared/data/belle is absent")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    with (
        ChatCompletionsServer(reply=answer, model_name="gen-model") as gen,
        ChatCompletionsServer(reply=biased_verdict, model_name="gpt-3.5-turbo-0125") as judge,
    ):
        env.update(
            {
                "HARNESS_HOME": str(tmp_path / "home"),
                "OPENAI_API_KEY": "sk-test",
                "OPENAI_BASE_URL": gen.base_url,
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "HF_HUB_OFFLINE": "1",
            }
        )
        run = run_harness(
            [
                "run",
                "--model",
                "litellm:gen-model",
                "--dataset",
                "belle-eval",
                "--data-dir",
                str(shared_data / "belle"),
                "--limit",
                str(N),
                "--judge",
                "gpt35",
                "--judge-api-base",
                judge.base_url,
                "--out",
                str(tmp_path / "runs"),
                "--name",
                "biased",
                "--no-progress",
            ],
            env=env,
            timeout=600,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    run_dir = tmp_path / "runs" / "biased"
    generations = [
        json.loads(line) for line in (run_dir / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    truth = {g["id"]: int(re.search(r"质量 (\d+)", g["answer"]).group(1)) / 10 for g in generations}
    assert len(truth) >= N * 0.9
    labelled = random.Random(7).sample(sorted(truth), 100)
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "".join(json.dumps({"id": i, "score": truth[i]}) + "\n" for i in labelled), encoding="utf-8"
    )
    result = run_harness(["calibrate", str(run_dir), "--labels", str(labels), "--json"], env=env)
    assert result.returncode == 0, result.stderr
    overall = json.loads(result.stdout)["overall"]
    true_mean = sum(truth.values()) / len(truth)
    assert overall["n"] == len(truth) and overall["n_labels"] == 100
    assert overall["ppi_ci"][0] <= true_mean <= overall["ppi_ci"][1], (overall, true_mean)
    assert not overall["ppi_ci"][0] <= overall["judge_mean"] <= overall["ppi_ci"][1]
    assert not overall["judge_ci"][0] <= true_mean <= overall["judge_ci"][1]
