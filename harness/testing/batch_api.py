"""The Batch API of the test server: upload, create, poll (with status changes), results, errors.

WHY: ``--judge-batch`` waits on a server for minutes to hours; its behaviour that matters (the
batch recorded before it finishes, a killed run polling the same batch, an expired batch with some
requests unanswered, a failed batch) is tested offline against these routes, served by
:class:`~harness.testing.chat_server.ChatCompletionsServer` beside its chat completions.

As OpenAI's: ``POST /v1/files`` (multipart, ``purpose=batch``), ``POST /v1/batches``
(``input_file_id``, ``endpoint``, ``completion_window``), ``GET /v1/batches`` (a list),
``GET /v1/batches/{id}`` and ``GET /v1/files/{id}/content``. Each poll moves a batch one step:
``validating``, then ``in_progress`` for ``polls`` polls (its ``request_counts`` rising), then
``finalizing``, then ``outcome``: ``completed`` (every request answered), ``expired`` (the first
half answered, the rest in the error file as ``batch_expired``) or ``failed`` (``errors`` carries
``error_message``). Result bodies are the server's chat completions: its ``model_name`` and token
counts (``usage``). ``failing_polls`` makes the next N polls answer 500.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

OUTCOMES = ("completed", "expired", "failed")


class BatchApi:
    """The batch state of one test server; ``batches_created`` counts ``POST /v1/batches``."""

    def __init__(self, server: Any, *, outcome: str = "completed", polls: int = 2) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown batch outcome {outcome!r}; choose from {OUTCOMES}")
        self.server = server
        self.outcome = outcome
        self.polls = polls
        self.failing_polls = 0  # the next N polls answer 500 (a server's bad minute)
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._steps: dict[str, int] = {}
        self._lock = threading.RLock()  # _finish adds files while a poll holds it

    @property
    def batches_created(self) -> int:
        with self._lock:
            return len(self.batches)

    def add_routes(self, app: Any) -> None:
        app.router.add_post("/v1/files", self._upload)
        app.router.add_post("/v1/batches", self._create)
        app.router.add_get("/v1/batches", self._list)
        app.router.add_get("/v1/batches/{batch_id}", self._retrieve)
        app.router.add_get("/v1/files/{file_id}/content", self._content)

    def _new_file(self, content: bytes, purpose: str) -> dict[str, Any]:
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = content
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": f"{file_id}.jsonl",
            "purpose": purpose,
        }

    async def _upload(self, request: Any) -> Any:
        from aiohttp import web

        form = await request.post()
        upload = form.get("file")
        if form.get("purpose") != "batch" or upload is None or not hasattr(upload, "file"):
            return _error(400, "expected multipart fields purpose=batch and file")
        return web.json_response(self._new_file(upload.file.read(), "batch"))

    async def _create(self, request: Any) -> Any:
        from aiohttp import web

        try:
            body = json.loads(await request.read())
        except ValueError:
            return _error(400, "request body is not JSON")
        content = self.files.get(body.get("input_file_id"))
        if content is None:
            return _error(404, "no such input file")
        if body.get("endpoint") != "/v1/chat/completions" or body.get("completion_window") != "24h":
            return _error(400, "endpoint must be /v1/chat/completions and completion_window 24h")
        lines = [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]
        with self._lock:
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": body["endpoint"],
                "errors": None,
                "input_file_id": body["input_file_id"],
                "completion_window": "24h",
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": int(time.time()),
                "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
                "_lines": lines,
            }
            self._steps[batch_id] = 0
        return web.json_response(_public(self.batches[batch_id]))

    async def _list(self, request: Any) -> Any:
        from aiohttp import web

        with self._lock:
            data = [_public(b) for b in self.batches.values()]
        return web.json_response({"object": "list", "data": data[-1:], "has_more": len(data) > 1})

    async def _retrieve(self, request: Any) -> Any:
        from aiohttp import web

        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "no such batch")
        with self._lock:
            if self.failing_polls > 0:
                self.failing_polls -= 1
                return _error(500, "the batch service is unavailable (injected)")
            self._steps[batch["id"]] += 1
            self._advance(batch, self._steps[batch["id"]])
        return web.json_response(_public(batch))

    async def _content(self, request: Any) -> Any:
        from aiohttp import web

        content = self.files.get(request.match_info["file_id"])
        if content is None:
            return _error(404, "no such file")
        return web.Response(body=content, content_type="application/octet-stream")

    def _advance(self, batch: dict[str, Any], step: int) -> None:
        """One poll's step: validating -> in_progress (``polls`` times) -> finalizing -> outcome."""
        if batch["status"] in OUTCOMES:
            return
        total = batch["request_counts"]["total"]
        if step <= self.polls:
            batch["status"] = "in_progress"
            batch["request_counts"]["completed"] = total * (step - 1) // max(1, self.polls)
        elif step == self.polls + 1:
            batch["status"] = "finalizing"
        else:
            self._finish(batch)

    def _finish(self, batch: dict[str, Any]) -> None:
        lines = batch.pop("_lines")
        if self.outcome == "failed":
            batch.update(
                status="failed",
                errors={
                    "object": "list",
                    "data": [{"code": "batch_failed", "message": self.server.error_message, "line": None}],
                },
            )
            return
        answered = lines if self.outcome == "completed" else lines[: len(lines) // 2]
        rest = lines[len(answered) :]
        output = "".join(
            json.dumps(self._result(line, n), ensure_ascii=False) + "\n" for n, line in enumerate(answered)
        )
        errors = "".join(
            json.dumps(_expired(line, n), ensure_ascii=False) + "\n" for n, line in enumerate(rest)
        )
        batch["output_file_id"] = (
            self._new_file(output.encode("utf-8"), "batch_output")["id"] if answered else None
        )
        batch["error_file_id"] = (
            self._new_file(errors.encode("utf-8"), "batch_output")["id"] if rest else None
        )
        batch["request_counts"].update(completed=len(answered), failed=len(rest))
        batch["status"] = self.outcome

    def _result(self, line: dict[str, Any], n: int) -> dict[str, Any]:
        body = line.get("body") or {}
        completion = self.server._completion(self.server._next_reply(body), body)
        return {
            "id": f"batch_req_{n}",
            "custom_id": line.get("custom_id"),
            "error": None,
            "response": {"status_code": 200, "request_id": f"req_{n}", "body": completion},
        }


def _expired(line: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "id": f"batch_req_x{n}",
        "custom_id": line.get("custom_id"),
        "response": None,
        "error": {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        },
    }


def _public(batch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in batch.items() if not k.startswith("_")}


def _error(status: int, message: str) -> Any:
    from aiohttp import web

    return web.json_response({"error": {"message": message, "type": "invalid_request_error"}}, status=status)
