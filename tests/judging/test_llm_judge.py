"""The gpt35 judge end to end through litellm's real HTTP path against the local server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from harness.api.cost import token_cost
from harness.errors import UsageError
from harness.judging.template import load_template
from harness.protocols import EvalSample, JudgeItem
from harness.testing import ChatCompletionsServer

from .conftest import make_item, run_judge


def test_belle_template_renders_belle_protocol_exactly():
    template = load_template("belle-v1")
    sample = EvalSample(id="x", question="1+1等于几？", category="math", reference="2")
    with_gold = JudgeItem(
        sample=sample, answer="等于2", category_prompt="你是一个数学老师。", gold_shown=True
    )
    assert template.render(with_gold) == (
        "你是一个数学老师。 1+1等于几？ 标准回答:2  模型回答：' 等于2'。请针对模型回答给出得分，顺便给出理由："
    )
    no_gold = JudgeItem(sample=sample, answer="一首诗", category_prompt="P", gold_shown=False)
    rendered = template.render(no_gold)
    assert rendered == "P 1+1等于几？  模型回答： '一首诗'。请针对模型回答给出得分，顺便给出理由："
    assert "标准回答" not in rendered
    assert template.messages(no_gold) == [{"role": "user", "content": rendered}]
    assert template.model == "gpt-3.5-turbo" and template.temperature == 0.0
    assert len(template.hash) == 64


def test_judgments_carry_score_raw_and_provenance(make_judge, belle_items):
    with ChatCompletionsServer(
        reply="得分：0.8分\n理由：基本正确。", model_name="gpt-3.5-turbo-0125"
    ) as server:
        judge = make_judge(server)
        judgments = run_judge(judge, belle_items)
        sent = server.requests
    assert sorted(j.id for j in judgments) == sorted(i.sample.id for i in belle_items)
    for judgment in judgments:
        assert judgment.status == "scored" and judgment.score == pytest.approx(0.8)
        assert judgment.raw == "得分：0.8分\n理由：基本正确。" and judgment.judge == "gpt35"
        meta = judgment.meta
        assert meta["answering_model"] == "gpt-3.5-turbo-0125" and meta["judge_model"] == "gpt-3.5-turbo"
        assert meta["template_hash"] == load_template("belle-v1").hash and meta["parse_rule"] == "label"
        assert meta["prompt_tokens"] > 0 and meta["completion_tokens"] > 0 and meta["cost"] > 0
        # litellm's own figure for the response, which is the price map's for the answering model
        assert meta["cost"] == pytest.approx(
            token_cost(["gpt-3.5-turbo-0125"], meta["prompt_tokens"], meta["completion_tokens"])
        )
        assert meta["cache_hit"] is False and meta["attempts"] == 1
    # one user message per item, BELLE's text, temperature 0, through the real HTTP path
    assert len(sent) == len(belle_items)
    by_question = {i.sample.question: i for i in belle_items}
    for body in sent:
        assert body["temperature"] == 0.0 and body["model"] == "gpt-3.5-turbo"
        [message] = body["messages"]
        item = next(i for q, i in by_question.items() if q in message["content"])
        assert message["content"].startswith(item.category_prompt)
        assert ("标准回答:" in message["content"]) == item.gold_shown
    stats = judge.stats
    assert stats["requests"] == len(belle_items) and stats["scored"] == len(belle_items)
    assert stats["cost"] == pytest.approx(sum(j.meta["cost"] for j in judgments))


def test_unparseable_reply_is_repaired_once(make_judge):
    def reply(body):
        return "得分: 0.4" if len(body["messages"]) == 3 else "回答不错，但是不够完整。"

    with ChatCompletionsServer(reply=reply) as server:
        [judgment] = run_judge(make_judge(server), [make_item(0)])
        assert server.n_requests == 2
        repair_turn = server.requests[1]["messages"]
    assert repair_turn[1] == {"role": "assistant", "content": "回答不错，但是不够完整。"}
    assert repair_turn[2]["role"] == "user" and "得分" in repair_turn[2]["content"]
    assert judgment.status == "scored" and judgment.score == pytest.approx(0.4)
    assert judgment.meta["repaired"] is True and judgment.meta["repair_reply"] == "得分: 0.4"
    assert judgment.raw == "回答不错，但是不够完整。"


def test_still_unparseable_after_repair_is_unscored_with_reason(make_judge):
    with ChatCompletionsServer(reply="我无法评价这个回答。") as server:
        [judgment] = run_judge(make_judge(server), [make_item(0)])
        assert server.n_requests == 2  # asked once more, never more
    assert judgment.status == "unscored" and judgment.score is None
    assert "no score found" in judgment.reason and "repair" in judgment.reason
    assert judgment.raw == "我无法评价这个回答。"


def test_out_of_range_score_is_unscored_not_clipped(make_judge):
    with ChatCompletionsServer(reply="得分: 8分") as server:
        [judgment] = run_judge(make_judge(server), [make_item(0)])
        assert server.n_requests == 2  # out of range goes to the repair turn, once
    assert judgment.status == "unscored" and judgment.score is None
    assert judgment.reason.startswith("out of range") and "outside 0..1" in judgment.reason
    assert "repair" in judgment.reason and judgment.meta["value"] == 8


@pytest.mark.parametrize(
    ("reply", "reason", "value"),
    [
        ("得分: 1e308", "out of range", 1e308),
        ("得分: 0.8e1", "out of range", 8.0),
        ("得分: NaN", "not a number", "nan"),
        ("得分: -inf", "not a finite number", "-inf"),
    ],
)
def test_exponents_and_nan_are_read_whole_then_rejected(make_judge, reply, reason, value):
    with ChatCompletionsServer(reply=reply) as server:
        [judgment] = run_judge(make_judge(server), [make_item(0)])
        assert server.n_requests == 2
    assert judgment.status == "unscored" and judgment.score is None
    assert judgment.reason.startswith(reason) and judgment.meta["value"] == value
    json.dumps(judgment.to_dict(), allow_nan=False)  # the record stays strict JSON


def test_out_of_range_then_repaired_in_range_is_scored(make_judge):
    def reply(body):
        return "得分: 1e-9" if len(body["messages"]) == 3 else "得分: 1e308"

    with ChatCompletionsServer(reply=reply) as server:
        [judgment] = run_judge(make_judge(server), [make_item(0)])
    assert judgment.status == "scored" and judgment.score == 1e-9  # read whole, not 1.0
    assert judgment.meta["repaired"] is True and judgment.meta["repair_reply"] == "得分: 1e-9"


def test_a_template_declares_its_scale(make_judge, tmp_path):
    template = load_template("belle-v1").model_copy(update={"name": "ten", "scale": (1, 10)})
    path = tmp_path / "ten.yaml"
    path.write_text(json.dumps(template.model_dump(), ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    with ChatCompletionsServer(reply=["得分: 7.5", "得分: 0.5", "得分: 0.5"]) as server:
        judge = make_judge(server, template=str(path), concurrency=1)
        assert (judge.scale.low, judge.scale.high) == (1.0, 10.0)
        first, second = run_judge(judge, [make_item(0), make_item(1)])
    assert first.status == "scored" and first.score == 7.5
    assert second.status == "unscored" and "outside 1..10" in second.reason


@pytest.mark.parametrize("model", ["gpt-3.5-turbo", "hosted_vllm/qwen2-7b-instruct"])
def test_faults_are_retried_none_lost_none_twice(make_judge, items, model):
    """On the OpenAI SDK route and on litellm's own HTTP handler (hosted_vllm/...)."""
    with ChatCompletionsServer(
        fault_rate=0.15, faults=("429", "500", "malformed", "drop"), seed=3, retry_after=0.01
    ) as server:
        judge = make_judge(server, model=model, max_retries=8, use_cache=False)
        judgments = run_judge(judge, items)
        counts = server.counts
    assert sum(v for k, v in counts.items() if k != "ok") > 0
    assert sorted(j.id for j in judgments) == sorted(i.sample.id for i in items)  # each exactly once
    assert all(j.status == "scored" for j in judgments)
    assert counts["ok"] == len(items)  # no answer was fetched twice
    assert judge.stats["retries"] == sum(v for k, v in counts.items() if k != "ok")
    assert sum(j.meta["attempts"] for j in judgments) == sum(counts.values())


