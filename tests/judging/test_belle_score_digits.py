"""BELLE's score reader takes a number written in one script of digits (ASCII, full-width via NFKC,
Arabic-Indic) and refuses one whose digits mix scripts (``٧5``): ``float`` would read that as 75."""

from __future__ import annotations

import json

import pytest

from harness.judging.parse import parse_score
from harness.testing import ChatCompletionsServer
from tests.judging.test_judge_cost_cli import harness


@pytest.mark.parametrize("reply, score", [("得分: 0.7", 0.7), ("得分: ٠.٧", 0.7), ("得分: ０.７", 0.7)])
def test_one_script_is_read(reply, score):
    parsed = parse_score(reply)
    assert parsed.score == score, parsed


@pytest.mark.parametrize("reply", ["得分: ٠.7", "得分: 0.٧", "得分: 1/١0"])
def test_digits_of_mixed_scripts_are_unscored_with_the_reason(reply):
    parsed = parse_score(reply)
    assert parsed.score is None and "mixes digits of different scripts" in parsed.reason


def test_a_run_leaves_a_mixed_script_score_unscored(tmp_path):
    with (
        ChatCompletionsServer(reply="这是回答。", model_name="gen-model") as gen,
        ChatCompletionsServer(reply="得分: 0.٧") as judge,
    ):
        proc = harness(tmp_path, gen.base_url, judge.base_url, "mixed")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [
        json.loads(x)
        for x in (tmp_path / "runs" / "mixed" / "judgments.jsonl").read_text("utf-8").splitlines()
    ]
    assert lines and all(r["status"] == "unscored" and r["score"] is None for r in lines)
    assert all("mixes digits of different scripts" in r["reason"] for r in lines)
