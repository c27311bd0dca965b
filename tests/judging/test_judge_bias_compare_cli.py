"""``harness compare --judge mt-bench-pair`` states how far its judge can be trusted: against the
test server's scripted judges, a judge that always prefers the first-shown answer shows position
bias near 1 (flagged), and one that prefers the longer answer is flagged for length bias while the
length-controlled win rate moves from the raw rate toward the truth (no quality difference: 0.5)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from harness.testing.pair_rules import preference_reply
from tests.harness_cli import run_harness

pytestmark = pytest.mark.slow  # seconds of CPU: left out of the quick subset (-m "not slow")

N = 40


def write_run(directory: Path, name: str, model: str, verbose: bool) -> Path:
    """A finished run over N writing prompts. The verbose run's answer is the longer one in 80% of
    pairs (``i % 5 != 0``), the other run's in the rest, by as much either way."""
    directory.mkdir(parents=True)
    (directory / "run.json").write_text(
        json.dumps({"name": name, "model": model, "judge": "none", "dataset": "list", "status": "complete"}),
        encoding="utf-8",
    )
    lines = []
    for i in range(N):
        longer = bool(i % 5) == verbose
        length = 40 + i if longer else 20
        lines.append(
            json.dumps(
                {
                    "id": f"w{i:02d}",
                    "category": "writing",
                    "question": f"Write about {i}.",
                    "reference": "",
                    "answer": "x" * length,
                    "prompt": "",
                    "model": model,
                }
            )
        )
    (directory / "generations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def compare(
    tmp_path: Path,
    shared_data: Path,
    harness_home: Path,
    rule: str,
    model_b: str = "tiny-llama",
    scored: bool = False,
):
    if not (shared_data / "mtbench" / "judge_prompts.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    a = write_run(tmp_path / "a", "a", "tiny-llama", False)
    b = write_run(tmp_path / "b", "b", model_b, True)
    for run in (a, b) if scored else ():  # pointwise scores: item i is harder the larger i is
        (run / "judgments.jsonl").write_text(
            "".join(
                json.dumps(
                    {"id": f"w{i:02d}", "category": "writing", "score": 10 - i / 5, "status": "scored"}
                )
                + "\n"
                for i in range(N)
            ),
            encoding="utf-8",
        )
    env = {**os.environ, "HARNESS_HOME": str(harness_home), "OPENAI_API_KEY": "sk-test-bias", "COLUMNS": "80"}
    with ChatCompletionsServer(reply=preference_reply(rule), model_name="gpt-4-0613") as server:
        base = [
            "compare",
            str(a),
            str(b),
            "--judge",
            "mt-bench-pair",
            "--judge-api-base",
            server.base_url,
            "--data-dir",
            str(shared_data),
            "--resamples",
            "200",
        ]
        text = run_harness(base, env=env, timeout=300)
        as_json = run_harness([*base, "--json"], env=env, timeout=300)
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    return text.stdout, json.loads(as_json.stdout)


def test_first_preferring_judge_shows_position_bias(tmp_path, shared_data, harness_home):
    out, result = compare(tmp_path, shared_data, harness_home, "first")
    bias = result["judge_bias"]
    assert bias["position_first_wins"]["estimate"] == 1.0 and bias["position_first_wins"]["flagged"] is True
    assert bias["position_first_wins"]["ci_low"] >= 0.9 and bias["position_first_wins"]["n"] == 2 * N
    assert bias["flip_rate"]["estimate"] == 1.0 and bias["flip_rate"]["flagged"] is True
    assert result["ties"] == N and result["inconsistent"] == N  # every pair flipped: all ties
    assert "thresholds" in bias and "0.4..0.6" in bias["thresholds"]["position_first_wins"]
    assert "judge bias: the first-shown answer wins 100%" in out
    assert "judge bias: the winner flips with the order in 100%" in out
    assert "self-preference" not in out and bias["self_preference"]["flagged"] is False
    assert bias["self_preference"]["judge_models"] == ["gpt-4", "gpt-4-0613"]


def test_longer_preferring_judge_is_flagged_and_lc_moves_toward_truth(tmp_path, shared_data, harness_home):
    out, result = compare(tmp_path, shared_data, harness_home, "longer")
    bias = result["judge_bias"]
    assert bias["length_longer_wins"]["estimate"] == 1.0 and bias["length_longer_wins"]["flagged"] is True
    assert bias["position_first_wins"]["flagged"] is False and bias["flip_rate"]["estimate"] == 0.0
    raw, lc = result["win_rate_b"], result["length_controlled"]
    assert raw == pytest.approx(0.8)
    assert lc["estimate"] is not None and abs(lc["estimate"] - 0.5) < abs(raw - 0.5)
    assert (
        lc["ci_low"] <= lc["estimate"] <= lc["ci_high"] and lc["n"] == N and lc["separated_by_length"] is True
    )
    assert (
        lc["instruction_difficulty"].startswith("left out: ")
        and "judgments.jsonl is absent" in lc["instruction_difficulty"]
    )
    assert "judge bias: the longer answer wins 100%" in out
    assert "length-controlled win rate of b" in out and "raw 0.800" in out
    assert "length decided every non-tied pair" in out


def test_same_family_judge_is_named_with_its_rule(tmp_path, shared_data, harness_home):
    out, result = compare(tmp_path, shared_data, harness_home, "longer", model_b="gpt-4o-mini", scored=True)
    lc = result["length_controlled"]  # both runs scored pointwise: the GLM has its difficulty column
    assert "instruction_difficulty" in lc["method"] and lc["instruction_difficulty"].startswith(
        "from both runs"
    )
    family = result["judge_bias"]["self_preference"]
    assert family["flagged"] is True and "provider prefix" in family["rule"]
    assert {m["model"] for m in family["same_family"]} == {"gpt-4o-mini"}
    assert "self-preference risk" in out and "name stem 'gpt'" in out


def test_scripted_pair_judges_read_single_and_multi_turn_prompts():
    single = (
        "[The Start of Assistant A's Answer]\nshort\n[The End of Assistant A's Answer]\n\n"
        "[The Start of Assistant B's Answer]\nmuch longer\n[The End of Assistant B's Answer]"
    )
    multi = (
        "<|The Start of Assistant A's Conversation with User|>\n### Assistant A:\nlong long long\n"
        "<|The End of Assistant A's Conversation with User|>\n"
        "<|The Start of Assistant B's Conversation with User|>\n### Assistant B:\nshort\n"
        "<|The End of Assistant B's Conversation with User|>"
    )
    longer, first = preference_reply("longer"), preference_reply("first")
    body = lambda text: {"messages": [{"role": "user", "content": text}]}  # noqa: E731
    assert longer(body(single)).endswith("[[B]]") and longer(body(multi)).endswith("[[A]]")
    assert first(body(single)).endswith("[[A]]") and "No pair" in longer(body("no answers here"))
    with pytest.raises(ValueError):
        preference_reply("shorter")
