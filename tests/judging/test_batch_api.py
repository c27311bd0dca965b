"""The Batch API client (harness.api.batch) against the test server's Batch API, and its prices.

Real HTTP on 127.0.0.1: upload (multipart, purpose=batch), create, poll through the statuses, the
results and error files; a server's hostile ids and oversized files are refused, never used.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from harness.api.batch import BatchHttp, checked_id, request_lines
from harness.api.openai_http import ApiHTTPError, OpenAICompatibleClient
from harness.errors import HarnessError
from harness.judging.batch_judge import BATCH_DISCOUNT, batch_cost
from harness.testing import ChatCompletionsServer


def _http(server: ChatCompletionsServer) -> BatchHttp:
    direct = OpenAICompatibleClient(
        api_base=server.base_url, model="gpt-3.5-turbo", api_key="sk-x", concurrency=2, max_reply_bytes=4096
    )
    return BatchHttp(direct, timeout=10)


def _run(server: ChatCompletionsServer, work):
    async def main():
        http = _http(server)
        try:
            return await work(http)
        finally:
            await http.direct.aclose()

    return asyncio.run(main())


REQUESTS = [
    (f"key-{i}", {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": f"问题{i}"}]})
    for i in range(4)
]


async def _to_the_end(http: BatchHttp):
    file_id = await http.upload(request_lines(REQUESTS))
    batch = await http.create(file_id)
    statuses = [batch["status"]]
    while batch["status"] not in ("completed", "expired", "failed"):
        batch = await http.retrieve(batch["id"])
        statuses.append(batch["status"])
    output = await http.content(batch["output_file_id"], 1 << 20) if batch.get("output_file_id") else b""
    errors = await http.content(batch["error_file_id"], 1 << 20) if batch.get("error_file_id") else b""
    return (
        statuses,
        batch,
        [json.loads(x) for x in output.splitlines()],
        [json.loads(x) for x in errors.splitlines()],
    )


def test_a_batch_goes_through_its_statuses_and_its_results_carry_model_and_usage():
    with ChatCompletionsServer(model_name="gpt-4o-mini-2024-07-18", batch_polls=2) as server:
        statuses, batch, results, errors = _run(server, _to_the_end)
        assert server.n_requests == 0 and server.batch.batches_created == 1
    assert statuses == ["validating", "in_progress", "in_progress", "finalizing", "completed"]
    assert batch["request_counts"] == {"total": 4, "completed": 4, "failed": 0} and not errors
    assert [r["custom_id"] for r in results] == [k for k, _ in REQUESTS]
    body = results[0]["response"]["body"]
    assert results[0]["response"]["status_code"] == 200 and body["model"] == "gpt-4o-mini-2024-07-18"
    assert body["usage"]["prompt_tokens"] > 0 and body["choices"][0]["message"]["content"].startswith("得分")


def test_an_expired_batch_answers_some_and_lists_the_rest_as_errors():
    with ChatCompletionsServer(batch_outcome="expired") as server:
        _, batch, results, errors = _run(server, _to_the_end)
    assert batch["status"] == "expired" and len(results) == 2 and len(errors) == 2
    assert {e["error"]["code"] for e in errors} == {"batch_expired"}
    assert {r["custom_id"] for r in results} | {e["custom_id"] for e in errors} == {k for k, _ in REQUESTS}


def test_a_failed_batch_says_why():
    with ChatCompletionsServer(batch_outcome="failed", error_message="token limit reached") as server:
        _, batch, results, _ = _run(server, _to_the_end)
    assert batch["status"] == "failed" and not results
    assert batch["errors"]["data"][0]["message"] == "token limit reached"


def test_an_unknown_batch_is_an_http_error():
    with ChatCompletionsServer() as server, pytest.raises(ApiHTTPError) as caught:
        _run(server, lambda http: http.retrieve("batch_404"))
    assert caught.value.status_code == 404


@pytest.mark.parametrize("value", ["../../etc/passwd", "a/b", "..", "", None, 7, "x" * 300, "id\n"])
def test_a_hostile_id_is_never_put_in_a_url(value):
    with pytest.raises(HarnessError, match="invalid batch id"):
        checked_id(value, "batch id")


def test_a_results_file_over_its_cap_is_refused_not_read_whole():
    async def work(http: BatchHttp):
        file_id = await http.upload(request_lines(REQUESTS))
        return await http.content(file_id, 100)

    with ChatCompletionsServer() as server, pytest.raises(HarnessError, match="over 100 bytes"):
        _run(server, work)


def test_batch_price_is_litellms_batch_price_else_half_the_chat_price():
    import litellm

    from harness.api.cost import token_cost

    entry = litellm.model_cost["gpt-4o-mini"]
    assert batch_cost(["gpt-4o-mini"], 1000, 100) == pytest.approx(
        1000 * entry["input_cost_per_token_batches"] + 100 * entry["output_cost_per_token_batches"]
    )
    assert "input_cost_per_token_batches" not in litellm.model_cost["gpt-3.5-turbo"]
    assert batch_cost(["gpt-3.5-turbo"], 1000, 100) == pytest.approx(
        token_cost(["gpt-3.5-turbo"], 1000, 100) * BATCH_DISCOUNT
    )
    assert batch_cost(["my-local-model"], 1000, 100) is None  # unpriced, as ordinary replies


def test_results_lines_that_are_not_ours_or_not_json_answer_nothing(tmp_path, monkeypatch):
    from harness.api import ApiSettings, ChatClient
    from harness.judging.batch_judge import _results

    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    with ChatCompletionsServer() as server:
        settings = ApiSettings.from_options(api_base=server.base_url, cache_path=tmp_path / "cache.sqlite")
        client = ChatClient(settings, namespace="judge:t")
        good = server.batch._result({"custom_id": "key-0", "body": {"messages": []}}, 0)
        foreign = server.batch._result({"custom_id": "not-ours", "body": {"messages": []}}, 1)
        failed = {
            **server.batch._result({"custom_id": "key-2", "body": {}}, 2),
            "response": {"status_code": 500},
        }
        lines = [json.dumps(good), "{not json", json.dumps(foreign), json.dumps(failed), json.dumps(good)]
        server.batch.files["file-out"] = ("\n".join(lines) + "\n").encode("utf-8")
        pending = {k: body for k, body in REQUESTS}

        async def main():
            try:
                return await _results(
                    BatchHttp(client.direct, timeout=10), client, {"output_file_id": "file-out"}, pending
                )
            finally:
                await client.aclose()

        answers = asyncio.run(main())
    assert list(answers) == ["key-0"] and answers["key-0"].text.startswith("得分")
    assert client.stats.completed == 1  # the repeated line is not a second reply
