"""
Database: one open, migrated SQLite file with sfsync's locking and transaction rules.

Durability: the database runs in WAL mode and every logical write is one transaction, so a
process killed mid-write leaves the previous consistent state. ``synchronous=NORMAL`` keeps
that guarantee for process crashes; after a power loss the last few commits may be missing,
which only makes the next run redo some work.

Threads: one connection, opened with ``check_same_thread=False`` and guarded by a re-entrant
lock, so the daemon's health server may read from its own thread.

Transactions: the connection runs with ``isolation_level=None`` and the store issues
``BEGIN IMMEDIATE``/``COMMIT`` itself (instead of ``with conn:``), so that writes nested in
``transaction()`` become savepoints and never commit early.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import structlog

from sfsync.errors import StateStoreError
from sfsync.state.files import create_private, private_directory, warn_if_readable_by_others
from sfsync.state.schema import migrate, schema_version

log = structlog.get_logger(__name__)

CHUNK = 2000
"""Rows per executemany/IN-list, so any input size runs in bounded memory."""

_BUSY_TIMEOUT_SECONDS = 30.0
_CACHE_KIB = 64 * 1024
# raw_decode skips json.loads' wrapper and whitespace scan: ~10% of a full-mirror iteration.
_decode = json.JSONDecoder().raw_decode


def loads(text: str) -> Any:
    """
    Decode JSON text the store wrote itself.
    """
    return _decode(text)[0]


def dumps(value: Any) -> str:
    """
    Encode *value* as compact JSON with sorted keys, so equal values give equal text.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """
    Yield lists of at most *size* items from *items*.
    """
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Database:
    """
    The connection, its lock and the transaction helpers every store table uses.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] = _utcnow,
        busy_timeout: float = _BUSY_TIMEOUT_SECONDS,
    ) -> None:
        """
        Open (creating it and its directory if needed) and migrate the store at *path*.

        Several stores (threads, processes) may open one file: readers never wait, a writer
        waits up to *busy_timeout* seconds for another writer's transaction.

        Args:
            clock: returns the current time (UTC) for started_at/written_at stamps.

        Raises:
            StateStoreError: the directory cannot be created, the file is not an SQLite
                database or not sfsync's, it was written by a newer sfsync, or it is locked.
                The message names the path and the fix.
        """
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        self._depth = 0
        existed = self.path.exists()
        try:
            private_directory(self.path.parent)
        except OSError as exc:
            raise StateStoreError(
                f"{self.path}: cannot create the state store's directory {self.path.parent} "
                f"({exc.strerror or exc}). Fix: set SFSYNC_STATE_PATH to a file in a writable "
                "directory."
            ) from exc
        if existed:
            warn_if_readable_by_others(self.path)
        else:
            # 0600 before SQLite opens it: SQLite gives its -wal and -shm files the mode of
            # the database file, so they are owner-only too.
            with contextlib.suppress(OSError):  # SQLite names the problem below
                create_private(self.path)
        try:
            conn = sqlite3.connect(
                str(self.path),
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._open_error(exc) from exc
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StateStoreError(
                    f"{self.path}: SQLite refused WAL mode (got {mode!r}); the file system may "
                    "not support it. Fix: set SFSYNC_STATE_PATH to a file on a local disk."
                )
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB:d}")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, source=str(self.path))
        except StateStoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise self._open_error(exc) from exc
        self._conn = conn

    def _open_error(self, exc: sqlite3.Error) -> StateStoreError:
        text = str(exc)
        if "not a database" in text:
            fix = (
                "it is not an SQLite database. Fix: set SFSYNC_STATE_PATH to a new file, or move "
                "this file away"
            )
        elif "locked" in text or "busy" in text:
            fix = (
                "it is locked by another process (another sfsync daemon?). Fix: stop that "
                "process, or give each daemon its own SFSYNC_STATE_PATH"
            )
        elif "readonly" in text or "read-only" in text:
            fix = "it is read-only. Fix: make the file and its directory writable"
        else:
            fix = (
                "Fix: check that the path is a file (not a directory) in a writable directory, "
                "or set SFSYNC_STATE_PATH elsewhere"
            )
        return StateStoreError(f"{self.path}: cannot open the state store ({text}); {fix}.")

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """
        Close the connection; further calls raise StateStoreError.
        """
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """
        The open file's schema version (always ``SCHEMA_VERSION`` once opened).
        """
        with self._reading("schema_version"):
            return schema_version(self._conn)

    def integrity_check(self) -> list[str]:
        """
        Run SQLite's integrity check; an empty list means the file is sound.

        Raises:
            StateStoreError: the check itself could not run.
        """
        with self._reading("integrity_check"):
            rows = [r[0] for r in self._conn.execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    # --- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """
        Group several writes into one atomic transaction.

        The outermost call commits on success and rolls back on any exception; calls nested
        inside it (including every write method) become savepoints and never commit early.

        Raises:
            StateStoreError: SQLite failed to begin, commit or roll back.
        """
        with self._lock:
            if self._depth == 0:
                self._execute_control("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield
                except BaseException:
                    self._rollback()
                    raise
                else:
                    try:
                        self._execute_control("COMMIT")
                    except StateStoreError:
                        self._rollback()
                        raise
                finally:
                    self._depth = 0
            else:
                name = f"sfsync_sp{self._depth}"
                self._execute_control(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield
                except BaseException:
                    if self._conn.in_transaction:
                        self._execute_control(f"ROLLBACK TO {name}")
                        self._execute_control(f"RELEASE {name}")
                    raise
                else:
                    self._execute_control(f"RELEASE {name}")
                finally:
                    self._depth -= 1

    def _execute_control(self, sql: str) -> None:
        try:
            self._conn.execute(sql)
        except sqlite3.Error as exc:
            raise StateStoreError(f"{self.path}: {sql} failed: {exc}") from exc

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.warning("sfsync.state.rollback_failed", path=str(self.path))

    @contextmanager
    def _writing(self, operation: str) -> Iterator[sqlite3.Connection]:
        try:
            with self.transaction():
                yield self._conn
        except sqlite3.Error as exc:
            raise StateStoreError(f"{self.path}: {operation} failed: {exc}") from exc

    @contextmanager
    def _reading(self, operation: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StateStoreError(f"{self.path}: {operation} failed: {exc}") from exc

    @contextmanager
    def _snapshot(self, operation: str) -> Iterator[sqlite3.Connection]:
        # Several SELECTs that must agree with each other read one snapshot.
        with self._reading(operation) as conn:
            if self._depth:
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="milliseconds")
