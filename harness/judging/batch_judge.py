"""``--judge-batch``: the LLM judge's requests as one OpenAI batch, judged exactly as ordinary replies.

WHY: OpenAI's Batch API answers the same requests at half the price within 24 h. The flow:

1. Each item's first request is keyed as the cache keys it (:meth:`ChatClient.key_for`); that key
   is the request's ``custom_id``, so every result maps back to its items exactly once. Requests
   the cache already answers are not sent.
2. ``--max-cost`` is checked against the estimate at the batch price before anything is sent: a
   batch cannot be stopped midway.
3. The batch is created (:mod:`harness.api.batch`) and its id recorded in the run directory at
   once (``store``, :mod:`harness.runs.batch_record`); a run that finds a record polls that batch.
4. Polling backs off from :data:`POLL_FIRST` to :data:`POLL_MAX` seconds and logs each change of
   state and counts; past ``--judge-batch-wait`` the run ends ``waiting`` (:class:`BatchWaiting`).
5. Each result goes through the client's door (scrubbed, capped, priced at the batch price of the
   model that answered, cached), then the judge judges every item as usual: the parse, the repair
   turn, the scale check and the record are the ordinary ones. Requests an expired batch left
   unanswered are sent as ordinary chat requests (at the full price), as are repair turns.
6. A failed or cancelled batch ends the run with the server's reason (exit 1); its record is
   removed, so the same command sends a new batch.

Only an OpenAI-compatible endpoint (the judge's direct client) takes batches here; a provider
reached through litellm is refused with the reason (exit 2).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from harness.api import batch as batch_api
from harness.api.batch import TERMINAL, BatchHttp, checked_id, request_lines, results_cap
from harness.api.client import ChatClient, ChatResponse
from harness.api.cost import token_cost
from harness.api.litellm_import import import_litellm
from harness.api.openai_http import MalformedReply, parse_completion
from harness.api.retry import is_retryable
from harness.api.runner import run_sync
from harness.api.secrets import redact_url
from harness.errors import HarnessError, UsageError
from harness.judging.llm_judge import LLMJudge
from harness.protocols import JudgeItem, Judgment
from harness.terminal import inert

POLL_FIRST = 2.0
POLL_MAX = 60.0
POLL_FAILURES = 5  # transient poll failures in a row before the run stops (the batch stays recorded)
# OpenAI's Batch API costs half the chat price; used where litellm's price map has no *_batches price.
BATCH_DISCOUNT = 0.5


class BatchWaiting(HarnessError):
    """The batch is not finished within ``--judge-batch-wait``: the run ends ``waiting``."""

    run_status = "waiting"


def batch_cost(candidates: list[str], prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD at the batch price of the first candidate litellm prices: its ``*_cost_per_token_batches``
    where the price map has them, else :data:`BATCH_DISCOUNT` of its chat price; ``None`` unknown."""
    prices = import_litellm().model_cost
    for model in candidates:
        entry = prices.get(model) if model else None
        if (
            isinstance(entry, dict)
            and entry.get("input_cost_per_token_batches") is not None
            and entry.get("output_cost_per_token_batches") is not None
        ):
            return prompt_tokens * float(entry["input_cost_per_token_batches"]) + completion_tokens * float(
                entry["output_cost_per_token_batches"]
            )
        full = token_cost([model], prompt_tokens, completion_tokens) if model else None
        if full is not None:
            return full * BATCH_DISCOUNT
    return None


class _Answered:
    """The judge's client with the batch's replies in front: a first request the batch answered is
    returned from it; everything else (repair turns, unanswered requests) goes to the client."""

    def __init__(self, client: ChatClient, answers: dict[str, ChatResponse]) -> None:
        self._client = client
        self.answers = answers

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        params: dict[str, Any],
        key_extra: dict[str, Any] | None = None,
    ) -> ChatResponse:
        answer = self.answers.get(self._client.key_for(messages, params, key_extra or {}))
        if answer is not None:
            return answer
        return await self._client.complete(messages, params=params, key_extra=key_extra)


