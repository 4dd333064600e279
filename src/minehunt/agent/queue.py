"""The agent's offline queue: reports wait on disk (SQLite) until the server confirms them.

A report is queued together with the finding states it announces, in one transaction, so
a crash either loses the scan (the next scan finds the same again) or keeps both. The
queue is bounded: past ``max_reports`` the oldest report is dropped and counted."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger("minehunt.agent")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS known (fingerprint TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Outbox:
    def __init__(self, path: Path, max_reports: int = 10_000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_reports = max_reports
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def known(self) -> dict[str, str]:
        """Fingerprint -> state of every finding already queued or sent."""
        return dict(self._db.execute("SELECT fingerprint, state FROM known").fetchall())

    def put(
        self, report: Mapping[str, Any], hostname: str, seen: Mapping[str, str] | None = None
    ) -> str:
        """Queue one report under a fresh idempotency key; with ``seen``, replace the known
        finding states in the same transaction. Returns the key."""
        key = uuid.uuid4().hex
        body = json.dumps(
            {"idempotency_key": key, "hostname": hostname, "report": report},
            separators=(",", ":"),
        )
        with self._tx():
            self._db.execute("INSERT INTO outbox (key, body) VALUES (?, ?)", (key, body))
            if seen is not None:
                self._db.execute("DELETE FROM known")
                self._db.executemany(
                    "INSERT INTO known (fingerprint, state) VALUES (?, ?)", seen.items()
                )
            over = len(self) - self.max_reports
            if over > 0:
                self._db.execute(
                    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)",
                    (over,),
                )
                self._bump("dropped", over)
                log.warning(
                    "offline queue full (%d reports): dropped the %d oldest (%d dropped so far)",
                    self.max_reports,
                    over,
                    self.dropped,
                )
        return key

    def remember(self, seen: Mapping[str, str]) -> None:
        with self._tx():
            self._db.execute("DELETE FROM known")
            self._db.executemany(
                "INSERT INTO known (fingerprint, state) VALUES (?, ?)", seen.items()
            )

    def peek(self, n: int = 50) -> list[tuple[int, str, str]]:
        """The oldest ``n`` reports: (seq, key, body)."""
        rows: Iterable[tuple[int, str, str]] = self._db.execute(
            "SELECT seq, key, body FROM outbox ORDER BY seq LIMIT ?", (n,)
        ).fetchall()
        return list(rows)

    def done(self, seq: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    def reject(self, seq: int) -> None:
        """The server refused this report for good (malformed, too large): drop and count."""
        with self._tx():
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            self._bump("rejected", 1)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    @property
    def dropped(self) -> int:
        return self._counter("dropped")

    @property
    def rejected(self) -> int:
        return self._counter("rejected")

    def _counter(self, name: str) -> int:
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def _bump(self, name: str, n: int) -> None:
        self._db.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (name, n),
        )

    def _tx(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