@pytest.mark.parametrize("model", ["gpt-3.5-turbo", "hosted_vllm/qwen2-7b-instruct"])
def test_malformed_body_is_retried_on_each_litellm_route(make_judge, model):
    """The OpenAI SDK route (gpt-3.5-turbo) and litellm's own HTTP handler (hosted_vllm/..., which
    reports a 200 with a body that is not JSON as ``APIError`` with status 200) both retry it."""
    with ChatCompletionsServer(fail_first=1, faults=("malformed",)) as server:
        [judgment] = run_judge(make_judge(server, model=model, use_cache=False), [make_item(0)])
        assert server.counts == {"malformed": 1, "ok": 1}
    assert judgment.status == "scored" and judgment.meta["attempts"] == 2


def test_retry_after_is_honoured(make_judge):
    with ChatCompletionsServer(fail_first=1, faults=("429",), retry_after=1.0) as server:
        import time

        stamps = []
        original = server._handle

        async def stamped(request):
            stamps.append(time.monotonic())
            return await original(request)

        server._handle = stamped  # noqa: B010 - routes were bound at start; rebind before starting below
        server.stop()
        server.start()
        [judgment] = run_judge(make_judge(server), [make_item(0)])
    assert judgment.status == "scored" and judgment.meta["attempts"] == 2
    assert stamps[1] - stamps[0] >= 0.95  # the server asked for 1 s; backoff alone would be ~0.5 s