def _batch_client(judge: Any) -> ChatClient:
    """The LLM judge's client; the batch is built from an LLM judge's own template and parameters."""
    if not isinstance(judge, LLMJudge):
        raise UsageError(
            f"judge {judge.name!r} cannot send a batch (--judge-batch needs an LLM judge such as gpt35)",
            hint="drop --judge-batch",
        )
    client = judge.client
    if client.direct is None:
        raise UsageError(
            f"--judge-batch needs an OpenAI-compatible endpoint; {client.settings.model!r} goes "
            f"through litellm's {client.provider!r} route, which has no batch route here",
            hint="give --judge-api-base of an OpenAI-compatible server, or drop --judge-batch",
        )
    return client


def _requests(judge: Any, items: Sequence[JudgeItem]) -> dict[str, dict[str, Any]]:
    """custom_id (the cache key) -> request body, for the items the cache does not answer."""
    client = judge.client
    pending: dict[str, dict[str, Any]] = {}
    for item in items:
        key = _key(judge, item)
        if key not in pending and not client.is_cached(key):
            pending[key] = {
                "model": client.direct.model,
                "messages": judge.template.messages(item),
                **judge.params,
            }
    return pending


def _key(judge: Any, item: JudgeItem) -> str:
    """The item's first request's cache key: its ``custom_id`` in the batch."""
    return judge.client.key_for(judge.template.messages(item), judge.params, judge._key_extra(item))


def _check_budget(judge: Any, items: Sequence[JudgeItem], log: Callable[[str], None]) -> None:
    max_cost = judge.settings.max_cost
    estimate = judge.estimate_cost(items)
    if estimate is None:
        return
    estimate *= BATCH_DISCOUNT
    log(f"judging: estimated batch cost ${estimate:.4f} (OpenAI's batch price: half the chat price)")
    if max_cost is not None and estimate > max_cost:
        raise UsageError(
            f"the batch's estimated cost ${estimate:.4f} is over --max-cost ${max_cost:.2f}; a batch "
            "cannot be stopped once sent",
            hint="raise --max-cost, judge fewer samples, or drop "
            "--judge-batch (ordinary requests stop at the limit)",
        )


def _record_of(
    batch: dict[str, Any], input_file_id: str, n_requests: int, client: ChatClient
) -> dict[str, Any]:

    counts = batch.get("request_counts")
    counts = counts if isinstance(counts, dict) else {}
    return {
        "id": checked_id(batch.get("id"), "batch id"),
        "input_file_id": input_file_id,
        "requests": n_requests,
        "created_at": int(time.time()),
        "status": client.scrub(str(batch.get("status")))[:40],
        "completed": _count(counts.get("completed")),
        "failed": _count(counts.get("failed")),
        "api_base": redact_url(client.settings.api_base),
    }


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _input_file(pending: dict[str, dict[str, Any]]) -> bytes:
    """The JSONL input file, within OpenAI's limits on one batch (else exit 2, nothing sent)."""
    content = request_lines(list(pending.items()))
    if len(pending) > batch_api.MAX_REQUESTS or len(content) > batch_api.MAX_INPUT_BYTES:
        raise UsageError(
            f"{len(pending)} judge requests ({len(content)} bytes) are over one batch's limits "
            f"({batch_api.MAX_REQUESTS} requests, {batch_api.MAX_INPUT_BYTES} bytes)",
            hint="judge in parts (--limit, --categories), or drop --judge-batch",
        )
    return content


async def _create(http: BatchHttp, client: ChatClient, content: bytes, n_requests: int) -> dict[str, Any]:
    file_id = await http.upload(content)
    batch = await http.create(file_id)
    return _record_of(batch, file_id, n_requests, client)


