"""Token counts a server reports that are not counts (negative, NaN, fractional, text) make the
judge's cost unknown, said once, through the real CLI: never a negative spend (``$-0.0000``, a
``--max-cost`` that under-counts) and never "no price for" a model that has one."""

from __future__ import annotations

import json
import math

import pytest

from harness.testing import ChatCompletionsServer
from tests.judging.test_judge_cost_cli import N, harness, meta_and_judgments

BAD_USAGE = [
    pytest.param({"prompt_tokens": -5000}, "prompt_tokens -5000", id="negative"),
    pytest.param({"completion_tokens": math.nan}, "completion_tokens NaN", id="nan"),
    pytest.param({"prompt_tokens": 12.5}, "prompt_tokens 12.5", id="fraction"),
    pytest.param({"completion_tokens": "many"}, "completion_tokens is text", id="text"),
]


@pytest.fixture(scope="module")
def gen_server():
    with ChatCompletionsServer(reply="这是模型的回答。", model_name="gen-model") as server:
        yield server


@pytest.mark.parametrize(("usage", "said"), BAD_USAGE)
def test_bad_token_counts_make_the_cost_unknown(tmp_path, gen_server, usage, said):
    with ChatCompletionsServer(model_name="gpt-4o-mini", usage=usage) as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "bad")
    assert result.returncode == 0, result.stdout + result.stderr
    out = " ".join(result.stdout.split())  # the log wraps at COLUMNS=80
    said_once = f"judging: cost unknown ({N} replies reported invalid token counts, e.g. {said})"
    assert out.count("judging: cost") == 1 and said_once in out, result.stdout
    assert "$-" not in result.stdout + result.stderr and "no price for" not in result.stdout
    meta, judgments = meta_and_judgments(tmp_path, "bad")
    stats = meta["judge_stats"]
    assert stats["cost"] == "unknown" and stats["unpriced_models"] == {}
    assert stats["invalid_usage_responses"] == N and stats["cost_known_part"] == 0
    assert [j["meta"]["cost"] for j in judgments] == [None] * N
    assert all(j["meta"]["prompt_tokens"] is None or j["meta"]["prompt_tokens"] >= 0 for j in judgments)
    json.dumps(stats, allow_nan=False)  # no NaN number kept


def test_max_cost_stops_at_a_negative_token_count(tmp_path, gen_server):
    # -10**9 prompt tokens would "refund" far more than the cap: the budget would never be reached
    with ChatCompletionsServer(model_name="gpt-4o-mini", usage={"prompt_tokens": -(10**9)}) as judge:
        result = harness(
            tmp_path,
            gen_server.base_url,
            judge.base_url,
            "capped",
            "--max-cost",
            "0.000001",
            "--judge-concurrency",
            "1",
        )
        sent = judge.n_requests
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--max-cost cannot be enforced" in result.stderr and "prompt_tokens -1000000000" in result.stderr
    assert "Traceback" not in result.stderr and "$-" not in result.stdout
    assert sent == 1