def test_bounded_retries_then_failed(make_judge):
    with ChatCompletionsServer(fail_first=100, faults=("429",), retry_after=0.01) as server:
        [judgment] = run_judge(make_judge(server, max_retries=2), [make_item(0)])
        assert server.n_requests == 3
    assert judgment.status == "failed" and judgment.score is None
    assert "no reply after 3 attempt(s)" in judgment.reason and "RateLimitError" in judgment.reason
    assert judgment.meta["attempts"] == 3


def test_cache_rerun_makes_zero_requests_and_failures_are_not_cached(make_judge, items, tmp_path):
    with ChatCompletionsServer(reply="得分: 0.5") as server:
        first = run_judge(make_judge(server), items)
        n = server.n_requests
        judge = make_judge(server)
        assert judge.estimate_cost(items) == 0.0  # everything cached: nothing to pay
        second = run_judge(judge, items)
        assert server.n_requests == n
        assert judge.stats["requests"] == 0 and judge.stats["cache_hits"] == len(items)
        assert all(j.meta["cache_hit"] for j in second)
        assert [j.score for j in second] == [j.score for j in first]
        bypass = make_judge(server, use_cache=False)
        run_judge(bypass, items[:3])
        assert server.n_requests == n + 3
    with ChatCompletionsServer(fail_first=100, faults=("429",), retry_after=0.01) as failing:
        new = [make_item(100)]
        assert run_judge(make_judge(failing, max_retries=0), new)[0].status == "failed"
    with ChatCompletionsServer(reply="得分: 1") as healthy:
        assert run_judge(make_judge(healthy), new)[0].status == "scored"
        assert healthy.n_requests == 1
    conn = sqlite3.connect(tmp_path / "judge_cache.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_repeats_are_separate_cache_entries(make_judge):
    from harness.judging.repeats import expand_repeats, repeat_spread

    replies = iter(["得分: 0.2", "得分: 0.6", "得分: 1.0"])
    with ChatCompletionsServer(reply=lambda body: next(replies)) as server:
        items = expand_repeats([make_item(0)], 3)
        assert [i.repeat for i in items] == [0, 1, 2]
        judgments = run_judge(make_judge(server, repeats=3, concurrency=1), items)
        assert server.n_requests == 3
        again = run_judge(make_judge(server, repeats=3), items)
        assert server.n_requests == 3
    assert sorted(j.score for j in judgments) == pytest.approx([0.2, 0.6, 1.0])
    assert sorted((j.repeat, j.score) for j in again) == sorted((j.repeat, j.score) for j in judgments)
    spread = repeat_spread(judgments)
    assert spread["samples"] == 1 and spread["mean_range"] == pytest.approx(0.8)


def test_max_cost_stops_cleanly(make_judge):
    items = [make_item(i) for i in range(30)]
    with ChatCompletionsServer(reply="得分: 1") as server:
        # each judgment costs ~5e-5 USD (gpt-3.5-turbo prices, ~50 prompt + ~5 completion tokens)
        judge = make_judge(server, max_cost=2e-4, concurrency=1, use_cache=False)
        judgments = run_judge(judge, items)
    assert len(judgments) == len(items)  # none lost
    failed = [j for j in judgments if j.status == "failed"]
    scored = [j for j in judgments if j.status == "scored"]
    assert scored and failed
    assert all(j.reason == "max cost reached" for j in failed)
    assert server.n_requests == len(scored)
    assert judge.stats["cost"] >= 2e-4 and judge.stats["budget_stops"] == len(failed)


def test_max_cost_with_an_unpriced_model_is_refused(tmp_path):
    from harness.judging.llm_judge import LLMJudge

    with pytest.raises(UsageError, match="known price"):
        LLMJudge(
            model="my-local-model",
            api_base="http://127.0.0.1:9/v1",
            max_cost=1.0,
            cache_path=tmp_path / "c.sqlite",
        )


def test_unpriced_model_costs_none_not_zero(make_judge):
    with ChatCompletionsServer(reply="得分: 1", model_name="my-local-model") as server:
        judge = make_judge(server, model="my-local-model")
        [judgment] = run_judge(judge, [make_item(0)])
    assert judgment.status == "scored" and judgment.meta["cost"] is None
    assert judge.stats["cost"] is None and judge.estimate_cost([make_item(1)]) is None


def test_estimate_cost_before_the_run(make_judge, belle_items):
    with ChatCompletionsServer() as server:
        judge = make_judge(server)
        estimate = judge.estimate_cost(belle_items)
        assert server.n_requests == 0
    assert estimate is not None and 0 < estimate < 0.05


def test_api_key_never_written(make_judge, items, tmp_path, monkeypatch):
    secret = "sk-test-SECRET-7f3a9c2e1b"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    with ChatCompletionsServer(fail_first=2, faults=("500", "429"), retry_after=0.01) as server:
        judge = make_judge(server)
        judgments = run_judge(judge, items[:10])
        with ChatCompletionsServer(fail_first=5, faults=("500",)) as bad:
            failing = make_judge(bad, use_cache=False, max_retries=0)
            failed = run_judge(failing, items[:2])
        assert server.request_headers[0]["Authorization"] == f"Bearer {secret}"  # the key is really used
    out = tmp_path / "run"
    out.mkdir()
    (out / "judgments.jsonl").write_text(
        "".join(json.dumps(j.to_dict(), ensure_ascii=False) + "\n" for j in [*judgments, *failed]),
        encoding="utf-8",
    )
    (out / "judge_stats.json").write_text(
        json.dumps([judge.stats, failing.stats, judge.config]), encoding="utf-8"
    )
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("judge_cache.sqlite") for p in written)
    for path in written:
        assert secret.encode() not in path.read_bytes(), path


