#!/usr/bin/env python3
"""commit-msg hook: refuse a commit whose subject line is 72 characters or more.

git hands the hook the message file before it cleans it up, so the subject is read as git will keep
it: comment lines (``core.commentChar``, ``#`` by default) and everything below the ``>8`` scissors
line of ``git commit -v`` are dropped, trailing whitespace is stripped, and the subject is the first
line that is left that is not blank. An empty message passes here (git refuses it itself).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LIMIT = 72  # a subject must be shorter than this
SCISSORS = "------------------------ >8 ------------------------"


def comment_char() -> str:
    """git's comment character (``#`` unless ``core.commentChar`` names another; ``auto``: ``#``)."""
    try:
        found = subprocess.run(
            ["git", "config", "--get", "core.commentChar"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "#"
    return found if found and found != "auto" else "#"


def subject(message: str, comment: str = "#") -> str:
    """The subject git will record for ``message``: its first non-blank, non-comment line."""
    for line in message.splitlines():
        if line.startswith(comment):
            if line[len(comment) :].strip() == SCISSORS:
                break
            continue
        if line.strip():
            return line.rstrip()
    return ""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: commit_subject.py COMMIT_MSG_FILE", file=sys.stderr)
        return 2
    text = Path(args[0]).read_text(encoding="utf-8", errors="replace")
    line = subject(text, comment_char())
    if len(line) >= LIMIT:
        print(
            f"commit-msg: the subject is {len(line)} characters; keep it under {LIMIT} "
            f"(say what changed in the subject, why in the body): {line[:LIMIT]!r}...",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
