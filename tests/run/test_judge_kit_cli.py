"""A judge built on the public kit, through the real CLI (in-process), against the local
OpenAI-compatible servers: ``harness judge`` shows it the same sample (``meta`` included) as
``harness run``; preflight covers it; and a judge's ``stats`` that are not plain JSON never end a
run whose judgments are written (one line says what was not stored)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

PLUGIN = """
import threading
from harness import Judgment, PointwiseLLMJudge, hookimpl, user
from harness.specs import JudgeSpec


class MetaJudge(PointwiseLLMJudge):
    name = "meta-judge"
    scale = (1, 10)

    def messages(self, item):
        return [user(f"where={item.meta.get('where')} answer={item.answer}")]


class OddStatsJudge:
    name = "odd-stats"

    def __init__(self, **_):
        self.stats = {"n": 0, "lock": threading.Lock()}

    def judge(self, items, *, on_result):
        for item in items:
            self.stats["n"] += 1
            on_result(Judgment.for_item(item, 0.5, judge=self.name))


@hookimpl
def harness_register_judges(register):
    register(JudgeSpec(name="meta-judge", factory=MetaJudge, scale=(1, 10)))
    register(JudgeSpec(name="odd-stats", factory=OddStatsJudge))
"""


@pytest.fixture
def setup(tmp_path, harness_home):
    plugin = tmp_path / "kit_plugin.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"问题{i}", "category": "open_qa", "reference": "参考"})
            + "\n"
            for i in range(2)
        ),
        encoding="utf-8",
    )
    with ChatCompletionsServer(reply="回答。") as gen:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
        env.update(
            HARNESS_HOME=str(harness_home),
            OPENAI_API_KEY="sk-test-kit",
            OPENAI_BASE_URL=gen.base_url,
            HARNESS_PLUGINS=str(plugin),
            LITELLM_LOCAL_MODEL_COST_MAP="True",
            HF_HUB_OFFLINE="1",
            COLUMNS="80",
        )
        yield env, data, tmp_path / "runs"


def run_args(data: Path, out: Path, judge: str, *extra: str) -> list[str]:
    return [
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        str(data),
        "--judge",
        judge,
        "--out",
        str(out),
        "--name",
        "r",
        "--no-progress",
        "--no-cache",
        *extra,
    ]


def prompts(server: ChatCompletionsServer) -> list[str]:
    return sorted(r["messages"][-1]["content"] for r in server.requests)


def test_harness_judge_shows_the_judge_the_samples_meta(setup):
    env, data, out = setup
    with ChatCompletionsServer(reply="得分: 7") as judge_server:
        first = run_harness(
            run_args(data, out, "meta-judge", "--judge-api-base", judge_server.base_url), env=env
        )
        assert first.returncode == 0, first.stdout + first.stderr
        under_run = prompts(judge_server)
    with ChatCompletionsServer(reply="得分: 7") as judge_server:
        again = run_harness(
            [
                "judge",
                str(out / "r"),
                "--judge",
                "meta-judge",
                "--judge-api-base",
                judge_server.base_url,
                "--no-cache",
                "--judgments-file",
                "again.jsonl",
            ],
            env=env,
        )
        assert again.returncode == 0, again.stdout + again.stderr
        under_judge = prompts(judge_server)
    assert under_run == under_judge and "where=None" not in " ".join(under_run)
    scores = [json.loads(line)["score"] for line in (out / "r" / "again.jsonl").read_text().splitlines()]
    assert scores == [7.0, 7.0]


def test_preflight_covers_a_judge_built_on_the_kit(setup):
    env, data, out = setup
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = run_harness(
        run_args(data, out, "meta-judge", "--judge-api-base", f"http://127.0.0.1:{port}/v1"), env=env
    )
    assert proc.returncode == 2 and "cannot reach" in " ".join(proc.stderr.split()), proc.stdout + proc.stderr
    assert not (out / "r").exists()  # stopped before anything was generated


def test_stats_that_are_not_json_are_left_out_with_one_line(setup):
    env, data, out = setup
    proc = run_harness(run_args(data, out, "odd-stats"), env=env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    text = " ".join((proc.stdout + proc.stderr).split())
    assert "stats entries that are not JSON values were not stored: 'lock'" in text
    assert json.loads((out / "r" / "run.json").read_text())["judge_stats"] == {"n": 2}


def test_belles_judge_reads_a_final_label_written_as_a_dict_key(setup):
    """``parse_score`` knew 综合得分 but not inside a dict (``'综合得分': 0.6``): no score found."""
    env, data, out = setup
    with ChatCompletionsServer(reply="分析…… {'事实正确性': 0.7, '综合得分': 0.6}") as judge_server:
        proc = run_harness(run_args(data, out, "gpt35", "--judge-api-base", judge_server.base_url), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    judgments = [
        json.loads(line) for line in next((out / "r").glob("judgments*.jsonl")).read_text().splitlines()
    ]
    assert [(j["score"], j["meta"]["parse_rule"]) for j in judgments] == [(0.6, "final-label")] * 2