class _Poller:
    """Polls one batch to a final state, backing off, logging changes, saving counts to ``store``."""

    def __init__(
        self,
        http: BatchHttp,
        client: ChatClient,
        record: dict[str, Any],
        store: Any,
        log: Callable[[str], None],
        wait: float | None,
    ) -> None:
        self.http, self.client, self.record, self.store, self.log = http, client, record, store, log
        self.deadline = None if wait is None else time.monotonic() + wait
        self.wait = wait
        self.seen: tuple[Any, ...] = ("validating", 0, 0, 0)
        self.failures = 0

    def _note(self, batch: dict[str, Any]) -> None:
        counts = batch.get("request_counts")
        counts = counts if isinstance(counts, dict) else {}
        status = self.client.scrub(str(batch.get("status")))[:40]
        now = (
            status,
            _count(counts.get("completed")),
            _count(counts.get("failed")),
            _count(counts.get("total")),
        )
        if now != self.seen:
            self.seen = now
            self.record.update(status=status, completed=now[1], failed=now[2])
            self.store.save(self.record)

            self.log(
                f"judging: batch {self.record['id']} {inert(status)}: {now[1]}/{now[3] or self.record['requests']}"
                f" done, {now[2]} failed"
            )

    async def _retrieve(self) -> dict[str, Any] | None:
        """The batch now, or ``None`` after a transient failure (a 5xx, a 429, a dropped connection):
        a wait of hours must not end at one failed poll; :data:`POLL_FAILURES` in a row do."""
        try:
            batch = await self.http.retrieve(self.record["id"])
        except Exception as exc:
            self.failures += 1
            if not is_retryable(exc) or self.failures >= POLL_FAILURES:
                raise
            return None
        self.failures = 0
        return batch

    async def final(self) -> dict[str, Any]:
        interval = POLL_FIRST
        while True:
            batch = await self._retrieve()
            if batch is not None:
                self._note(batch)
                if batch.get("status") in TERMINAL:
                    return batch
            if self.deadline is not None and time.monotonic() + interval > self.deadline:
                raise BatchWaiting(
                    f"judging: batch {self.record['id']} is still {self.seen[0]} ({self.seen[1]}/"
                    f"{self.record['requests']} done) after waiting {self.wait:g} s; it is recorded in run.json",
                    hint="run the same command again later to poll it (nothing is sent twice)",
                )
            await asyncio.sleep(interval)
            interval = min(interval * 2, POLL_MAX)


def _failure(batch: dict[str, Any], client: ChatClient) -> str:
    errors = batch.get("errors")
    errors = errors if isinstance(errors, dict) else {}
    data = errors.get("data")
    data = data if isinstance(data, list) else []
    first = data[0] if data and isinstance(data[0], dict) else {}
    reason = first.get("message") or first.get("code") or "no reason given"
    return client.scrub(str(reason))[:300]


def _reply(line: dict[str, Any], client: ChatClient) -> ChatResponse | None:
    """The judge's reply in one results line (None: the request got no answer), through the
    client's door: scrubbed, capped, priced at the batch price of the model that answered, cached."""
    response = line.get("response")
    response = response if isinstance(response, dict) else {}
    body = response.get("body")
    if response.get("status_code") != 200 or not isinstance(body, dict):
        return None
    try:
        raw = parse_completion(json.dumps(body).encode("utf-8"))
    except MalformedReply:
        return None
    reply = client._scrubbed(raw)
    cost = None
    if reply.prompt_tokens is not None and reply.completion_tokens is not None and not reply.usage_problem:
        candidates = (
            [reply.model, f"{client.provider}/{reply.model}"]
            if reply.model
            else [client.settings.model, client.model_id]
        )
        cost = batch_cost(candidates, reply.prompt_tokens, reply.completion_tokens)
    key = line.get("custom_id")
    return client._record(key if client.cache is not None else None, reply, cost, 1)


async def _results(
    http: BatchHttp, client: ChatClient, batch: dict[str, Any], pending: dict[str, dict[str, Any]]
) -> dict[str, ChatResponse]:
    """custom_id -> reply for every answered request of ours in the results file."""
    file_id = batch.get("output_file_id")
    if not file_id:
        return {}
    content = await http.content(file_id, results_cap(len(pending), client.settings.max_reply_bytes))
    answers: dict[str, ChatResponse] = {}
    for text in content.decode("utf-8", errors="replace").splitlines():
        line = _json_line(text)
        key = line.get("custom_id") if isinstance(line, dict) else None
        if isinstance(key, str) and key in pending and key not in answers:  # ours, and once
            reply = _reply(line, client)
            if reply is not None:
                answers[key] = reply
    return answers


