"""
The sandbox org: its SQLite store, clock, credentials, API-call accounting and the rules every
write goes through (field permissions, lengths and ranges, converted leads, the active lead
assignment rule, and the injected faults), whichever API the write arrives by.

All database access is serialised by one re-entrant lock: the sandbox serves a few hundred
requests a second from one SQLite file, and SQLite itself allows one writer at a time.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog

from sfsync.errors import ConfigError
from sfsync.sandbox import derived, schema, seed, setup_rows
from sfsync.sandbox.calllog import CallLog
from sfsync.sandbox.connected_app import ConnectedApp
from sfsync.sandbox.faults import FaultSpec, FaultState
from sfsync.sandbox.latency import BulkLatency, RestLatency
from sfsync.sandbox.metadata import load_objects
from sfsync.sandbox.query import QueryResult, run_soql
from sfsync.sandbox.saves import SaveError, SaveResult, WriteOp
from sfsync.sandbox.schema import ObjectDef
from sfsync.sandbox.values import format_datetime, parse_datetime
from sfsync.sandbox.writes import LEAD_ROUTER_USER_ID, RecordWriter, get_row

log = structlog.get_logger(__name__)

DB_FILE = "org.sqlite3"
# DailyApiRequests Max: an Enterprise Edition org with ~100 user licences gets 100,000 + 1,000
# per licence; 100,000 is a realistic small-org figure that a demo can still run out of.
DEFAULT_DAILY_API_LIMIT = 100_000
INTEGRATION_USER_ID = seed.INTEGRATION_USER_ID
_ROUTER_USERNAME = "lead.router@demo-org.example"

_META_DDL = "CREATE TABLE IF NOT EXISTS _sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


__all__ = ["DB_FILE", "LEAD_ROUTER_USER_ID", "SandboxOrg", "SaveError", "SaveResult", "WriteOp"]


class SandboxOrg:
    """One org: store, clock, credentials, accounting and write rules."""

    def __init__(
        self,
        db_path: Path,
        *,
        faults: FaultSpec | None = None,
        daily_api_limit: int = DEFAULT_DAILY_API_LIMIT,
        output_fields: bool | None = None,
    ) -> None:
        self.db_path = db_path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=10000")
        with self.lock:
            schema.create_tables(self.conn)
            self.conn.execute(_META_DDL)
            self.org_id = setup_rows.org_id(self.conn)
            self._ensure_users()
            setup_rows.ensure_setup_rows(
                self.conn,
                organization_id=self.org_id,
                integration_user_id=INTEGRATION_USER_ID,
                marketing_user_id=seed.MARKETING_USER_ID,
                stamp=format_datetime(datetime.now(UTC)),
            )
            # The org's objects: Lead without the output fields in an org created without
            # them, plus fields deployed through the Metadata API (sandbox/metadata.py).
            try:
                self.objects: dict[str, ObjectDef] = load_objects(
                    self.conn, output_fields=output_fields
                )
            except ConfigError:
                self.conn.close()
                raise
        self.calls = CallLog(self.conn, self.lock)
        self.user_id = INTEGRATION_USER_ID
        self.faults = FaultState()
        self.daily_api_limit = daily_api_limit
        # How long Bulk jobs and REST round trips take (sandbox/latency.py); off unless a
        # fault spec or the server sets them.
        self.bulk_latency = BulkLatency()
        self.rest_latency = RestLatency()
        self._usage_offset = 0
        self._last_ms = self._latest_modstamp_ms()
        self._tokens: set[str] = set()
        self._issued: set[str] = set()
        self.on_token_change: Callable[[str], None] | None = None
        # Object -> field -> None (hidden) or describe keys to replace; describe only.
        self.describe_overrides: dict[str, dict[str, dict[str, Any] | None]] = {}
        # The Connected App's certificate, once the server has made its key pair.
        self.connected_app: ConnectedApp | None = None
        self._load_credentials()
        self.install_faults(faults or FaultSpec())

    # --- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self.conn.close()

    def _ensure_users(self) -> None:
        seed.seed_users(self.conn)
        now = format_datetime(datetime.now(UTC))
        self.conn.execute(
            'INSERT OR IGNORE INTO "User" (Id, Name, FirstName, LastName, Username, Email,'
            " IsActive, IsDeleted, CreatedDate, CreatedById, LastModifiedDate, LastModifiedById,"
            " SystemModstamp)"
            " VALUES (?, 'Lead Router', 'Lead', 'Router', ?, ?, 1, 0, ?, ?, ?, ?, ?)",
            (
                LEAD_ROUTER_USER_ID,
                _ROUTER_USERNAME,
                _ROUTER_USERNAME,
                now,
                INTEGRATION_USER_ID,
                now,
                INTEGRATION_USER_ID,
                now,
            ),
        )

    def _latest_modstamp_ms(self) -> int:
        latest = 0
        with self.lock:
            for obj in self.objects.values():
                row = self.conn.execute(f'SELECT max(SystemModstamp) FROM "{obj.name}"').fetchone()  # noqa: S608 - schema names
                if row[0]:
                    try:
                        moment = parse_datetime(row[0])
                    except ValueError:
                        continue
                    latest = max(latest, int(moment.timestamp() * 1000))
        return latest

    def reload_objects(self) -> None:
        """Re-read the org's objects (after `seed_org` gave the database another profile)."""
        with self.lock:
            self.objects = load_objects(self.conn)

    # --- clock -----------------------------------------------------------------------------

    def tick(self) -> str:
        """The server clock: now, in milliseconds, strictly later than every earlier tick."""
        with self.lock:
            now_ms = int(datetime.now(UTC).timestamp() * 1000)
            self._last_ms = max(now_ms, self._last_ms + 1)
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self._last_ms)
            return format_datetime(moment)

    # --- credentials -----------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM _sandbox_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO _sandbox_meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _load_credentials(self) -> None:
        with self.lock:
            values = {
                "access_token": self._meta("access_token") or _new_token(self.org_id),
                "client_id": self._meta("client_id") or "3MVG9sfsync" + secrets.token_hex(20),
                "client_secret": self._meta("client_secret") or secrets.token_hex(32).upper(),
            }
            for key, value in values.items():
                self._set_meta(key, value)
            self.client_id = values["client_id"]
            self.client_secret = values["client_secret"]
            self.access_token = values["access_token"]
            self._tokens = {self.access_token}
            self._issued = {self.access_token}

    def token_is_valid(self, token: str) -> bool:
        """Whether *token* is a live session."""
        with self.lock:
            return token in self._tokens

    def token_was_issued(self, token: str) -> bool:
        """Whether *token* was ever issued (the admin endpoints accept expired ones too)."""
        with self.lock:
            return token in self._issued

    def issue_token(self) -> str:
        """Start a new session (OAuth token endpoint); it becomes connection.env's token."""
        token = _new_token(self.org_id)
        with self.lock:
            self._tokens.add(token)
            self._issued.add(token)
            self._set_meta("access_token", token)
            self.access_token = token
        if self.on_token_change is not None:
            self.on_token_change(token)
        return token

    def expire_sessions(self) -> None:
        """Invalidate every live session (the session-expiry fault)."""
        with self.lock:
            self._tokens.clear()
        log.info("sfsync.sandbox.sessions_expired")

    def integration_username(self) -> str:
        """The integration user's Username (for the password grant)."""
        with self.lock:
            row = self.conn.execute(
                'SELECT Username FROM "User" WHERE Id = ?', (INTEGRATION_USER_ID,)
            ).fetchone()
        return str(row[0]) if row else ""

    # --- accounting and faults -------------------------------------------------------------

    @property
    def api_calls(self) -> int:
        """API calls counted since the log was last reset."""
        return self.calls.api_calls

    @property
    def api_usage(self) -> int:
        """DailyApiRequests used, as `Sforce-Limit-Info` and /limits report it."""
        return self.calls.api_calls + self._usage_offset

    def limit_reached(self) -> bool:
        """Whether the daily API limit is used up (REQUEST_LIMIT_EXCEEDED)."""
        return self.api_usage >= self.daily_api_limit

    def install_faults(self, spec: FaultSpec) -> None:
        """Activate a fault spec (replacing the previous one) and its limits."""
        with self.lock:
            self.faults.install(spec)
            if spec.daily_api_limit is not None:
                self.daily_api_limit = spec.daily_api_limit
            if spec.bulk_latency is not None:
                self.bulk_latency = spec.bulk_latency
            if spec.rest_latency is not None:
                self.rest_latency = spec.rest_latency
            if spec.request_limit_after is not None:
                self._usage_offset = (
                    self.daily_api_limit - spec.request_limit_after - self.api_calls
                )
            else:
                self._usage_offset = 0

    def reset_calls(self) -> None:
        """Forget counted calls (a new day)."""
        with self.lock:
            self.calls.reset()
            self._usage_offset = 0

    # --- reads -----------------------------------------------------------------------------

    def query(self, soql: str, *, include_deleted: bool = False, api_version: str) -> QueryResult:
        """
        Run SOQL on the store.

        Raises:
            SoqlError: the query is malformed or names unknown objects/fields.
        """
        with self.lock, schema.objects_in_use(self.objects):
            if "campaignmemberstatus" in soql.lower():
                # Campaigns the seed wrote straight to the store get their statuses first.
                derived.ensure_member_statuses(self.conn, stamp=self.tick(), user_id=self.user_id)
            return run_soql(
                self.conn, soql, include_deleted=include_deleted, api_version=api_version
            )

    def get_row(self, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        """One stored row (deleted ones included) by its 18-character Id."""
        with self.lock:
            return get_row(self.conn, obj, record_id)

    # --- writes ----------------------------------------------------------------------------

    def save(
        self,
        ops: Sequence[WriteOp],
        *,
        all_or_none: bool = False,
        auto_assign: bool = True,
        before_commit: Callable[[list[SaveResult]], None] | None = None,
    ) -> list[SaveResult]:
        """
        Apply writes in order, in one transaction, and return one SaveResult per op.

        *auto_assign* is false when the request carried `Sforce-Auto-Assign: FALSE`; otherwise
        the active lead assignment rule re-owns every Lead written. With *all_or_none*, one
        failure rolls every write back. *before_commit* gets the results inside the
        transaction (a Bulk ingest job records its progress with the writes).
        """
        with self.lock:
            stamp = self.tick()
            results: list[SaveResult] = []
            writer = RecordWriter(self.conn, self.faults, self.user_id)
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for op in ops:
                    results.append(writer.apply(op, stamp, auto_assign=auto_assign))
                failed = any(not r.success for r in results)
                if all_or_none and failed:
                    self.conn.execute("ROLLBACK")
                    rolled = SaveError(
                        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                        "Record rolled back because not all records were valid and the request"
                        " was using AllOrNone header",
                    )
                    for op, r in zip(ops, results, strict=True):
                        if r.success:
                            r.errors = [rolled]
                        if op.kind == "insert":
                            r.id = None
                        r.created = False
                    return results
                saved = [(o, r) for o, r in zip(ops, results, strict=True) if r.success and r.id]
                self.calls.record_writes([(o.obj.name, o.kind, str(r.id)) for o, r in saved])
                if before_commit is not None:
                    before_commit(results)
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            return results


def _new_token(org_id: str) -> str:
    # Salesforce session Ids start with the org's 15-character Id and "!".
    return f"{org_id[:15]}!AQ" + secrets.token_urlsafe(72).replace("-", ".")
