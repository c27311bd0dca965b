"""``python -m harness.testing``: the test server from the command line.

Serves until killed and prints its base URL (``http://127.0.0.1:PORT/v1``) as the first line of
standard output, so a script can start it with ``--port 0`` and read where it listens. A bad
option or replies file exits 2 with one line naming it.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from harness.terminal import inert
from harness.testing.chat_server import FAULT_KINDS, OVERSIZED_BYTES, ChatCompletionsServer
from harness.testing.pair_rules import preference_reply
from harness.testing.replies import RepliesFileError, load_replies

EPILOG = (
    "faults: 429 (with Retry-After), 500, malformed (a 200 that is not JSON), drop (connection "
    "closed), hang (accepted, never answered), oversized (a 200 whose reply is --oversized-bytes "
    "long), echo_headers (a 200 whose reply quotes the request headers, Authorization included), "
    "exponent_score (a 200 scoring 得分: 1e308), nan_score (a 200 scoring 得分: NaN). "
    "Every request a fault: --fault-rate 1 --faults nan_score. "
    "--replies FILE: one reply a line (\\n, \\t, \\\\ escapes), or a .jsonl file of "
    '{"reply": "...", "match": "<regex>"} objects; the first rule whose regex is found in the last '
    "user message answers, else the next reply without one, in order, cycling."
)


def _usage_option(text: str) -> dict[str, Any]:
    """``--usage``: a JSON object (argparse reports anything else as an invalid value)."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _parser() -> Any:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m harness.testing",
        epilog=EPILOG,
        description="Serve an OpenAI-compatible chat-completions server on 127.0.0.1 until killed, printing "
        "its base URL: for trying a judge or plugin by hand, and for benchmarks "
        "(GET /_stats returns the counters).",
    )
    parser.add_argument("--reply", default=None, help="fixed reply text (default: a BELLE-style score)")
    parser.add_argument(
        "--replies",
        metavar="FILE",
        default=None,
        help="replies from a file, in order or picked by a rule on the prompt (see below)",
    )
    parser.add_argument(
        "--score",
        default=None,
        help="the score the default reply gives, written as given (e.g. 0.8e1, 1e-9, NaN)",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="probability of a fault per request")
    parser.add_argument("--faults", default="429,500", help="comma-separated: " + ",".join(FAULT_KINDS))
    parser.add_argument("--fail-first", type=int, default=0, help="the first N requests are faults")
    parser.add_argument(
        "--fail-after", type=int, default=None, help="every request after the first N is a fault"
    )
    parser.add_argument("--retry-after", type=float, default=0.05)
    parser.add_argument("--oversized-bytes", type=int, default=OVERSIZED_BYTES)
    parser.add_argument(
        "--keep-requests",
        type=int,
        default=0,
        help="request bodies kept for inspection (default 0: memory stays flat)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fingerprint", default=None, help="the system_fingerprint every reply sends")
    parser.add_argument(
        "--fingerprint-after",
        nargs=2,
        metavar=("N", "FP"),
        default=None,
        help="send FP as system_fingerprint from request N+1 on (the judge changed mid-run)",
    )
    parser.add_argument("--echo-model", action="store_true", help="answer as the model the request names")
    parser.add_argument(
        "--rpm", type=int, default=None, help="requests a minute (a token bucket; 429 when over)"
    )
    parser.add_argument(
        "--tpm",
        type=int,
        default=None,
        help="tokens a minute (prompt characters + max_tokens; 429 when over)",
    )
    parser.add_argument(
        "--bucket-fill",
        type=float,
        default=1.0,
        help="how full the rate-limit buckets start, 0 to 1 (default 1, as a fresh account)",
    )
    parser.add_argument("--model-name", default="gpt-3.5-turbo-0125")
    parser.add_argument("--finish-reason", default="stop")
    parser.add_argument(
        "--usage",
        type=_usage_option,
        default=None,
        help="JSON replacing the reported token counts, e.g. '{\"prompt_tokens\": -5}'",
    )
    parser.add_argument(
        "--error-message", default="Internal server error (injected)", help="the message of the injected 500"
    )
    parser.add_argument(
        "--batch-outcome",
        default="completed",
        choices=("completed", "expired", "failed"),
        help="how a batch (POST /v1/batches) ends: every request answered, half, or none",
    )
    parser.add_argument("--batch-polls", type=int, default=2, help="polls a batch stays in_progress")
    parser.add_argument(
        "--prefer",
        choices=("first", "longer"),
        default=None,
        help="a scripted pairwise judge: always [[A]] (first), or the longer answer (longer)",
    )
    return parser


def _fingerprint_after(text: list[str] | None) -> tuple[int, str] | None:
    """``--fingerprint-after N FP`` as ``(N, FP)``; N must be a whole number >= 0."""
    if text is None:
        return None
    if not text[0].isdigit():
        _fail(f"--fingerprint-after: N must be a whole number >= 0, not {text[0]!r}")
    return int(text[0]), text[1]


def _fail(message: str) -> NoReturn:
    """One line on stderr, control characters shown escaped, and exit 2."""
    print(f"error: {inert(message).replace(chr(10), chr(92) + 'n')}", file=sys.stderr)
    sys.exit(2)


def _server(args: Any) -> ChatCompletionsServer:
    reply: Any = args.reply
    if args.prefer is not None:
        reply = preference_reply(args.prefer)
    if args.replies is not None:
        try:
            reply = load_replies(args.replies)
        except RepliesFileError as exc:
            _fail(str(exc))
    faults = tuple(f for f in args.faults.split(",") if f)
    try:
        return ChatCompletionsServer(
            reply,
            latency=args.latency,
            fault_rate=args.fault_rate,
            faults=faults,
            fail_first=args.fail_first,
            fail_after=args.fail_after,
            retry_after=args.retry_after,
            seed=args.seed,
            model_name=args.model_name,
            oversized_bytes=args.oversized_bytes,
            keep_requests=args.keep_requests,
            score=args.score,
            finish_reason=args.finish_reason,
            usage=args.usage,
            error_message=args.error_message,
            port=args.port,
            batch_outcome=args.batch_outcome,
            batch_polls=args.batch_polls,
            rpm=args.rpm,
            tpm=args.tpm,
            bucket_fill=args.bucket_fill,
            fingerprint=args.fingerprint,
            fingerprint_after=_fingerprint_after(args.fingerprint_after),
            echo_model=args.echo_model,
        )
    except ValueError as exc:
        _fail(str(exc))


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until killed (Ctrl-C ends it quietly), the base URL printed first."""
    parser = _parser()
    args = parser.parse_args(argv)
    given = [
        f"--{name}" for name in ("reply", "replies", "score", "prefer") if getattr(args, name) is not None
    ]
    if len(given) > 1:
        parser.error(f"give one of --reply, --replies, --score and --prefer, not {' and '.join(given)}")
    if any(limit is not None and limit < 1 for limit in (args.rpm, args.tpm)):
        parser.error("--rpm and --tpm must be at least 1")
    server = _server(args)
    try:
        server.start()
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")
    try:
        print(server.base_url, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
