"""
MirrorStore: the local copy of the Salesforce inputs (Leads, their activities, Users).

One ``record`` row per (object, Id) holds the record as JSON text plus the columns queried on:
the lead an activity belongs to, the deletion flag and SystemModstamp.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sfsync.errors import StateStoreError
from sfsync.state.database import Database, chunks, dumps, loads

ACTIVITY_OBJECTS: tuple[str, ...] = ("Task", "Event", "CampaignMember", "Web_Activity__c")
"""The activity objects every ``iter_leads_with_activities`` batch has a (maybe empty) list for."""

LeadWithActivities = tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]
"""One lead and its non-deleted activities by object name."""


_UPSERT_SQL = (
    "INSERT INTO record (object, id, lead_id, is_deleted, system_modstamp, data) "
    "VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (object, id) DO UPDATE SET lead_id = excluded.lead_id, "
    "is_deleted = excluded.is_deleted, system_modstamp = excluded.system_modstamp, "
    "data = excluded.data "
    # REST gives ...000+0000 and Bulk CSV ...000Z: compare up to the milliseconds.
    "WHERE excluded.system_modstamp IS NULL OR record.system_modstamp IS NULL "
    "OR substr(excluded.system_modstamp, 1, 23) >= substr(record.system_modstamp, 1, 23)"
)


def _strip_attributes(value: Any) -> Any:
    # REST records carry {"attributes": {"type", "url"}} on every (nested) object: metadata
    # about the response, not data, and a third of a small record's size.
    if isinstance(value, dict):
        return {k: _strip_attributes(v) for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [_strip_attributes(v) for v in value]
    return value


def _is_true(value: Any) -> bool:
    # REST JSON gives booleans; Bulk API 2.0 CSV gives the strings "true"/"false".
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


class MirrorStore(Database):
    """
    The mirror half of the state store; ``StateStore`` adds the bookkeeping tables.
    """

    # --- mirror ---------------------------------------------------------------------------

    def upsert_records(
        self,
        object_name: str,
        records: Iterable[Mapping[str, Any]],
        *,
        lead_field: str | None,
    ) -> int:
        """
        Insert or replace *records* (Salesforce REST shape, keyed by ``Id``) in one transaction.

        ``attributes`` keys are dropped at every level; nested parents (``{"Campaign":
        {"Type": ...}}``) are kept. A record with ``IsDeleted`` true is kept but flagged, so it
        no longer feeds scoring. A copy older than the stored one (by ``SystemModstamp``, as
        from an overlapping window read out of order) does not replace it. *records* is
        consumed in chunks, so a generator of any size is fine.

        Args:
            lead_field: the field linking an activity to its lead (``WhoId``, ``LeadId``,
                ``Lead__c``); None for Lead, User and other non-activity objects.

        Returns:
            How many records were inserted or updated.

        Raises:
            StateStoreError: a record has no Id, or SQLite failed (nothing is stored then).
            TypeError: a record holds a value JSON cannot encode.
        """
        changed = 0
        with self._writing("upsert_records") as conn:
            for chunk in chunks(records):
                rows = [self._record_row(object_name, rec, lead_field) for rec in chunk]
                changed += conn.executemany(_UPSERT_SQL, rows).rowcount
        return changed

    def replace_records(
        self,
        object_name: str,
        records: Iterable[Mapping[str, Any]],
        *,
        lead_field: str | None,
    ) -> tuple[int, int]:
        """
        Make *records* (a full read of *object_name*) the mirror's copy of that object, in
        one transaction: upsert them as ``upsert_records`` does, then drop the stored rows
        that were not among them. The Ids seen are kept in a temporary SQLite table, not in
        memory, so a full read of millions of records streams through in bounded memory.

        Returns:
            ``(upserted, dropped)``.

        Raises:
            StateStoreError: a record has no Id, or SQLite failed (nothing is stored then).
            TypeError: a record holds a value JSON cannot encode.
        """
        changed = dropped = 0
        with self._writing("replace_records") as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen_id (id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM seen_id")
            for chunk in chunks(records):
                rows = [self._record_row(object_name, rec, lead_field) for rec in chunk]
                changed += conn.executemany(_UPSERT_SQL, rows).rowcount
                conn.executemany(
                    "INSERT OR IGNORE INTO seen_id (id) VALUES (?)", [(r[1],) for r in rows]
                )
            dropped = conn.execute(
                "DELETE FROM record WHERE object = ? AND id NOT IN (SELECT id FROM seen_id)",
                (object_name,),
            ).rowcount
            conn.execute("DELETE FROM seen_id")
        return changed, dropped

    def get_records(self, object_name: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """
        Return the mirrored *object_name* records among *ids* (deleted ones included), by Id.

        Raises:
            StateStoreError: SQLite failed.
        """
        found: dict[str, dict[str, Any]] = {}
        with self._reading("get_records") as conn:
            for chunk in chunks(ids):
                for record_id, data in conn.execute(
                    "SELECT id, data FROM record WHERE object = ? "
                    "AND id IN (SELECT value FROM json_each(?))",
                    (object_name, json.dumps(chunk)),
                ):
                    found[record_id] = dict(loads(data))
        return found

    def _record_row(
        self, object_name: str, record: Mapping[str, Any], lead_field: str | None
    ) -> tuple[str, str, str | None, int, str | None, str]:
        record_id = record.get("Id")
        if not isinstance(record_id, str) or not record_id:
            raise StateStoreError(
                f"{self.path}: cannot store a {object_name} record without an Id "
                f"(fields: {', '.join(sorted(record)[:10])})"
            )
        lead_id = record.get(lead_field) if lead_field else None
        modstamp = record.get("SystemModstamp")
        return (
            object_name,
            record_id,
            lead_id if isinstance(lead_id, str) and lead_id else None,
            1 if _is_true(record.get("IsDeleted")) else 0,
            modstamp if isinstance(modstamp, str) and modstamp else None,
            dumps(_strip_attributes(record if isinstance(record, dict) else dict(record))),
        )

    def get_record(self, object_name: str, record_id: str) -> dict[str, Any] | None:
        """
        Return one mirrored record as stored (deleted ones included), or None.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("get_record") as conn:
            row = conn.execute(
                "SELECT data FROM record WHERE object = ? AND id = ?", (object_name, record_id)
            ).fetchone()
        return None if row is None else dict(loads(row[0]))

    def get_lead(self, lead_id: str) -> dict[str, Any] | None:
        """
        Return the mirrored Lead (even one flagged deleted: check ``IsDeleted``), or None.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self.get_record("Lead", lead_id)

    def lead_ids(self) -> list[str]:
        """
        Return the Ids of every non-deleted mirrored Lead, in Id order.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("lead_ids") as conn:
            rows = conn.execute(
                "SELECT id FROM record WHERE object = 'Lead' AND is_deleted = 0 ORDER BY id"
            ).fetchall()
        return [r[0] for r in rows]

    def count(self, object_name: str, *, include_deleted: bool = False) -> int:
        """
        Count the mirrored *object_name* records (non-deleted only, unless asked).

        Raises:
            StateStoreError: SQLite failed.
        """
        sql = "SELECT count(*) FROM record WHERE object = ?"
        if not include_deleted:
            sql += " AND is_deleted = 0"
        with self._reading("count") as conn:
            return int(conn.execute(sql, (object_name,)).fetchone()[0])

    def iter_leads_with_activities(
        self, *, lead_ids: Iterable[str] | None = None, batch_size: int = 1000
    ) -> Iterator[list[LeadWithActivities]]:
        """
        Yield batches of ``(lead, {"Task": [...], "Event": [...], ...})`` in lead Id order.

        Deleted leads and deleted activities are left out. Every batch has a list for each of
        ``ACTIVITY_OBJECTS`` (and for any other object stored with a lead field); activities
        are ordered by object and Id. With *lead_ids*, only those leads come back (unknown or
        deleted Ids are skipped). Each batch is read from one snapshot and the lock is not
        held between batches, so memory stays bounded and other threads can interleave.

        Raises:
            StateStoreError: SQLite failed.
            ValueError: *batch_size* is below 1.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if lead_ids is None:
            yield from self._iter_all_leads(batch_size)
            return
        for chunk in chunks(sorted(set(lead_ids)), batch_size):
            with self._snapshot("iter_leads_with_activities") as conn:
                ids = json.dumps(chunk)
                leads = conn.execute(
                    "SELECT id, data FROM record WHERE object = 'Lead' AND is_deleted = 0 "
                    "AND id IN (SELECT value FROM json_each(?)) ORDER BY id",
                    (ids,),
                ).fetchall()
                activities = conn.execute(
                    "SELECT object, lead_id, data FROM record "
                    "WHERE lead_id IN (SELECT value FROM json_each(?)) AND is_deleted = 0 "
                    "ORDER BY lead_id, object, id",
                    (ids,),
                ).fetchall()
            if leads:
                yield _assemble(leads, activities)

    def _iter_all_leads(self, batch_size: int) -> Iterator[list[LeadWithActivities]]:
        after = ""
        while True:
            with self._snapshot("iter_leads_with_activities") as conn:
                leads = conn.execute(
                    "SELECT id, data FROM record WHERE object = 'Lead' AND is_deleted = 0 "
                    "AND id > ? ORDER BY id LIMIT ?",
                    (after, batch_size),
                ).fetchall()
                if not leads:
                    return
                activities = conn.execute(
                    "SELECT object, lead_id, data FROM record "
                    "WHERE lead_id BETWEEN ? AND ? AND is_deleted = 0 "
                    "ORDER BY lead_id, object, id",
                    (leads[0][0], leads[-1][0]),
                ).fetchall()
            yield _assemble(leads, activities)
            if len(leads) < batch_size:
                return
            after = leads[-1][0]

    def iter_leads(self, *, batch_size: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """
        Yield batches of every non-deleted mirrored Lead, without its activity, in Id order.

        Raises:
            StateStoreError: SQLite failed.
            ValueError: *batch_size* is below 1.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        after = ""
        while True:
            with self._reading("iter_leads") as conn:
                rows = conn.execute(
                    "SELECT id, data FROM record WHERE object = 'Lead' AND is_deleted = 0 "
                    "AND id > ? ORDER BY id LIMIT ?",
                    (after, batch_size),
                ).fetchall()
            if rows:
                yield [loads(data) for _, data in rows]
            if len(rows) < batch_size:
                return
            after = rows[-1][0]

    def lead_ids_for_activities(self, object_name: str, ids: Iterable[str]) -> set[str]:
        """
        Return the leads the given mirrored activities point at (deleted activities included).

        Call it before and after upserting changed activities to find every lead to rescore,
        including the old lead of an activity that moved.

        Raises:
            StateStoreError: SQLite failed.
        """
        found: set[str] = set()
        with self._reading("lead_ids_for_activities") as conn:
            for chunk in chunks(ids):
                found.update(
                    r[0]
                    for r in conn.execute(
                        "SELECT DISTINCT lead_id FROM record WHERE object = ? "
                        "AND id IN (SELECT value FROM json_each(?)) AND lead_id IS NOT NULL",
                        (object_name, json.dumps(chunk)),
                    )
                )
        return found

    def users(self) -> dict[str, dict[str, Any]]:
        """
        Return every mirrored User by Id.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("users") as conn:
            rows = conn.execute(
                "SELECT id, data FROM record WHERE object = 'User' AND is_deleted = 0 ORDER BY id"
            ).fetchall()
        return {r[0]: loads(r[1]) for r in rows}


def _assemble(
    leads: list[tuple[str, str]], activities: list[tuple[str, str, str]]
) -> list[LeadWithActivities]:
    by_lead: dict[str, dict[str, list[dict[str, Any]]]] = {
        lead_id: {name: [] for name in ACTIVITY_OBJECTS} for lead_id, _ in leads
    }
    for object_name, lead_id, data in activities:
        bucket = by_lead.get(lead_id)
        if bucket is not None:
            bucket.setdefault(object_name, []).append(loads(data))
    return [(loads(data), by_lead[lead_id]) for lead_id, data in leads]
