"""pytest plugin shipped with harness (entry point ``pytest11``): a judge test server per test.

Installed with harness, so a plugin's test suite needs nothing else::

    def test_scores(judge_server):
        judge_server.serve("得分: 0.9")
        [judgment] = judge_server.judge("my-judge", [{"question": "1+1?", "answer": "2"}])
        assert judgment.score == 0.9

Fixtures: ``judge_server`` (a started :class:`~harness.testing.judge_server.JudgeServer` on a free
port, stopped after the test) and ``make_judge_server`` (more servers, each with any
:class:`~harness.testing.ChatCompletionsServer` option: faults, latency, scores...). The marker
``@pytest.mark.judge_replies("得分: 0.9", rules={...})`` (or ``file="replies.jsonl"``) sets what
``judge_server`` answers, as ``judge_server.serve(...)`` would. The module
imports nothing but pytest when it loads (pytest loads it for every run, this project's included);
the server and judges are imported by the fixtures that use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "judge_replies(*replies, rules=None, file=None): what the judge_server "
        "fixture answers (harness.testing)",
    )


@pytest.fixture
def make_judge_server() -> Iterator[Callable[..., Any]]:
    """``make_judge_server(reply=..., fault_rate=..., ...)``: a started JudgeServer, stopped after the test."""
    from harness.testing.judge_server import JudgeServer

    started: list[JudgeServer] = []

    def make(reply: Any = None, **options: Any) -> JudgeServer:
        server = JudgeServer(reply, **options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def judge_server(make_judge_server: Callable[..., Any], request: pytest.FixtureRequest) -> Any:
    """A started test server (``.url``, ``.serve(...)``, ``.requests``, ``.prompts``, ``.judge(...)``)
    answering a BELLE-style ``得分: 1.0`` until told otherwise (``judge_replies`` marker, ``.serve``)."""
    server = make_judge_server()
    marker = request.node.get_closest_marker("judge_replies")
    if marker is not None:
        server.serve(*marker.args, **marker.kwargs)
    return server
