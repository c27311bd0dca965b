"""The judge (and the litellm generator) with forked worker processes: the same guarantees as the
single-process path. Real HTTP through litellm against the local server, which runs in a thread of
this process; the forked workers only talk HTTP to it."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import signal
import threading

import pytest

from harness.api.client import ApiFailure
from harness.api.processes import choose_processes, fork_available
from harness.errors import UsageError
from harness.testing import ChatCompletionsServer

from .conftest import make_item, run_judge

pytestmark = pytest.mark.skipif(not fork_available(), reason="worker processes need fork (Linux)")


def score_by_question(body) -> str:
    """A reply that depends on the item, so a mix-up between items would show in the scores."""
    i = int(re.search(r"问题(\d+)", body["messages"][0]["content"]).group(1))
    return f"得分: {i % 10 / 10}\n理由: 第{i}题。"


def test_choose_processes(monkeypatch):
    assert choose_processes(None, n_uncached=1000, concurrency=16) == 4  # 4 requests in flight per loop
    assert choose_processes(None, n_uncached=1000, concurrency=8) == 2
    assert choose_processes(None, n_uncached=1000, concurrency=64) == 4  # at most 4
    assert choose_processes(None, n_uncached=63, concurrency=16) == 1  # too few to pay for forking
    assert choose_processes(None, n_uncached=1000, concurrency=4) == 1  # one loop copes
    assert choose_processes(3, n_uncached=10, concurrency=2) == 2  # never more than concurrency
    assert choose_processes(1, n_uncached=1000, concurrency=16) == 1
    with pytest.raises(UsageError, match="at least 1"):
        choose_processes(0, n_uncached=10, concurrency=16)
    monkeypatch.setenv("LITELLM_RUST", "true")  # litellm's native runtime does not survive fork
    assert not fork_available() and choose_processes(4, n_uncached=1000, concurrency=16) == 1


def test_api_failure_survives_pickling():
    failure = pickle.loads(pickle.dumps(ApiFailure("max cost reached", attempts=2, budget=True)))
    assert (failure.reason, failure.attempts, failure.budget) == ("max cost reached", 2, True)


def test_two_processes_judge_each_item_once_like_one_process(make_judge, tmp_path, capsys):
    items = [make_item(i) for i in range(40)]
    entered, overlaps, threads = [0], [0], set()
    guard = threading.Lock()
    out = []

    def on_result(judgment):
        with guard:
            entered[0] += 1
            overlaps[0] += entered[0] > 1
        threads.add(threading.get_ident())
        out.append(judgment)
        with guard:
            entered[0] -= 1

    with ChatCompletionsServer(reply=score_by_question, latency=0.02) as server:
        single = run_judge(make_judge(server, processes=1, use_cache=False), items)
        server.reset()
        judge = make_judge(server, processes=2, concurrency=4, cache_path=tmp_path / "multi.sqlite", progress=True)
        judge.judge(items, on_result=on_result)
        assert server.n_requests == len(items)
        assert server.max_in_flight <= 4  # the concurrency is split among the workers, not multiplied
    assert judge.stats["processes"] == 2
    assert sorted(j.id for j in out) == sorted(i.sample.id for i in items)  # each exactly once
    assert {j.id: j.score for j in out} == {j.id: j.score for j in single}
    assert all(j.status == "scored" and not j.meta["cache_hit"] for j in out)
    assert overlaps[0] == 0 and threads == {threading.get_ident()}  # serial, in the calling thread
    stats = judge.stats
    assert stats["requests"] == stats["completed"] == stats["scored"] == len(items)
    assert stats["cost"] == pytest.approx(sum(j.meta["cost"] for j in out))
    assert stats["answering_models"] == {"gpt-3.5-turbo-0125": len(items)}
    assert multiprocessing.active_children() == []  # workers are gone
    assert f"{len(items)}/{len(items)}" in capsys.readouterr().err  # the parent's progress bar saw them all


def test_cache_written_by_workers_serves_the_next_run(make_judge):
    items = [make_item(i) for i in range(70)]
    with ChatCompletionsServer(reply=score_by_question) as server:
        first = run_judge(make_judge(server, processes=2, concurrency=8), items)
        assert server.n_requests == len(items)
        judge = make_judge(server, concurrency=8)  # automatic: all cached, so no worker processes
        second = run_judge(judge, items)
        assert server.n_requests == len(items)  # zero new requests
    assert judge.stats["processes"] == 1 and judge.stats["cache_hits"] == len(items)
    assert {j.id: j.score for j in second} == {j.id: j.score for j in first}
    assert all(j.meta["cache_hit"] for j in second)


def test_partly_cached_run_serves_hits_in_the_parent(make_judge):
    items = [make_item(i) for i in range(30)]
    with ChatCompletionsServer(reply=score_by_question) as server:
        run_judge(make_judge(server, processes=1), items[:10])
        judge = make_judge(server, processes=2, concurrency=4)
        out = run_judge(judge, items)
        assert server.n_requests == len(items)  # 10 earlier + 20 now; the 10 cached ones cost nothing
    assert sorted(j.id for j in out) == sorted(i.sample.id for i in items)
    assert sum(j.meta["cache_hit"] for j in out) == 10
    assert judge.stats["cache_hits"] == 10 and judge.stats["requests"] == 20


def test_max_cost_holds_across_processes(make_judge):
    items = [make_item(i) for i in range(40)]
    limit = 2e-4  # each judgment costs ~5e-5 USD at gpt-3.5-turbo prices
    with ChatCompletionsServer(reply="得分: 1", latency=0.01) as server:
        judge = make_judge(server, max_cost=limit, processes=2, concurrency=2, use_cache=False)
        out = run_judge(judge, items)
        n_requests = server.n_requests
    assert sorted(j.id for j in out) == sorted(i.sample.id for i in items)  # none lost
    scored = [j for j in out if j.status == "scored"]
    failed = [j for j in out if j.status == "failed"]
    assert scored and failed and all(j.reason == "max cost reached" for j in failed)
    assert n_requests == len(scored)
    per_item = max(j.meta["cost"] for j in scored)
    # one shared total: stops at the limit, overshooting by at most what was in flight (2 requests);
    # with a budget per process it would have spent about twice the limit
    assert limit <= judge.stats["cost"] <= limit + 2 * per_item
    assert judge.stats["budget_stops"] == len(failed)


@pytest.fixture
def litellm_warm(monkeypatch):
    """As after an earlier request in this process: every job goes to the workers."""
    import harness.api.client as client_module

    monkeypatch.setattr(client_module, "_ANSWERED_IN_THIS_PROCESS", True)


def test_a_killed_worker_loses_nothing(make_judge, litellm_warm):
    items = [make_item(i) for i in range(24)]
    out = []
    killed = []

    def on_result(judgment):
        out.append(judgment)
        if len(out) == 3:
            victim = multiprocessing.active_children()[0]
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.name)

    with ChatCompletionsServer(reply=score_by_question, latency=0.1) as server:
        judge = make_judge(server, processes=2, concurrency=4, use_cache=False)
        judge.judge(items, on_result=on_result)
    assert killed
    assert sorted(j.id for j in out) == sorted(i.sample.id for i in items)  # each exactly once
    failed = [j for j in out if j.status == "failed"]
    # only what the victim had taken and not reported (its 2 slots) is lost; the jobs nobody had
    # taken yet went to the surviving worker (a fixed share per worker would have lost ~9 more)
    assert 1 <= len(failed) <= 2, [j.reason for j in failed]
    assert all(re.fullmatch(r"worker process \d died \(exit code -9\)", j.reason) for j in failed)
    assert all(j.status == "scored" for j in out if j not in failed)
    assert judge.stats["failed"] == len(failed) and judge.stats["scored"] == len(items) - len(failed)
    assert multiprocessing.active_children() == []


def test_when_every_worker_dies_the_untaken_jobs_end_failed_too(make_judge, litellm_warm):
    items = [make_item(i) for i in range(30)]
    out = []

    def on_result(judgment):
        out.append(judgment)
        if len(out) == 1:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    with ChatCompletionsServer(reply=score_by_question, latency=0.1) as server:
        judge = make_judge(server, processes=2, concurrency=4, use_cache=False)
        judge.judge(items, on_result=on_result)
        assert server.n_requests < len(items)
    assert sorted(j.id for j in out) == sorted(i.sample.id for i in items)  # each exactly once
    reasons = {j.reason for j in out if j.status == "failed"}
    assert "no worker process was left to run it" in reasons
    assert reasons - {"no worker process was left to run it"} <= {
        f"worker process {k} died (exit code -9)" for k in (0, 1)
    }
    assert judge.stats["failed"] == sum(j.status == "failed" for j in out) > len(items) // 2
    assert multiprocessing.active_children() == []


def test_a_process_that_sent_nothing_yet_sends_the_first_job_itself(make_judge, monkeypatch):
    import harness.api.client as client_module

    # as in a fresh `harness run`: litellm has answered nothing in this process yet
    monkeypatch.setattr(client_module, "_ANSWERED_IN_THIS_PROCESS", False)
    items = [make_item(i) for i in range(20)]
    with ChatCompletionsServer(reply=score_by_question) as server:
        judge = make_judge(server, processes=2, concurrency=4, use_cache=False)
        out = run_judge(judge, items)
        assert server.n_requests == len(items)
    # only a request answered in this process sets the flag (a worker's copy of it is its own)
    assert client_module.request_sent_in_this_process()
    assert judge.stats["processes"] == 2 and judge.stats["requests"] == len(items)
    assert sorted(j.id for j in out) == sorted(i.sample.id for i in items)
    assert all(j.status == "scored" for j in out)


def test_interrupt_in_the_parent_stops_the_workers(make_judge):
    items = [make_item(i) for i in range(40)]

    def on_result(judgment):
        raise KeyboardInterrupt

    with ChatCompletionsServer(reply=score_by_question, latency=0.05) as server:
        judge = make_judge(server, processes=2, concurrency=4, use_cache=False)
        with pytest.raises(KeyboardInterrupt):
            judge.judge(items, on_result=on_result)
        assert server.n_requests < len(items)
    assert multiprocessing.active_children() == []


def test_generator_uses_worker_processes(tmp_path):
    from harness.api.generator import LiteLLMGenerator
    from harness.protocols import EvalSample

    class ApiModel:
        name = "api"
        model_id = "gpt-3.5-turbo"

        @staticmethod
        def format_prompt(question: str) -> str:
            return question

    samples = [EvalSample(id=f"g{i}", question=f"问题{i}", category="open_qa", reference="") for i in range(20)]
    with ChatCompletionsServer(reply=lambda body: "答：" + body["messages"][0]["content"]) as server:
        generator = LiteLLMGenerator(api_base=server.base_url, cache_path=tmp_path / "g.sqlite", progress=False,
                                     concurrency=4, processes=2)
        out = []
        generator.generate(ApiModel(), samples, on_result=out.append)
        assert server.n_requests == len(samples)
    assert sorted(g.id for g in out) == sorted(s.id for s in samples)
    answers = {g.id: g.answer for g in out}
    assert all(answers[s.id] == "答：" + s.question for s in samples)
    assert generator.stats["processes"] == 2 and generator.stats["requests"] == len(samples)
