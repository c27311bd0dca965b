"""litellm's request building runs in the event loop's thread for OpenAI-compatible providers
(``harness.api.inline_executor``): no thread hop per request, and a blocking call sends the rest
back to threads."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from harness.api.inline_executor import InlineExecutor
from harness.testing import ChatCompletionsServer

from .conftest import make_item


def test_calls_run_in_the_calling_thread_and_errors_reach_the_awaiter():
    async def main():
        loop = asyncio.get_running_loop()
        executor = InlineExecutor()
        loop.set_default_executor(executor)
        here = threading.get_ident()
        assert await loop.run_in_executor(None, threading.get_ident) == here
        with pytest.raises(ZeroDivisionError):
            await loop.run_in_executor(None, lambda: 1 / 0)
        return executor

    executor = asyncio.run(main())
    assert executor.inline and executor.inline_calls == 2


def test_blocking_calls_send_later_calls_to_threads():
    async def main():
        loop = asyncio.get_running_loop()
        executor = InlineExecutor(blocking_seconds=0.01, slow_calls_before_threads=2)
        loop.set_default_executor(executor)
        here = threading.get_ident()

        def slow():
            time.sleep(0.03)
            return threading.get_ident()

        assert await loop.run_in_executor(None, slow) == here
        assert executor.inline  # one slow call (litellm's first, importing) is forgiven
        assert await loop.run_in_executor(None, threading.get_ident) == here
        assert await loop.run_in_executor(None, slow) == here
        assert not executor.inline  # calls keep blocking: from now on a thread pool runs them
        assert await loop.run_in_executor(None, threading.get_ident) != here
        return executor

    executor = asyncio.run(main())
    assert (executor.inline_calls, executor.slow_calls) == (3, 2)


def _executor_threads() -> list[str]:
    # asyncio's default executor names its threads asyncio_N; ours would be litellm-request_N
    return [t.name for t in threading.enumerate() if t.name.startswith(("asyncio_", "litellm-request"))]


def test_openai_requests_are_built_without_a_thread_hop(make_judge):
    seen = []
    with ChatCompletionsServer(reply="得分: 1", latency=0.01) as server:
        judge = make_judge(server, concurrency=4, use_cache=False, processes=1)
        assert judge.client.builds_requests_inline  # gpt-3.5-turbo at an api_base: litellm's openai path
        judge.judge([make_item(i) for i in range(12)], on_result=lambda j: seen.append((j, _executor_threads())))
    assert [j.status for j, _ in seen] == ["scored"] * 12
    assert all(threads == [] for _, threads in seen)  # litellm's completion() never went to a thread


def test_other_providers_keep_litellm_s_threads(make_judge, monkeypatch):
    import harness.api.client as client_module

    monkeypatch.setattr(client_module, "INLINE_REQUEST_PROVIDERS", frozenset())
    seen = []
    with ChatCompletionsServer(reply="得分: 1") as server:
        judge = make_judge(server, concurrency=2, use_cache=False, processes=1)
        assert not judge.client.builds_requests_inline
        judge.judge([make_item(i) for i in range(4)], on_result=lambda j: seen.append(_executor_threads()))
    assert any(threads for threads in seen)  # the control: litellm's own thread hop is visible here
