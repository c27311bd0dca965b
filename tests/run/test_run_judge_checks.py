"""``harness run`` ends with what is notable about its judge (issue 26): here ref-f1, which cannot
score the categories without a gold answer, so a third of its judgments have no score; the summary
says so with the reason, and scores.json carries every judge figure with its CI and flag."""

from __future__ import annotations

import json
import os

import pytest

from tests.harness_cli import run_harness


@pytest.mark.slow  # builds tiny-llama (torch, transformers)
def test_run_summary_states_the_judges_unscored_share(tmp_path, harness_home):
    env = {
        **os.environ,
        "HARNESS_HOME": str(harness_home),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "COLUMNS": "80",
    }
    args = [
        "run",
        "--model",
        "tiny-llama",
        "--judge",
        "ref-f1",
        "--dataset",
        "demo",
        "--categories",
        "code,rewrite,generation",
        "--max-new-tokens",
        "8",
        "--greedy",
        "--out",
        str(tmp_path / "runs"),
        "--name",
        "checks",
        "--no-progress",
    ]
    proc = run_harness(args, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bias = json.loads((tmp_path / "runs" / "checks" / "scores.json").read_text(encoding="utf-8"))[
        "judge_bias"
    ]
    unscored = bias["unscored"]
    assert unscored["flagged"] is True and unscored["estimate"] == pytest.approx(
        unscored["missed"] / unscored["n"]
    )
    assert unscored["missed"] > 0 and all(r.startswith("unscored: ") for r in unscored["reasons"])
    corr = bias["length_correlation"]
    assert {"estimate", "ci_low", "ci_high", "n", "flagged", "categories"} <= set(corr)
    assert bias["self_preference"]["checked"] is False  # ref-f1 has no judge model
    out = " ".join(proc.stdout.split())  # the line wraps at 80 columns
    assert "judge:" in out and "of judgments got no usable score (unscored:" in out
