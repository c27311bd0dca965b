"""The pytest plugin harness ships (``pytest11`` entry point): a plugin's test suite gets the
``judge_server`` and ``make_judge_server`` fixtures with nothing else, and loading the plugin costs
this project's own test runs nothing (no heavy import)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "harness.testing.pytest_plugin"


def test_the_plugin_is_a_pytest11_entry_point_of_harness():
    entries = [e for e in entry_points(group="pytest11") if e.value == PLUGIN]
    assert entries, "harness's installed metadata predates its pytest11 entry point: pip install -e . again"
    assert [(e.name, e.dist.name) for e in entries] == [(PLUGIN, "harness-eval")]


SUITE = """
import httpx
import pytest

from harness.judging import LLMJudge

URLS = []


def test_rules_pick_the_reply(judge_server):
    judge_server.serve("得分: 0.3", rules={"好": "得分: 0.9"})
    items = [{"question": "好问题", "answer": "a", "reference": "r"}, {"question": "别的", "answer": "b"}]
    judgments = sorted(judge_server.judge("gpt35", items), key=lambda j: j.id)
    assert [(j.id, j.score, j.status) for j in judgments] == [("item-0", 0.9, "scored"), ("item-1", 0.3, "scored")]
    assert sorted("好问题" in p for p in judge_server.prompts) == [False, True]
    assert len(judge_server.requests) == 2


def test_default_reply_and_a_judge_object(judge_server):
    judge = LLMJudge(api_base=judge_server.url, use_cache=False, progress=False)
    [judgment] = judge_server.judge(judge, [{"question": "q", "answer": "a"}])
    assert judgment.score == 1.0 and judgment.status == "scored"


@pytest.mark.judge_replies("得分: 0.4", rules={"诗": "得分: 0.6"})
def test_the_marker_sets_the_replies(judge_server):
    judgments = judge_server.judge("gpt35", [{"question": "一首诗", "answer": "a"}, {"question": "x", "answer": "a"}])
    assert [j.score for j in sorted(judgments, key=lambda j: j.id)] == [0.6, 0.4]


def test_replies_file(judge_server):
    judge_server.serve(file="replies.jsonl")
    judgments = judge_server.judge("gpt35", [{"question": "一首诗", "answer": "a"}, {"question": "x", "answer": "a"}])
    assert [j.score for j in sorted(judgments, key=lambda j: j.id)] == [0.7, 0.1]


def test_misuse_is_a_clear_error(judge_server):
    with pytest.raises(ValueError, match="needs replies"):
        judge_server.serve()
    with pytest.raises(ValueError, match="unknown keys"):
        judge_server.judge("gpt35", [{"question": "q", "anwser": "a"}])


def test_a_500_is_retried(make_judge_server):
    server = make_judge_server(fail_first=1, faults=("500",), score="0.5")
    [judgment] = server.judge("gpt35", [{"question": "q", "answer": "a"}], max_retries=2)
    assert judgment.score == 0.5 and server.counts == {"500": 1, "ok": 1}
    URLS.append(server.url)


def test_the_server_of_the_last_test_is_gone():
    with pytest.raises(httpx.ConnectError):
        httpx.get(URLS[0] + "/models", timeout=5)
"""


@pytest.mark.slow
def test_a_suite_with_no_conftest_gets_the_fixtures(pytester):
    """A plugin author's suite as it is: no conftest, no imports of the plugin; its own process
    (what ``pytest`` in the plugin's folder is)."""
    pytester.makefile(".jsonl", replies='{"reply": "得分: 0.7", "match": "诗"}\n{"reply": "得分: 0.1"}\n')
    pytester.makepyfile(test_judge=SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "--strict-markers", timeout=300
    )
    result.assert_outcomes(passed=7)


def test_disabling_the_plugin_removes_the_fixture(pytester):
    pytester.makepyfile(test_x="def test_x(judge_server):\n    pass\n")
    result = pytester.runpytest_inprocess("-p", f"no:{PLUGIN}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'judge_server' not found*"])


def test_loading_the_plugin_imports_nothing_heavy():
    """pytest loads every pytest11 plugin for every run: this one must cost nothing until used."""
    code = (
        f"import sys, json, {PLUGIN}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'aiohttp', 'asyncio', 'litellm', 'torch', 'transformers', 'pydantic', 'httpx', 'harness_plugins'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == []
