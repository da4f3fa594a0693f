"""
The API-call log: one row per request in the org's SQLite file, and the counter that
DailyApiRequests and `Sforce-Limit-Info` are computed from.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

_DDL = """
CREATE TABLE IF NOT EXISTS _sandbox_calls (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ts TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  records INTEGER NOT NULL DEFAULT 0,
  counted INTEGER NOT NULL
)
"""
# One row per record a request wrote successfully (REST, Collections or a Bulk 2.0 ingest
# job), so tests can prove that no record was written twice.
_WRITES_DDL = """
CREATE TABLE IF NOT EXISTS _sandbox_writes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ts TEXT NOT NULL,
  object TEXT NOT NULL,
  operation TEXT NOT NULL,
  record_id TEXT NOT NULL
)
"""


class CallLog:
    """Records calls and counts the ones that consume the daily API limit."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock
        with lock:
            conn.execute(_DDL)
            conn.execute(_WRITES_DDL)
            row = conn.execute("SELECT count(*) FROM _sandbox_calls WHERE counted = 1").fetchone()
        self.api_calls: int = int(row[0])

    def count(self) -> int:
        """Count one API call now (before it is answered) and return the new total."""
        with self._lock:
            self.api_calls += 1
            return self.api_calls

    def record(self, method: str, path: str, status: int, records: int, *, counted: bool) -> None:
        """Write one call to the log."""
        ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._lock:
            self._conn.execute(
                "INSERT INTO _sandbox_calls (ts, method, path, status, records, counted)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (ts, method, path, status, records, int(counted)),
            )

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest calls, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT ts, method, path, status, records, counted FROM _sandbox_calls"
                " ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        keys = ("ts", "method", "path", "status", "records", "counted")
        return [
            {k: (bool(v) if k == "counted" else v) for k, v in zip(keys, row, strict=True)}
            for row in reversed(rows)
        ]

    def record_writes(self, rows: list[tuple[str, str, str]]) -> None:
        """Log `(object, operation, record Id)` for each record one save wrote successfully."""
        if not rows:
            return
        ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._lock:
            self._conn.executemany(
                "INSERT INTO _sandbox_writes (ts, object, operation, record_id)"
                " VALUES (?, ?, ?, ?)",
                [(ts, *row) for row in rows],
            )

    def writes(self) -> list[dict[str, Any]]:
        """Every successfully written record since the last reset, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT ts, object, operation, record_id FROM _sandbox_writes ORDER BY seq"
            ).fetchall()
        keys = ("ts", "object", "operation", "id")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def reset(self) -> None:
        """Forget every call and logged write (a new day)."""
        with self._lock:
            self._conn.execute("DELETE FROM _sandbox_calls")
            self._conn.execute("DELETE FROM _sandbox_writes")
            self.api_calls = 0
