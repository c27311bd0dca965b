"""A persistent response cache in SQLite (WAL mode), shared by concurrent runs.

Re-running an evaluation must cost no API calls, and two runs at once (two terminals, or the
pipeline and ``harness judge``) must not corrupt or lock each other out: WAL lets readers and one
writer proceed together, ``busy_timeout`` makes a second writer wait instead of failing, and
``INSERT OR REPLACE`` of identical content makes a race between two writers harmless.

The key is a SHA-256 over a canonical JSON of everything that determines the reply (model, template
hash, rendered messages, decoding parameters, repeat index): callers build it with :func:`cache_key`.
Only successful replies are stored; failures are never cached, so they are retried next time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    payload TEXT NOT NULL,
    created REAL NOT NULL
)
"""


# Connections a forked child inherited: kept referenced so they are never closed (see after_fork).
_INHERITED_CONNECTIONS: list[sqlite3.Connection] = []


def _enable_wal(conn: sqlite3.Connection, *, patience: float = 30.0) -> None:
    """Switch to WAL, waiting out another process doing the same. Two processes opening a new cache
    file at once (two runs, or worker processes) make SQLite answer "database is locked" at once
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


class ResponseCache:
    """``get(key) -> dict | None`` and ``put(key, namespace, payload)``; one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection()  # create the schema now, so errors surface before any request

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=30000")
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(SCHEMA)
            self._local.conn = conn
        return conn

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._connection().execute("SELECT payload FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, namespace: str, payload: dict[str, Any]) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO responses (key, namespace, payload, created) VALUES (?, ?, ?, ?)",
            (key, namespace, json.dumps(payload, ensure_ascii=False), time.time()),
        )

    def __len__(self) -> int:
        return self._connection().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def after_fork(self) -> None:
        """Forget the connections inherited from the parent process (call first thing in a forked child).

        SQLite forbids using a connection across ``fork``: the child would share the parent's file
        locks and page cache state. Closing it is unsafe too (a close may checkpoint or unlink the
        WAL under the parent's feet), so the inherited object is only parked, never touched again;
        the child opens its own connection on first use.
        """
        inherited = getattr(self._local, "conn", None)
        if inherited is not None:
            _INHERITED_CONNECTIONS.append(inherited)
        self._local = threading.local()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
