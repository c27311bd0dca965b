"""A persistent response cache in SQLite (WAL mode), shared by concurrent runs.

Re-running an evaluation must cost no API calls, and two runs at once (two terminals, or the
pipeline and ``harness judge``) must not corrupt or lock each other out: WAL lets readers and one
writer proceed together, ``busy_timeout`` makes a second writer wait instead of failing, and
``INSERT OR REPLACE`` of identical content makes a race between two writers harmless.

The key is a SHA-256 over a canonical JSON of everything that determines the reply (model, template
hash, rendered messages, decoding parameters, repeat index): callers build it with :func:`cache_key`.
Only successful replies are stored; failures are never cached, so they are retried next time.

A cache file that is not a database, or fails SQLite's ``quick_check``, is never fatal: it is
moved aside as ``<name>.corrupt-<timestamp>`` (with its ``-wal``/``-shm`` files), a warning says so
on stderr, and a fresh cache is started. A corruption found later, mid-run, turns the cache off
for the rest of the run with a warning (replies are then fetched, not read from it).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.terminal import inert

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    payload TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def _enable_wal(conn: sqlite3.Connection, *, patience: float = 30.0) -> None:
    """Switch to WAL, waiting out another process doing the same. Two processes opening a new cache
    file at once (two runs) make SQLite answer "database is locked" at once
    for the journal-mode switch: the busy timeout does not cover it, so retry with backoff."""
    deadline = time.monotonic() + patience
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def cache_key(**parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _warn(message: str) -> None:
    print(f"warning: {inert(message)}", file=sys.stderr, flush=True)


class ResponseCache:
    """``get(key) -> dict | None`` and ``put(key, namespace, payload)``; one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.disabled = False
        self.moved_to: Path | None = None
        try:
            self._connection(check=True)  # create the schema now, so errors surface before any request
        except sqlite3.OperationalError as exc:  # locked for 30 s, unreadable, a read-only folder
            self.close()
            raise UsageError(
                f"cannot use the response cache {self.path}: {exc}",
                hint="fix its permissions, or pass --no-cache",
            ) from None
        except sqlite3.DatabaseError as exc:  # not a database, or corrupt
            self.moved_to = self._move_aside(exc)
            self._connection()

    def _move_aside(self, exc: BaseException) -> Path:
        self.close()
        self._local = threading.local()
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        self.path.replace(target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(target.with_name(target.name + suffix))
        _warn(
            f"the response cache {self.path} is corrupt ({exc});\n"
            f"  moved aside to {target.name}, starting a fresh cache"
        )
        return target

    def _connection(self, *, check: bool = False) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._local.conn = conn
            conn.execute("PRAGMA busy_timeout=30000")
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(SCHEMA)
            if check:
                verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
                if verdict != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {verdict}")
        return conn

    def _broken(self, exc: sqlite3.DatabaseError) -> None:
        if not self.disabled:
            self.disabled = True
            _warn(
                f"the response cache {self.path} failed ({exc});\n"
                "  not using it for the rest of this run (the next run will check it)"
            )

    def get(self, key: str) -> dict[str, Any] | None:
        if self.disabled:
            return None
        try:
            row = self._connection().execute("SELECT payload FROM responses WHERE key = ?", (key,)).fetchone()
            return None if row is None else json.loads(row[0])
        except sqlite3.OperationalError:
            raise
        except (sqlite3.DatabaseError, ValueError) as exc:
            self._broken(sqlite3.DatabaseError(str(exc)))
            return None

    def put(self, key: str, namespace: str, payload: dict[str, Any]) -> None:
        if self.disabled:
            return
        try:
            self._connection().execute(
                "INSERT OR REPLACE INTO responses (key, namespace, payload, created) VALUES (?, ?, ?, ?)",
                (key, namespace, json.dumps(payload, ensure_ascii=False), time.time()),
            )
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            self._broken(exc)

    def __len__(self) -> int:
        return self._connection().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
