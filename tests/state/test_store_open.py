from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from sfsync.errors import StateStoreError
from sfsync.state import SCHEMA_VERSION, StateStore
from sfsync.state.schema import MIGRATIONS, migrate, schema_version
from tests.state.factories import lead_id, make_lead


def _make_sqlite_file(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.execute("VACUUM")  # make sure the header is on disk even with no tables
    finally:
        conn.close()
    path.chmod(0o600)  # as sfsync creates it (a readable one is warned about)


def _tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1")
        return [r[0] for r in rows]
    finally:
        conn.close()


def test_open_creates_directory_wal_file_at_current_version(tmp_path: Path) -> None:
    """Opening a path in a missing directory creates it and a WAL database at SCHEMA_VERSION."""
    path = tmp_path / "var" / "deep" / "sfsync.sqlite3"

    with StateStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert schema_version(conn) == SCHEMA_VERSION
    finally:
        conn.close()


def test_open_migrates_a_version_0_file(tmp_path: Path) -> None:
    """An existing empty SQLite file at user_version 0 is migrated and usable."""
    path = tmp_path / "old.sqlite3"
    _make_sqlite_file(path, "PRAGMA user_version = 0")

    with capture_logs() as logs, StateStore(path) as store:
        store.upsert_records("Lead", [make_lead(1)], lead_field=None)
        assert store.lead_ids() == [lead_id(1)]

    assert logs == [
        {"event": "sfsync.state.migrated", "from_version": 0, "to_version": 1, "log_level": "info"}
    ]
    assert "record" in _tables(path)


def test_open_accepts_a_zero_byte_file(tmp_path: Path) -> None:
    """A zero-byte file (e.g. made by touch) is treated as a new store."""
    path = tmp_path / "empty.sqlite3"
    path.touch()

    with StateStore(path) as store:
        assert store.count("Lead") == 0


def test_reopen_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    """Reopening a current store keeps its data and logs no migration."""
    path = tmp_path / "s.sqlite3"
    with StateStore(path) as store:
        store.set_watermark("Lead", "w1")

    with capture_logs() as logs, StateStore(path) as store:
        assert store.get_watermark("Lead") == "w1"

    assert [e for e in logs if e["event"] == "sfsync.state.migrated"] == []


def test_open_refuses_a_newer_schema_version(tmp_path: Path) -> None:
    """A file from a newer sfsync is refused with the versions, the path and the fix."""
    path = tmp_path / "new.sqlite3"
    _make_sqlite_file(path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with pytest.raises(StateStoreError) as info:
        StateStore(path)

    message = str(info.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "newer sfsync" in message
    assert "upgrade sfsync" in message
    assert _tables(path) == []


def test_open_refuses_another_programs_database(tmp_path: Path) -> None:
    """A version-0 file with foreign tables (e.g. the sandbox org's) is refused and untouched."""
    path = tmp_path / "sandbox.sqlite3"
    _make_sqlite_file(path, "CREATE TABLE Lead (Id TEXT)")

    with pytest.raises(StateStoreError, match=r"not an sfsync state store .*tables: Lead"):
        StateStore(path)

    assert _tables(path) == ["Lead"]


def test_open_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    """A file that is not an SQLite database gives the path and the fix, not a traceback."""
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, just some notes that happen to be long enough\n" * 20)

    with pytest.raises(StateStoreError) as info:
        StateStore(path)

    message = str(info.value)
    assert str(path) in message
    assert "not an SQLite database" in message
    assert "SFSYNC_STATE_PATH" in message


def test_open_reports_an_unusable_directory(tmp_path: Path) -> None:
    """A path whose parent is a regular file names the path and says how to fix it."""
    blocker = tmp_path / "var"
    blocker.write_text("a file where the directory should be")
    path = blocker / "sfsync.sqlite3"

    with pytest.raises(StateStoreError) as info:
        StateStore(path)

    message = str(info.value)
    assert str(path) in message
    assert "cannot create the state store's directory" in message
    assert "SFSYNC_STATE_PATH" in message


def test_open_reports_a_path_that_is_a_directory(tmp_path: Path) -> None:
    """A path that is a directory cannot be opened, and the message says what to check."""
    with pytest.raises(StateStoreError, match=r"cannot open the state store.*not a directory"):
        StateStore(tmp_path)


def test_migrate_applies_later_migrations_in_order_and_keeps_data(tmp_path: Path) -> None:
    """A version-1 file gains a version-2 migration's changes and keeps its rows."""
    path = tmp_path / "s.sqlite3"
    with StateStore(path) as store:
        store.set_meta("k", "v")
    v2 = ("ALTER TABLE meta ADD COLUMN note TEXT", "UPDATE meta SET note = 'migrated'")

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, source=str(path), migrations=(*MIGRATIONS, v2)) == (1, 2)
        assert conn.execute("SELECT key, value, note FROM meta").fetchall() == [
            ("k", "v", "migrated")
        ]
        assert schema_version(conn) == 2
    finally:
        conn.close()


def test_failed_migration_rolls_back_to_previous_version(tmp_path: Path) -> None:
    """A migration that fails half-way leaves the file at its previous version and shape."""
    path = tmp_path / "s.sqlite3"
    StateStore(path).close()
    broken = ("CREATE TABLE extra (x)", "INSERT INTO no_such_table VALUES (1)")

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            migrate(conn, source=str(path), migrations=(*MIGRATIONS, broken))
        assert schema_version(conn) == 1
        assert not conn.in_transaction
    finally:
        conn.close()
    assert "extra" not in _tables(path)


def test_two_stores_on_one_file_see_each_others_commits(tmp_path: Path) -> None:
    """Two processes' stores (here two connections) share the file through WAL."""
    path = tmp_path / "s.sqlite3"
    with StateStore(path) as writer, StateStore(path) as reader:
        writer.upsert_records("Lead", [make_lead(1)], lead_field=None)

        assert reader.lead_ids() == [lead_id(1)]


def test_integrity_check_is_empty_for_a_sound_file(tmp_path: Path) -> None:
    """integrity_check reports no problems on a freshly written store."""
    with StateStore(tmp_path / "s.sqlite3") as store:
        store.upsert_records("Lead", [make_lead(n) for n in range(10)], lead_field=None)

        assert store.integrity_check() == []


def test_second_store_opens_and_reads_while_first_is_writing(tmp_path: Path) -> None:
    """A reader (e.g. the health server's own store) opens and reads during a long write."""
    path = tmp_path / "s.sqlite3"
    with StateStore(path) as writer:
        writer.set_watermark("Lead", "committed")
        with writer.transaction():
            writer.set_watermark("Lead", "uncommitted")
            with StateStore(path, busy_timeout=0.1) as reader:
                assert reader.get_watermark("Lead") == "committed"
                with pytest.raises(StateStoreError, match="locked"):
                    reader.set_meta("k", "v")