def _json_line(text: str) -> Any:
    """One results line, or ``None`` when it is not JSON: its request counts as unanswered (and is
    sent again as an ordinary request), never as a reply."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def _session(client: ChatClient, work: Callable[[BatchHttp], Any]) -> Any:
    """Run ``work(http)`` in one event loop, closing the connections it opened."""

    direct = client.direct
    assert direct is not None  # every client here came through _batch_client, which refuses one without

    async def main() -> Any:
        try:
            return await work(BatchHttp(direct, timeout=client.settings.timeout))
        finally:
            await client.aclose()

    return run_sync(main)


def _wrap_failure(client: ChatClient, exc: Exception, what: str) -> HarnessError:
    if isinstance(exc, HarnessError):
        return exc
    reason = client.scrub(f"{type(exc).__name__}: {exc}")[:300]
    return HarnessError(f"judging: {what}: {reason}", hint="run the same command again to resume")


def judge_batched(
    judge: Any,
    items: Sequence[JudgeItem],
    *,
    on_result: Callable[[Judgment], None],
    store: Any,
    log: Callable[[str], None],
    wait: float | None = None,
) -> None:
    """Judge ``items`` through one batch (see the module docstring); ``store`` keeps its record."""
    client = _batch_client(judge)
    pending = _requests(judge, items)
    record = store.load()
    if record is None and pending:
        _check_budget(judge, items, log)
        content = _input_file(pending)
        try:
            record = _session(client, lambda http: _create(http, client, content, len(pending)))
        except Exception as exc:
            raise _wrap_failure(client, exc, "the batch could not be created") from None
        store.save(record)
        log(f"judging: batch {record['id']} created ({len(pending)} requests); recorded in run.json")
    elif record is not None:
        _check_same_endpoint(client, record)
        log(f"judging: polling batch {record['id']} recorded in run.json (nothing is sent again)")
    answers = _collect(client, record, pending, store, log, wait) if record is not None else {}
    _judge_with(judge, items, answers, record, on_result)
    if record is not None:
        store.clear()
        if isinstance(judge.stats, dict):  # run.json's judge_stats say which batch answered
            judge.stats["batch"] = {
                "id": record["id"],
                "status": record.get("status"),
                "requests": len(pending),
                "answered": len(answers),
            }


def _check_same_endpoint(client: ChatClient, record: dict[str, Any]) -> None:
    """A recorded batch lives on the server it was sent to: polling another would not find it."""
    sent_to, now = record.get("api_base"), redact_url(client.settings.api_base)
    if sent_to != now:
        raise UsageError(
            f"batch {record['id']} (recorded in run.json) was sent to {sent_to or 'the default endpoint'}"
            f", not {now or 'the default endpoint'}",
            hint=f"give --judge-api-base {sent_to} to collect it"
            if sent_to
            else "drop --judge-api-base to collect it",
        )


def _collect(
    client: ChatClient,
    record: dict[str, Any],
    pending: dict[str, dict[str, Any]],
    store: Any,
    log: Callable[[str], None],
    wait: float | None,
) -> dict[str, ChatResponse]:
    async def work(http: BatchHttp) -> tuple[dict[str, Any], dict[str, ChatResponse]]:
        batch = await _Poller(http, client, record, store, log, wait).final()
        if batch.get("status") not in ("completed", "expired"):
            return batch, {}
        return batch, await _results(http, client, batch, pending)

    try:
        batch, answers = _session(client, work)
    except Exception as exc:
        raise _wrap_failure(client, exc, f"polling batch {record['id']} failed") from None
    status = batch.get("status")
    if status not in ("completed", "expired"):
        store.clear()
        raise HarnessError(
            f"judging: batch {record['id']} {client.scrub(str(status))[:40]}: {_failure(batch, client)}",
            hint="run the same command again to send a new batch",
        )
    missing = sum(key not in answers for key in pending)
    if missing:
        log(
            f"judging: {missing} of {len(pending)} requests of batch {record['id']} got no answer ({status}); "
            "sending them as ordinary chat requests (full price)"
        )
    return answers


def _judge_with(
    judge: Any,
    items: Sequence[JudgeItem],
    answers: dict[str, ChatResponse],
    record: dict[str, Any] | None,
    on_result: Callable[[Judgment], None],
) -> None:
    """The judge's own ``judge`` over every item, the batch's replies answering first requests;
    a judgment whose first reply came from the batch names it (``meta.batch_id``)."""
    client = judge.client
    key_of = {(item.sample.id, item.repeat): _key(judge, item) for item in items} if answers else {}

    def deliver(judgment: Judgment) -> None:
        if record is not None and key_of.get((judgment.id, judgment.repeat)) in answers:
            judgment.meta["batch_id"] = record["id"]
        on_result(judgment)

    judge.client = _Answered(client, answers)
    try:
        judge.judge(items, on_result=deliver)
    finally:
        judge.client = client
