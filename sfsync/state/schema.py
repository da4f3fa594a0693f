"""
The state store's SQLite schema, as numbered migrations, and the code that applies them.

The database's ``PRAGMA user_version`` is the number of migrations applied. A fresh file is at
version 0; opening it applies every migration. A file whose version is higher than
``SCHEMA_VERSION`` was written by a newer sfsync and is refused, never downgraded.

Tables (version 1):

- ``record``: the mirror of Salesforce inputs, one row per (object, Id), with the record as
  JSON text (``data``) plus the indexed columns the store queries on: ``lead_id`` (the Lead an
  activity belongs to; NULL for Lead and User rows), ``is_deleted`` and ``system_modstamp``.
- ``watermark``: one SystemModstamp watermark per object.
- ``written``: what sfsync last wrote to each lead's output fields.
- ``run``: one row per sync/backfill/rescore pass.
- ``history``: append-only log of output-field changes (triggers refuse UPDATE and DELETE).
- ``reject``: per-record write failures to retry on the next run.
- ``checkpoint`` and ``meta``: small JSON blobs and strings for resumable work and settings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import structlog

from sfsync.errors import StateStoreError

log = structlog.get_logger(__name__)

Migration = tuple[str, ...]

_V1: Migration = (
    """
    CREATE TABLE record (
        object          TEXT NOT NULL,
        id              TEXT NOT NULL,
        lead_id         TEXT,
        is_deleted      INTEGER NOT NULL DEFAULT 0,
        system_modstamp TEXT,
        data            TEXT NOT NULL,
        UNIQUE (object, id)
    )
    """,
    # Partial: Lead and User rows (lead_id NULL) stay out of the activity index.
    """
    CREATE INDEX record_by_lead ON record (lead_id, object, id) WHERE lead_id IS NOT NULL
    """,
    """
    CREATE TABLE watermark (
        object     TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE written (
        lead_id    TEXT PRIMARY KEY,
        run_id     TEXT NOT NULL,
        written_at TEXT NOT NULL,
        fields     TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE run (
        seq                INTEGER PRIMARY KEY,
        run_id             TEXT NOT NULL UNIQUE,
        kind               TEXT NOT NULL,
        dry_run            INTEGER NOT NULL,
        definition_version TEXT NOT NULL,
        started_at         TEXT NOT NULL,
        finished_at        TEXT,
        outcome            TEXT,
        counts             TEXT NOT NULL DEFAULT '{}',
        api_calls          INTEGER NOT NULL DEFAULT 0,
        error              TEXT
    )
    """,
    """
    CREATE TABLE history (
        seq                INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id             TEXT NOT NULL,
        lead_id            TEXT NOT NULL,
        at                 TEXT NOT NULL,
        field              TEXT NOT NULL,
        old                TEXT NOT NULL,
        new                TEXT NOT NULL,
        reasons            TEXT NOT NULL,
        definition_version TEXT NOT NULL
    )
    """,
    "CREATE INDEX history_by_lead ON history (lead_id, at, seq)",
    "CREATE INDEX history_by_time ON history (at, seq)",
    """
    CREATE TRIGGER history_no_update BEFORE UPDATE ON history
    BEGIN SELECT RAISE(ABORT, 'history is append-only'); END
    """,
    """
    CREATE TRIGGER history_no_delete BEFORE DELETE ON history
    BEGIN SELECT RAISE(ABORT, 'history is append-only'); END
    """,
    """
    CREATE TABLE reject (
        lead_id    TEXT PRIMARY KEY,
        run_id     TEXT NOT NULL,
        error_code TEXT NOT NULL,
        message    TEXT NOT NULL,
        fields     TEXT NOT NULL,
        attempts   INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen  TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE checkpoint (
        name     TEXT PRIMARY KEY,
        data     TEXT NOT NULL,
        saved_at TEXT NOT NULL
    )
    """,
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

MIGRATIONS: tuple[Migration, ...] = (_V1,)
"""Migration *n* (0-based) takes a database from user_version *n* to *n + 1*."""

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """
    Return the database's ``PRAGMA user_version``.
    """
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(
    conn: sqlite3.Connection,
    *,
    source: str,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> tuple[int, int]:
    """
    Bring the database on *conn* (opened with ``isolation_level=None``) up to date.

    Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with its
    ``user_version`` bump, and the version is re-read inside that transaction, so two processes
    opening the same fresh file at once migrate it exactly once.

    Args:
        source: the database's path, for error messages.

    Returns:
        The versions before and after.

    Raises:
        StateStoreError: the file was written by a newer sfsync, or is some other program's
            database (version 0 with tables of its own).
        sqlite3.Error: the database is unreadable; the caller adds the path and the fix.
    """
    target = len(migrations)
    before = schema_version(conn)
    if before == target:
        # The common case takes no write lock, so opening a second store (a reader in
        # another thread or process) never waits for a writer's transaction.
        return before, before
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current > target:
                raise StateStoreError(
                    f"{source}: this state store has schema version {current}, written by a newer "
                    f"sfsync; this sfsync understands versions up to {target}. Fix: upgrade "
                    "sfsync, or set SFSYNC_STATE_PATH to a different file."
                )
            if current == target:
                conn.execute("COMMIT")
                break
            if current == 0:
                _refuse_foreign_tables(conn, source)
            for statement in migrations[current]:
                conn.execute(statement)
            # PRAGMA does not take parameters; current + 1 is an int we computed.
            conn.execute(f"PRAGMA user_version = {current + 1:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    after = schema_version(conn)
    if after != before:
        log.info("sfsync.state.migrated", from_version=before, to_version=after)
    return before, after


def _refuse_foreign_tables(conn: sqlite3.Connection, source: str) -> None:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    if names:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise StateStoreError(
            f"{source}: not an sfsync state store (schema version 0 but it already has tables: "
            f"{shown}). Fix: set SFSYNC_STATE_PATH to a new file; do not point it at another "
            "program's database (e.g. the sandbox org's)."
        )
