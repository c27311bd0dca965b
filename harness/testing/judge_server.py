"""The server the ``judge_server`` pytest fixture gives: the test server, plus what a judge's test asks.

:class:`JudgeServer` is a :class:`~harness.testing.ChatCompletionsServer` with a short ``url``,
:meth:`~JudgeServer.serve` to change what it answers in the middle of a test, :attr:`prompts` (the
last user message of every request) and :meth:`~JudgeServer.judge`, which runs a judge against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.protocols import JudgeItem, Judgment
from harness.testing.chat_server import ChatCompletionsServer
from harness.testing.judge_run import run_judge
from harness.testing.replies import Replies, last_user_message, load_replies


class JudgeServer(ChatCompletionsServer):
    """``judge_server.serve("得分: 0.2", rules={"诗": "得分: 0.9"})``, then
    ``judge_server.judge("my-judge", [{"question": ..., "answer": ...}])``."""

    @property
    def url(self) -> str:
        """The base URL to give a judge as its ``api_base`` (``http://127.0.0.1:PORT/v1``)."""
        return self.base_url

    @property
    def prompts(self) -> list[str]:
        """The last user message of each request received, in order."""
        return [last_user_message(body) for body in self.requests]

    def serve(
        self, *replies: str, rules: Mapping[str, str] | None = None, file: str | Path | None = None
    ) -> None:
        """Answer from now on with ``replies`` in order (cycling), ``rules`` (regex found in the last
        user message -> reply) first, or the script in a replies ``file`` (as ``--replies FILE``)."""
        if file is not None:
            if replies or rules:
                raise ValueError("give replies and rules, or a file, not both")
            self.reply = load_replies(file)
        elif replies or rules:
            self.reply = Replies(replies, rules=dict(rules or {}))
        else:
            raise ValueError("serve() needs replies, rules or a file")

    def judge(
        self, judge: Any, items: Iterable[JudgeItem | Mapping[str, Any]], **settings: Any
    ) -> list[Judgment]:
        """The judgments of ``judge`` (a registered name, pointed at this server, or a judge object)
        on ``items`` (JudgeItems, or dicts with ``question``, ``answer`` and optionally ``reference``,
        ``category``, ``category_prompt``, ``id``); see :func:`harness.testing.judge_run.run_judge`."""
        return run_judge(judge, items, api_base=self.url if isinstance(judge, str) else None, **settings)