def test_two_processes_share_the_cache(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "shared.sqlite"
    script = (
        "import sys; from harness.api.cache import ResponseCache; c = ResponseCache(sys.argv[1]);\n"
        "[c.put(f'{sys.argv[2]}-{i}', 'test', {'text': str(i)}) for i in range(300)];\n"
        "assert all(c.get(f'{sys.argv[2]}-{i}') == {'text': str(i)} for i in range(300))"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(db), tag]) for tag in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    from harness.api.cache import ResponseCache

    assert len(ResponseCache(db)) == 600


def test_judge_accepts_every_cli_option(tmp_path, monkeypatch):
    from harness.judging.llm_judge import LLMJudge

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    judge = LLMJudge(
        model=None,
        api_base=None,
        api_key_env=None,
        concurrency=None,
        use_cache=None,
        cache_path=tmp_path / "c.sqlite",
        max_cost=None,
        repeats=None,
        temperature=None,
        timeout=None,
        max_retries=None,
        progress=None,
    )
    assert judge.settings.api_base == "http://127.0.0.1:9/v1" and judge.settings.concurrency == 16
    assert judge.settings.model == "gpt-3.5-turbo" and judge.temperature == 0.0 and judge.repeats == 1
    assert judge.settings.timeout == 60 and judge.settings.max_retries == 5 and judge.settings.use_cache
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UsageError, match="OPENAI_API_KEY"):
        LLMJudge(cache_path=tmp_path / "c.sqlite")
    with pytest.raises(UsageError, match="MY_KEY"):
        LLMJudge(api_key_env="MY_KEY", cache_path=tmp_path / "c.sqlite")


