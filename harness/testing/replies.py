"""Scripted replies for the test server: a list served in order, and rules picked by the prompt.

A judge's test wants different replies for different items (a good answer scored high, a bad one
low, one reply the parser must reject) without writing Python. :class:`Replies` is that script, and
:func:`load_replies` reads it from a file (``python -m harness.testing --replies FILE``):

* a ``.jsonl`` file: one JSON object a line, ``{"reply": "..."}`` or
  ``{"reply": "...", "match": "<regex>"}`` (any reply text, several lines included);
* any other file: one reply a line, with ``\\n`` (newline), ``\\t`` (tab) and ``\\\\`` (backslash)
  escapes. Blank lines are skipped (an empty reply needs the JSONL form).

A request is answered by the first rule whose ``match`` is found (``re.search``) in its last user
message; failing that, by the next reply without ``match``, in file order, starting over after the
last one (cycling, like a list given to the server in Python). A request that no rule matches when
there are no such replies is answered with an HTTP 400 naming the problem (:class:`NoReplyMatches`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_REPLIES_BYTES = 16 * 1024 * 1024
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


class RepliesFileError(ValueError):
    """A replies file that cannot be used; the message starts with ``file:line``."""


class NoReplyMatches(LookupError):
    """No rule matches a request and no reply is unconditional: the server answers 400."""


@dataclass(frozen=True)
class Rule:
    """One scripted reply, given when ``match`` (a compiled regex, or None: always) is found."""

    reply: str
    match: re.Pattern[str] | None = None


class Replies:
    """``Replies(["得分: 1", "得分: 0"], rules={"诗": "得分: 0.5"})``: a reply script for the server.

    Callable with the request body (what :class:`~harness.testing.ChatCompletionsServer` calls):
    the first rule whose regex is found in the last user message, else the next in-order reply
    (cycling), else :class:`NoReplyMatches`.
    """

    def __init__(self, replies: Iterable[str | Rule] = (), *, rules: dict[str, str] | None = None) -> None:
        items = [r if isinstance(r, Rule) else Rule(str(r)) for r in replies]
        items += [Rule(reply, re.compile(pattern)) for pattern, reply in (rules or {}).items()]
        self.rules = [r for r in items if r.match is not None]
        self.in_order = [r.reply for r in items if r.match is None]
        self._next = 0
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> str:
        prompt = last_user_message(body)
        for rule in self.rules:
            if rule.match is not None and rule.match.search(prompt):  # self.rules: all have one
                return rule.reply
        if not self.in_order:
            raise NoReplyMatches(
                f"no reply rule matches the last user message ({prompt[:80]!r}) "
                "and the script has no reply without a rule"
            )
        with self._lock:
            reply = self.in_order[self._next % len(self.in_order)]
            self._next += 1
        return reply


def last_user_message(body: dict[str, Any]) -> str:
    """The text of the last ``user`` message of a chat request ('' when there is none)."""
    messages = body.get("messages")
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text(message.get("content"))
    return ""


def _text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def load_replies(path: str | Path) -> Replies:
    """The reply script in ``path`` (format in the module docstring); :class:`RepliesFileError`
    naming the file and line for anything that cannot be used."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPLIES_BYTES + 1)
    except OSError as exc:
        raise RepliesFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_REPLIES_BYTES:
        raise RepliesFileError(f"{path}: larger than {MAX_REPLIES_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RepliesFileError(f"{path}:{line}: not UTF-8") from None
    read_line = _jsonl_rule if path.suffix.lower() == ".jsonl" else _text_rule
    rules = [read_line(line, f"{path}:{n}") for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not rules:
        raise RepliesFileError(f'{path}: no replies (one a line, or JSONL objects with a "reply")')
    return Replies(rules)


def _text_rule(line: str, where: str) -> Rule:
    return Rule(_unescape(line, where))


def _unescape(line: str, where: str) -> str:
    """``\\n``, ``\\t`` and ``\\\\`` in a plain-text reply; any other backslash escape is an error
    (a Windows path or a regex pasted in must not turn into something else silently)."""
    out: list[str] = []
    chars = iter(line)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        code = next(chars, "")
        if code not in _ESCAPES:
            raise RepliesFileError(f"{where}: unknown escape \\{code} (use \\n, \\t or \\\\)")
        out.append(_ESCAPES[code])
    return "".join(out)


def _jsonl_rule(line: str, where: str) -> Rule:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise RepliesFileError(f"{where}: not JSON ({exc})") from None
    if not isinstance(record, dict) or not isinstance(record.get("reply"), str):
        raise RepliesFileError(f'{where}: expected an object with a "reply" string')
    unknown = sorted(set(record) - {"reply", "match"})
    if unknown:
        raise RepliesFileError(f'{where}: unknown keys {unknown} (keys: "reply", "match")')
    return Rule(record["reply"], _pattern(record.get("match"), where))


def _pattern(value: Any, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RepliesFileError(f'{where}: "match" must be a regular expression string')
    try:
        return re.compile(value)
    except re.error as exc:
        raise RepliesFileError(f'{where}: "match" is not a valid regular expression ({exc})') from None
