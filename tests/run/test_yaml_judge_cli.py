"""A judge written as YAML only (``examples/judge-yaml/judges/rubric-zh.yaml``), through the real
CLI (in-process) against the local OpenAI-compatible servers: listed, run, its template hash in
every judgment; a bad file or a template that misbehaves is exit 2 naming the file (and line)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "judge-yaml"


def environment(home: Path, registry: Path, gen_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        HARNESS_HOME=str(home),
        OPENAI_API_KEY="sk-test-yaml",
        OPENAI_BASE_URL=gen_url,
        HARNESS_REGISTRY_PATH=str(registry),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
        COLUMNS="80",
    )
    return env


def dataset(tmp_path: Path) -> Path:
    data = tmp_path / "data.jsonl"
    rows = [
        {"id": "q1", "question": "天空为什么是蓝的？", "category": "open_qa", "reference": "瑞利散射"},
        {"id": "q2", "question": "写一首诗", "category": "generation", "reference": ""},
    ]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return data


def run_args(data: Path, out: Path, judge_url: str) -> list[str]:
    return [
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        str(data),
        "--judge",
        "rubric-zh",
        "--judge-api-base",
        judge_url,
        "--out",
        str(out),
        "--name",
        "r",
        "--no-progress",
        "--no-cache",
    ]


def test_the_yaml_judge_is_listed(tmp_path, harness_home):
    proc = run_harness(["list", "judge"], env=environment(harness_home, EXAMPLE))
    assert proc.returncode == 0 and "rubric-zh" in proc.stdout, proc.stdout + proc.stderr


def test_the_yaml_judge_runs_with_per_category_dimensions(tmp_path, harness_home):
    reply = "分析……\n{'事实正确性': 7, '满足用户需求': 6, '综合得分': 6}"
    with ChatCompletionsServer(reply="回答。") as gen, ChatCompletionsServer(reply=reply) as judge:
        proc = run_harness(
            run_args(dataset(tmp_path), tmp_path / "runs", judge.base_url),
            env=environment(harness_home, EXAMPLE, gen.base_url),
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        sent = {
            r["messages"][1]["content"].split("\n")[1]: r["messages"]
            for r in judge.requests
            if r["messages"][0]["role"] == "system"
        }
    assert "事实正确性、满足用户需求。" in sent["天空为什么是蓝的？"][1]["content"]
    assert "瑞利散射" in sent["天空为什么是蓝的？"][1]["content"]
    assert "创造性、语言流畅度、满足用户需求" in sent["写一首诗"][1]["content"]
    assert "[参考答案]" not in sent["写一首诗"][1]["content"]
    found = list((tmp_path / "runs").rglob("judgments*.jsonl"))
    assert found, proc.stdout
    judgments = [json.loads(line) for line in found[0].read_text(encoding="utf-8").splitlines()]
    assert [j["score"] for j in judgments] == [6.0, 6.0]
    assert len({j["meta"]["template_hash"] for j in judgments}) == 1 and judgments[0]["meta"]["template_hash"]


@pytest.mark.parametrize(
    "body, line, says",
    [
        ("name: bad\nscale: [10, 1]\nmessages: [{role: user, content: hi}]\n", 2, "low < high"),
        ("name: bad\nreader: {dict_key: [a, b]}\nmessages: [{role: user, content: hi}]\n", 2, "reader"),
        (
            "name: bad\nmessages:\n  - role: user\n    content: '{{ question '\n",
            3,
            "not a valid Jinja template",
        ),
        ("name: bad\nmessages: [{role: robot, content: hi}]\n", 2, "role"),
        ("name: bad\nmesages: []\nmessages: [{role: user, content: hi}]\n", 2, "unknown field"),
    ],
)
def test_a_bad_yaml_judge_is_exit_2_naming_file_and_line(tmp_path, harness_home, body, line, says):
    (tmp_path / "reg" / "judges").mkdir(parents=True)
    (tmp_path / "reg" / "judges" / "bad.yaml").write_text(body, encoding="utf-8")
    proc = run_harness(["list", "judge"], env=environment(harness_home, tmp_path / "reg"))
    text = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and f"bad.yaml:{line}:" in text and says in text, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "content, says",
    [
        ("{{ quesiton }}", "'quesiton' is undefined"),
        ("{{ ''.__class__.__mro__ }}", "cannot be rendered"),
        # built before any output is counted: refused by the operator, never allocated
        ("{{ 'x' * 10**10 }}", "is over 1,000,000"),
        ("{{ 7 ** 100000000 }}", "bits"),
    ],
)
def test_a_template_that_cannot_render_is_exit_2_naming_the_file(tmp_path, harness_home, content, says):
    (tmp_path / "reg" / "judges").mkdir(parents=True)
    (tmp_path / "reg" / "judges" / "oops.yaml").write_text(
        f'name: rubric-zh\nmessages: [{{role: user, content: "{content}"}}]\n', encoding="utf-8"
    )
    with ChatCompletionsServer(reply="回答。") as gen, ChatCompletionsServer(reply="得分: 7") as judge:
        proc = run_harness(
            run_args(dataset(tmp_path), tmp_path / "runs", judge.base_url),
            env=environment(harness_home, tmp_path / "reg", gen.base_url),
        )
    text = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "oops.yaml" in text and says in text, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
