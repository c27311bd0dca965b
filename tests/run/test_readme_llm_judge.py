"""README "Writing an LLM judge": its two examples are the files in ``examples/`` verbatim, and the
Python one runs as shown (``--plugin FILE``) against the local OpenAI-compatible server (the YAML one
runs in ``test_yaml_judge_cli.py``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

ROOT = Path(__file__).resolve().parents[2]
PY_EXAMPLE = ROOT / "examples" / "judge-python" / "rubric_judge.py"
YAML_EXAMPLE = ROOT / "examples" / "judge-yaml" / "judges" / "rubric-zh.yaml"


def test_the_readme_shows_the_example_files_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Writing an LLM judge", 1)[1].split("\n## ", 1)[0]
    assert f"```python\n{PY_EXAMPLE.read_text(encoding='utf-8')}```" in section
    assert f"```yaml\n{YAML_EXAMPLE.read_text(encoding='utf-8')}```" in section
    assert len(PY_EXAMPLE.read_text(encoding="utf-8").splitlines()) <= 45


def test_the_python_example_runs_as_shown(tmp_path, harness_home):
    reply = "分析…… {'事实正确性': 7, '满足用户需求': 6, '综合得分': 6}"
    with ChatCompletionsServer(reply=reply) as server:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        env.update(
            HARNESS_HOME=str(harness_home),
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=server.base_url,
            LITELLM_LOCAL_MODEL_COST_MAP="True",
            HF_HUB_OFFLINE="1",
            COLUMNS="80",
        )
        proc = run_harness(
            [
                "run",
                "--plugin",
                str(PY_EXAMPLE),
                "--model",
                "litellm:gpt-3.5-turbo",
                "--dataset",
                "demo",
                "--limit",
                "3",
                "--judge",
                "rubric",
                "--judge-api-base",
                server.base_url,
                "--out",
                str(tmp_path / "runs"),
                "--no-progress",
            ],
            env=env,
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = list((tmp_path / "runs").rglob("judgments*.jsonl"))
    judgments = [json.loads(line) for line in found[0].read_text(encoding="utf-8").splitlines()]
    assert [j["score"] for j in judgments] == [6.0] * 3 and {j["judge"] for j in judgments} == {"rubric"}
