"""
The API-call log on its own: which calls count against the daily limit (DailyApiRequests),
what the log keeps, and what a reset (a new day) forgets.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest

from sfsync.sandbox.calllog import CallLog


@pytest.fixture(name="conn")
def _conn() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    yield conn
    conn.close()


def test_only_counted_calls_use_the_daily_limit(conn: sqlite3.Connection) -> None:
    """count() adds one API call and returns the total; a call recorded uncounted (an admin
    or SOAP request) is logged but adds nothing."""
    log = CallLog(conn, threading.RLock())
    assert log.api_calls == 0
    assert [log.count(), log.count()] == [1, 2]
    log.record("GET", "/services/data/v62.0/query", 200, 5, counted=True)
    log.record("GET", "/services/data/v62.0/limits", 200, 0, counted=True)
    log.record("POST", "/__sandbox/faults", 200, 0, counted=False)
    assert log.api_calls == 2


def test_the_count_survives_a_restart_from_the_counted_rows(conn: sqlite3.Connection) -> None:
    """A log opened on an existing store starts from the calls recorded as counted."""
    log = CallLog(conn, threading.RLock())
    for path in ("/services/data/v62.0/query", "/services/data/v62.0/sobjects/Lead"):
        log.count()
        log.record("GET", path, 200, 1, counted=True)
    log.record("POST", "/services/Soap/m/62.0", 500, 0, counted=False)
    assert CallLog(conn, threading.RLock()).api_calls == 2


def test_recent_lists_the_latest_calls_oldest_first(conn: sqlite3.Connection) -> None:
    """recent(n) is the last n calls in the order they came, `counted` as a boolean."""
    log = CallLog(conn, threading.RLock())
    for n in range(5):
        log.record("GET", f"/p{n}", 200, n, counted=n % 2 == 0)
    latest = log.recent(limit=3)
    assert [(c["path"], c["records"], c["counted"]) for c in latest] == [
        ("/p2", 2, True),
        ("/p3", 3, False),
        ("/p4", 4, True),
    ]
    assert set(latest[0]) == {"ts", "method", "path", "status", "records", "counted"}
    assert latest[0]["ts"].endswith("+00:00")  # UTC, milliseconds
    assert len(log.recent()) == 5


def test_writes_are_logged_per_record_and_reset_forgets_everything(
    conn: sqlite3.Connection,
) -> None:
    """Each successful record write is one row (object, operation, id); an empty save logs
    nothing; reset() clears calls, writes and the count, also for a log opened later."""
    log = CallLog(conn, threading.RLock())
    log.record_writes([("Lead", "insert", "00Q5g00000AAAAAAAA"), ("Task", "update", "00T1")])
    log.record_writes([])
    assert [(w["object"], w["operation"], w["id"]) for w in log.writes()] == [
        ("Lead", "insert", "00Q5g00000AAAAAAAA"),
        ("Task", "update", "00T1"),
    ]
    log.count()
    log.record("GET", "/services/data/v62.0/query", 200, 0, counted=True)
    log.reset()
    assert (log.api_calls, log.recent(), log.writes()) == (0, [], [])
    assert CallLog(conn, threading.RLock()).api_calls == 0
