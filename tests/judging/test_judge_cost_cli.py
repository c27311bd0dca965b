"""The judge is priced as the model that answered, through the real CLI (`harness run` in a subprocess).

Answers come from one OpenAI-compatible test server (``litellm:`` generator), verdicts from another
whose replies name a model (``model_name``): a stand-in judge behind the default ``gpt-3.5-turbo``
configuration must cost "unknown", never gpt-3.5's price; a priced model costs litellm's price.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.api.cost import token_cost
from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

N = 3


def harness(
    tmp_path: Path, gen_url: str, judge_url: str, name: str, *extra: str, api_key: str = "sk-test"
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        {
            "HARNESS_HOME": str(tmp_path / "home"),
            "OPENAI_API_KEY": api_key,
            "OPENAI_BASE_URL": gen_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "80",
        }
    )
    args = [
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
        judge_url,
        "--out",
        str(tmp_path / "runs"),
        "--name",
        name,
        "--no-progress",
        *extra,
    ]
    return run_harness(args, env=env, timeout=240)


@pytest.fixture(scope="module")
def gen_server():
    with ChatCompletionsServer(reply="这是模型的回答。", model_name="gen-model") as server:
        yield server


def meta_and_judgments(tmp_path: Path, name: str) -> tuple[dict, list[dict]]:
    run_dir = tmp_path / "runs" / name
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    lines = (run_dir / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    return meta, [json.loads(line) for line in lines if line.strip()]


def test_stand_in_judge_costs_unknown_not_gpt35(tmp_path, gen_server):
    with ChatCompletionsServer(model_name="my-local-model") as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "judging: cost unknown (litellm's price map has no price for my-local-model)" in result.stdout
    meta, judgments = meta_and_judgments(tmp_path, "local")
    stats = meta["judge_stats"]
    assert stats["cost"] == "unknown" and stats["unpriced_models"] == {"my-local-model": N}
    assert stats["cost_known_part"] == 0  # nothing priced as gpt-3.5-turbo behind the scenes
    assert [j["meta"]["cost"] for j in judgments] == [None] * N
    assert all(j["meta"]["judge_model"] == "gpt-3.5-turbo" for j in judgments)


def test_priced_judge_costs_litellm_price(tmp_path, gen_server):
    with ChatCompletionsServer(model_name="gpt-4o-mini") as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "mini")
    assert result.returncode == 0, result.stdout + result.stderr
    meta, judgments = meta_and_judgments(tmp_path, "mini")
    expected = sum(
        token_cost(["gpt-4o-mini"], j["meta"]["prompt_tokens"], j["meta"]["completion_tokens"])
        for j in judgments
    )
    as_gpt35 = sum(
        token_cost(["gpt-3.5-turbo"], j["meta"]["prompt_tokens"], j["meta"]["completion_tokens"])
        for j in judgments
    )
    assert meta["judge_stats"]["cost"] == pytest.approx(expected) and expected > 0
    assert expected != pytest.approx(as_gpt35)
    assert f"judging: cost ${expected:.4f} (gpt-4o-mini)" in result.stdout


def test_max_cost_with_an_unpriced_answering_model_is_refused(tmp_path, gen_server):
    # the configured model (gpt-3.5-turbo) has a price, but who answers has none: the cap cannot hold
    with ChatCompletionsServer(model_name="my-local-model") as judge:
        result = harness(
            tmp_path,
            gen_server.base_url,
            judge.base_url,
            "capped",
            "--max-cost",
            "1",
            "--judge-concurrency",
            "1",
        )
        sent = judge.n_requests
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--max-cost cannot be enforced" in result.stderr and "my-local-model" in result.stderr
    assert "Traceback" not in result.stderr
    assert sent == 1  # nothing more was sent once the first reply could not be priced
