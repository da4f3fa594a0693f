"""
StateStore: sfsync's local SQLite state (DESIGN §2), the only user of sqlite3.

It holds the mirror of the Salesforce inputs (``MirrorStore``), checkpoints and what sfsync
knows about the org (``MetaStore``), the watermarks, what sfsync last wrote to each lead, runs,
the append-only score history and rejected writes. Opening, locking and transactions are
``Database``'s.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sfsync.errors import StateStoreError
from sfsync.state.database import CHUNK, chunks, dumps, loads
from sfsync.state.meta import MetaStore
from sfsync.state.models import OUTCOMES, HistoryEntry, Reject, RunRecord


class StateStore(MetaStore):
    """
    sfsync's local state in one SQLite file: open it with ``StateStore(path)``.
    """

    # --- watermarks -----------------------------------------------------------------------

    def get_watermark(self, object_name: str) -> str | None:
        """
        Return the stored SystemModstamp watermark for *object_name*, or None.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("get_watermark") as conn:
            row = conn.execute(
                "SELECT value FROM watermark WHERE object = ?", (object_name,)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_watermark(self, object_name: str, value: str) -> None:
        """
        Store *value* as the watermark for *object_name* (the caller decides when it may move).

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._writing("set_watermark") as conn:
            conn.execute(
                "INSERT INTO watermark (object, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (object) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (object_name, value, self._now()),
            )

    def watermarks(self) -> dict[str, str]:
        """
        Return every stored watermark by object name.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("watermarks") as conn:
            return {
                r[0]: r[1] for r in conn.execute("SELECT object, value FROM watermark ORDER BY 1")
            }

    # --- last written outputs -------------------------------------------------------------

    def get_written(self, lead_id: str) -> dict[str, Any] | None:
        """
        Return the output-field values sfsync last wrote to *lead_id*, or None if never.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self.get_written_many([lead_id]).get(lead_id)

    def get_written_many(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """
        Return last-written output values for those of *ids* that have any.

        Raises:
            StateStoreError: SQLite failed.
        """
        found: dict[str, dict[str, Any]] = {}
        with self._reading("get_written_many") as conn:
            for chunk in chunks(ids):
                for lead_id, fields in conn.execute(
                    "SELECT lead_id, fields FROM written "
                    "WHERE lead_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(chunk),),
                ):
                    found[lead_id] = loads(fields)
        return found

    def save_written(self, run_id: str, rows: Mapping[str, Mapping[str, Any]]) -> None:
        """
        Record, in one transaction, the output values *run_id* wrote: lead Id → fields.

        Fields are merged into what was stored before, so a write of only the changed fields
        keeps the full last-written picture; a None value is kept as null (it was written).

        Raises:
            StateStoreError: SQLite failed (nothing is recorded then).
            TypeError: a value JSON cannot encode.
        """
        now = self._now()
        with self._writing("save_written") as conn:
            for chunk in chunks(rows.items()):
                before = self.get_written_many(lead_id for lead_id, _ in chunk)
                conn.executemany(
                    "INSERT INTO written (lead_id, run_id, written_at, fields) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (lead_id) DO UPDATE SET run_id = excluded.run_id, "
                    "written_at = excluded.written_at, fields = excluded.fields",
                    [
                        (lead_id, run_id, now, dumps({**before.get(lead_id, {}), **fields}))
                        for lead_id, fields in chunk
                    ],
                )

    # --- runs -----------------------------------------------------------------------------

    def start_run(self, kind: str, *, dry_run: bool, definition_version: str) -> str:
        """
        Record the start of a pass and return its run id (uuid4 hex).

        Raises:
            StateStoreError: SQLite failed.
        """
        run_id = uuid.uuid4().hex
        with self._writing("start_run") as conn:
            conn.execute(
                "INSERT INTO run (run_id, kind, dry_run, definition_version, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (run_id, kind, int(dry_run), definition_version, self._now()),
            )
        return run_id

    def finish_run(
        self,
        run_id: str,
        *,
        outcome: str,
        counts: Mapping[str, int],
        api_calls: int,
        error: str | None = None,
    ) -> None:
        """
        Record how the pass *run_id* ended.

        Raises:
            ValueError: *outcome* is not success, partial, failed or interrupted.
            StateStoreError: no such run, or SQLite failed.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}, got {outcome!r}")
        with self._writing("finish_run") as conn:
            cursor = conn.execute(
                "UPDATE run SET finished_at = ?, outcome = ?, counts = ?, api_calls = ?, "
                "error = ? WHERE run_id = ?",
                (self._now(), outcome, dumps(dict(counts)), api_calls, error, run_id),
            )
            if cursor.rowcount != 1:
                raise StateStoreError(f"{self.path}: finish_run: no run with id {run_id!r}")

    def get_run(self, run_id: str) -> RunRecord | None:
        """
        Return the run *run_id*, or None.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("get_run") as conn:
            row = conn.execute(f"{_RUN_SELECT} WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else _run_record(row)

    def last_run(self, *, outcome: str | None = None, kind: str | None = None) -> RunRecord | None:
        """
        Return the most recently started run, optionally only those with *outcome*/*kind*.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("last_run") as conn:
            row = conn.execute(
                f"{_RUN_SELECT} WHERE (?1 IS NULL OR outcome = ?1) AND (?2 IS NULL OR kind = ?2) "
                "ORDER BY seq DESC LIMIT 1",
                (outcome, kind),
            ).fetchone()
        return None if row is None else _run_record(row)

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """
        Return up to *limit* runs, most recently started first.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("runs") as conn:
            rows = conn.execute(f"{_RUN_SELECT} ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [_run_record(r) for r in rows]

    # --- history --------------------------------------------------------------------------

    def append_history(self, run_id: str, entries: Iterable[HistoryEntry]) -> None:
        """
        Append *entries* (produced by *run_id*) to the history, in one transaction.

        Raises:
            StateStoreError: SQLite failed (nothing is appended then).
            TypeError: an old/new value JSON cannot encode.
        """
        with self._writing("append_history") as conn:
            for chunk in chunks(entries):
                conn.executemany(
                    "INSERT INTO history (run_id, lead_id, at, field, old, new, reasons, "
                    "definition_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            run_id,
                            e.lead_id,
                            e.at,
                            e.field,
                            dumps(e.old),
                            dumps(e.new),
                            dumps(list(e.reasons)),
                            e.definition_version,
                        )
                        for e in chunk
                    ],
                )

    def history(self, lead_id: str, limit: int = 20) -> list[HistoryEntry]:
        """
        Return up to *limit* history entries for *lead_id*, newest first.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("history") as conn:
            rows = conn.execute(
                f"{_HISTORY_SELECT} FROM history WHERE lead_id = ? "
                "ORDER BY at DESC, seq DESC LIMIT ?",
                (lead_id, limit),
            ).fetchall()
        return [_history_entry(r) for r in rows]

    def iter_history(self, since: str | None = None) -> Iterator[HistoryEntry]:
        """
        Yield every history entry with ``at >= since`` (all when None), oldest first.

        Reads in pages, so memory stays bounded and the lock is free between pages.

        Raises:
            StateStoreError: SQLite failed.
        """
        position: tuple[str, int] = (since or "", 0)
        while True:
            with self._reading("iter_history") as conn:
                rows = conn.execute(
                    f"{_HISTORY_SELECT}, seq FROM history WHERE (at, seq) > (?, ?) "
                    "ORDER BY at, seq LIMIT ?",
                    (*position, CHUNK),
                ).fetchall()
            for row in rows:
                yield _history_entry(row)
            if len(rows) < CHUNK:
                return
            position = (rows[-1][1], rows[-1][-1])

    # --- rejects --------------------------------------------------------------------------

    def record_rejects(self, run_id: str, rejects: Iterable[Reject]) -> None:
        """
        Record refused writes; a lead already pending has its attempts incremented.

        Raises:
            StateStoreError: SQLite failed (nothing is recorded then).
        """
        now = self._now()
        latest = {r.lead_id: r for r in rejects}
        with self._writing("record_rejects") as conn:
            conn.executemany(
                "INSERT INTO reject (lead_id, run_id, error_code, message, fields, attempts, "
                "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, 1, ?, ?) "
                "ON CONFLICT (lead_id) DO UPDATE SET run_id = excluded.run_id, "
                "error_code = excluded.error_code, message = excluded.message, "
                "fields = excluded.fields, attempts = reject.attempts + 1, "
                "last_seen = excluded.last_seen",
                [
                    (r.lead_id, run_id, r.error_code, r.message, dumps(list(r.fields)), now, now)
                    for r in latest.values()
                ],
            )

    def pending_rejects(self) -> list[Reject]:
        """
        Return every pending reject, in lead Id order, with its attempts so far.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("pending_rejects") as conn:
            rows = conn.execute(
                "SELECT lead_id, error_code, message, fields, attempts FROM reject ORDER BY lead_id"
            ).fetchall()
        return [Reject(r[0], r[1], r[2], tuple(loads(r[3])), int(r[4])) for r in rows]

    def clear_rejects(self, lead_ids: Iterable[str]) -> None:
        """
        Forget the rejects of *lead_ids* (their retry succeeded, or they are gone).

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._writing("clear_rejects") as conn:
            for chunk in chunks(lead_ids):
                conn.execute(
                    "DELETE FROM reject WHERE lead_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(chunk),),
                )


_RUN_SELECT = (
    "SELECT run_id, kind, dry_run, definition_version, started_at, finished_at, outcome, "
    "counts, api_calls, error FROM run"
)
_HISTORY_SELECT = "SELECT lead_id, at, field, old, new, reasons, definition_version"


def _run_record(row: tuple[Any, ...]) -> RunRecord:
    return RunRecord(
        run_id=row[0],
        kind=row[1],
        dry_run=bool(row[2]),
        definition_version=row[3],
        started_at=row[4],
        finished_at=row[5],
        outcome=row[6],
        counts=loads(row[7]),
        api_calls=int(row[8]),
        error=row[9],
    )


def _history_entry(row: tuple[Any, ...]) -> HistoryEntry:
    return HistoryEntry(
        lead_id=row[0],
        at=row[1],
        field=row[2],
        old=loads(row[3]),
        new=loads(row[4]),
        reasons=tuple(loads(row[5])),
        definition_version=row[6],
    )
