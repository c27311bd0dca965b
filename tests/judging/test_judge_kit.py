"""The judge-authoring kit end to end: a pointwise and a pairwise judge written on the public API
only, run against the real local OpenAI-compatible server (real HTTP, no mocks)."""

from __future__ import annotations

import pytest

from harness import (
    EvalSample,
    JudgeItem,
    PairItem,
    PairwiseLLMJudge,
    PointwiseLLMJudge,
    Unscored,
    dict_key,
    system,
    user,
)
from harness.testing.chat_server import ChatCompletionsServer

DIMENSIONS = {"open_qa": ["事实正确性", "满足用户需求"], "generation": ["创造性", "满足用户需求"]}


class RubricJudge(PointwiseLLMJudge):
    name = "rubric"
    scale = (1, 10)
    reader = dict_key("综合得分")

    def messages(self, item):
        dims = "、".join(DIMENSIONS[item.category])
        return [
            system("你是一个严格的评审。"),
            user(
                f"问题：{item.question}\n参考答案：{item.reference}\n回答：{item.answer}\n"
                f"请从{dims}打分（1-10），最后输出一个字典，包含综合得分。"
            ),
        ]


class ReadsMeta(PointwiseLLMJudge):
    scale = (1, 10)

    def messages(self, item):
        return [user(f"{item.meta.get('rubric', '?')}: {item.answer}")]

    def read(self, reply, item):
        return 11 if "eleven" in reply else Unscored("the judge would not say")


def items(n=3):
    return [
        JudgeItem(
            sample=EvalSample(
                id=f"s{i}",
                question=f"问题{i}",
                category="open_qa",
                reference="参考",
                meta={"rubric": "strict"},
            ),
            answer=f"回答{i}",
        )
        for i in range(n)
    ]


def run(judge, judge_items):
    out = []
    judge.judge(judge_items, on_result=out.append)
    return sorted(out, key=lambda j: j.id)


def test_a_rubric_judge_reads_the_dict_reply(tmp_path):
    reply = "分析……\n{'事实正确性': 7, '满足用户需求': 6, '综合得分': 6}"
    with ChatCompletionsServer(reply=reply) as server:
        judge = RubricJudge(api_base=server.base_url, cache_path=tmp_path / "c.sqlite", progress=False)
        judgments = run(judge, items())
        sent = server.requests[0]["messages"]
    assert [j.score for j in judgments] == [6.0, 6.0, 6.0]
    assert {j.judge for j in judgments} == {"rubric"} and judgments[0].meta[
        "template_hash"
    ] == judge.template_hash
    assert sent[0]["role"] == "system" and "事实正确性、满足用户需求" in sent[1]["content"]
    assert judge.stats["scored"] == 3 and judge.config["scale"]["high"] == 10


def test_a_score_outside_the_scale_and_a_refusal_are_unscored_with_the_reason(tmp_path):
    with ChatCompletionsServer(reply=["eleven", "no"]) as server:
        judge = ReadsMeta(api_base=server.base_url, use_cache=False, progress=False, concurrency=1)
        judgments = run(judge, items(2))
        assert server.requests[0]["messages"][0]["content"].startswith("strict: ")
    reasons = sorted(j.reason for j in judgments)
    assert all(j.status == "unscored" for j in judgments)
    assert "outside 1..10" in reasons[0] and reasons[1] == "the judge would not say"


def test_the_template_hash_changes_with_the_prompt():
    class Other(RubricJudge):
        def messages(self, item):
            return [user("different words")]

    first = RubricJudge(api_base="http://127.0.0.1:9", use_cache=False)
    assert Other(api_base="http://127.0.0.1:9", use_cache=False).template_hash != first.template_hash
    assert RubricJudge(api_base="http://127.0.0.1:9", use_cache=False).template_hash == first.template_hash


def test_an_unknown_option_is_refused_with_one_line():
    from harness.errors import UsageError

    with pytest.raises(UsageError, match="does not take the option"):
        RubricJudge(api_base="http://127.0.0.1:9", modle="x")


class Preference(PairwiseLLMJudge):
    name = "preference"

    def messages(self, item):
        return [user(f"A: {item.answers_a[-1]}\nB: {item.answers_b[-1]}\nAnswer [[A]], [[B]] or [[C]].")]


def test_a_pairwise_judge_reports_one_verdict_per_order(tmp_path):
    sample = EvalSample(id="p", question="Q", category="open_qa")
    pair = [
        PairItem(sample=sample, answers_a=("x",), answers_b=("y",), order="ab"),
        PairItem(sample=sample, answers_a=("y",), answers_b=("x",), order="ba"),
    ]
    with ChatCompletionsServer(
        reply=lambda body: "[[A]]" if "A: x" in body["messages"][0]["content"] else "nothing"
    ) as server:
        judge = Preference(api_base=server.base_url, use_cache=False, progress=False)
        verdicts = []
        judge.judge_pairs(pair, on_result=verdicts.append)
    by_order = {v.order: v for v in verdicts}
    assert by_order["ab"].verdict == "A" and by_order["ba"].verdict is None
    assert "[[A]]" in by_order["ba"].reason and by_order["ab"].judge == "preference"
    assert judge.stats["decided"] == 1 and judge.stats["undecided"] == 1


def test_no_cost_estimate_rather_than_a_failed_run_when_the_tokenizer_cannot_load(monkeypatch):
    """Offline, litellm downloads some tokenizers (gpt-4o-mini's o200k_base) on first use and raises
    a ConnectionError: the estimate is then unknown, and judging goes on."""
    from harness.api.litellm_import import import_litellm

    def offline(**_):
        raise ConnectionError("Max retries exceeded with url: /encodings/o200k_base.tiktoken")

    monkeypatch.setattr(import_litellm(), "token_counter", offline)
    judge = RubricJudge(api_base="http://127.0.0.1:9", use_cache=False)
    assert judge.estimate_cost(items(1)) is None