def test_default_cache_lives_in_harness_home(harness_home: Path):
    from harness.api.settings import ApiSettings

    assert ApiSettings().cache_path == harness_home / "judge_cache.sqlite"


def test_timeouts_are_bounded_and_end_failed(make_judge):
    import time

    with ChatCompletionsServer() as warm:  # pay litellm's first-call costs outside the timing
        run_judge(make_judge(warm, use_cache=False), [make_item(0)])
    with ChatCompletionsServer(fail_first=2, faults=("hang",)) as server:  # never answers either
        judge = make_judge(server, timeout=0.3, max_retries=1)
        start = time.perf_counter()
        [judgment] = run_judge(judge, [make_item(0)])
        elapsed = time.perf_counter() - start
        assert server.n_requests == 2 and server.counts == {"hang": 2}
    assert judgment.status == "failed" and "Timeout" in judgment.reason and judgment.meta["attempts"] == 2
    # 2 x 0.3 s timeouts + at most 1 s backoff, about 1.6 s; the bound leaves room for busy cores
    assert elapsed < 8


def test_progress_bar_runs(make_judge, capsys):
    with ChatCompletionsServer(reply="得分: 1") as server:
        judgments = run_judge(make_judge(server, progress=True), [make_item(i) for i in range(3)])
    assert [j.status for j in judgments] == ["scored"] * 3
    assert "judging (gpt35)" in capsys.readouterr().err


def test_concurrency_is_used_and_bounded(make_judge):
    with ChatCompletionsServer(latency=0.2) as server:
        judgments = run_judge(
            make_judge(server, concurrency=8, use_cache=False), [make_item(i) for i in range(32)]
        )
        assert 4 <= server.max_in_flight <= 8
    assert len(judgments) == 32


def test_connections_are_reused(make_judge):
    # litellm -> OpenAI SDK -> httpx with litellm's aiohttp transport: a pooled, kept-alive client.
    with ChatCompletionsServer(latency=0.02) as server:
        run_judge(make_judge(server, concurrency=4, use_cache=False), [make_item(i) for i in range(60)])
        assert server.n_requests == 60
        assert server.connections <= 16, server.connections
