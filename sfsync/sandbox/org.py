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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import structlog

from sfsync.errors import ConfigError
from sfsync.sandbox import schema, seed
from sfsync.sandbox.calllog import CallLog
from sfsync.sandbox.faults import BulkLatency, FaultSpec, FaultState
from sfsync.sandbox.ids import new_id, normalize_id, with_checksum
from sfsync.sandbox.metadata import load_objects
from sfsync.sandbox.query import QueryResult, run_soql
from sfsync.sandbox.schema import FieldDef, ObjectDef
from sfsync.sandbox.values import format_datetime, is_textual, is_valid_email, parse_datetime

log = structlog.get_logger(__name__)

DB_FILE = "org.sqlite3"
# DailyApiRequests Max: an Enterprise Edition org with ~100 user licences gets 100,000 + 1,000
# per licence; 100,000 is a realistic small-org figure that a demo can still run out of.
DEFAULT_DAILY_API_LIMIT = 100_000
INTEGRATION_USER_ID = seed.INTEGRATION_USER_ID
# The active lead assignment rule's target: a fixed round-robin rep ("Lead Router").
LEAD_ROUTER_USER_ID = with_checksum("0055g00000LdRtr")
_ROUTER_USERNAME = "lead.router@demo-org.example"

_SYSTEM_FIELDS = ("LastModifiedDate", "LastModifiedById", "SystemModstamp")
_TRUE_DEFAULTS = {("User", "IsActive"), ("Campaign", "IsActive")}

_META_DDL = "CREATE TABLE IF NOT EXISTS _sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


@dataclass(frozen=True)
class SaveError:
    """One error of a SaveResult: `{"statusCode", "message", "fields"}`."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON shape Collections return."""
        return {
            "statusCode": self.status_code,
            "message": self.message,
            "fields": list(self.fields),
        }

    def to_bulk(self) -> str:
        """The `sf__Error` text of Bulk API results: `CODE:message:fields` (`--` for none)."""
        return f"{self.status_code}:{self.message}:{','.join(self.fields) or '--'}"


@dataclass
class SaveResult:
    """The outcome of one record write, in request order."""

    id: str | None
    errors: list[SaveError] = field(default_factory=list)
    created: bool = False

    @property
    def success(self) -> bool:
        """Whether the write was committed."""
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        """Salesforce's SaveResult: `id` when known, `success`, `errors`."""
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["success"] = self.success
        out["errors"] = [e.to_json() for e in self.errors]
        return out


@dataclass(frozen=True)
class WriteOp:
    """One record write: values are already in storage form and name real fields."""

    kind: Literal["insert", "update", "delete"]
    obj: ObjectDef
    record_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


class _RecordFailedError(Exception):
    def __init__(self, *errors: SaveError) -> None:
        self.errors = list(errors)


def _label(fdef: FieldDef) -> str:
    return fdef.label or fdef.name


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
            self._ensure_users()
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
        # How long Bulk jobs take (sandbox/bulk.py); off unless a spec or the server sets it.
        self.bulk_latency = BulkLatency()
        self._usage_offset = 0
        self._last_ms = self._latest_modstamp_ms()
        self._tokens: set[str] = set()
        self._issued: set[str] = set()
        self.on_token_change: Callable[[str], None] | None = None
        # Object -> field -> None (hidden) or describe keys to replace; describe only.
        self.describe_overrides: dict[str, dict[str, dict[str, Any] | None]] = {}
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
            for obj in schema.OBJECTS.values():
                row = self.conn.execute(f'SELECT max(SystemModstamp) FROM "{obj.name}"').fetchone()  # noqa: S608 - schema names
                if row[0]:
                    try:
                        moment = parse_datetime(row[0])
                    except ValueError:
                        continue
                    latest = max(latest, int(moment.timestamp() * 1000))
        return latest

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
                "access_token": self._meta("access_token") or _new_token(),
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
        token = _new_token()
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
            return run_soql(
                self.conn, soql, include_deleted=include_deleted, api_version=api_version
            )

    def get_row(self, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        """One stored row (deleted ones included) by its 18-character Id."""
        with self.lock:
            cur = self.conn.execute(f'SELECT * FROM "{obj.name}" WHERE Id = ?', (record_id,))  # noqa: S608 - schema names
            row = cur.fetchone()
            if row is None:
                return None
            return {d[0]: v for d, v in zip(cur.description, row, strict=True)}

    # --- writes ----------------------------------------------------------------------------

    def save(
        self, ops: Sequence[WriteOp], *, all_or_none: bool = False, auto_assign: bool = True
    ) -> list[SaveResult]:
        """
        Apply writes in order, in one transaction, and return one SaveResult per op.

        *auto_assign* is false when the request carried `Sforce-Auto-Assign: FALSE`; otherwise
        the active lead assignment rule re-owns every Lead written. With *all_or_none*, one
        failure rolls every write back.
        """
        with self.lock:
            stamp = self.tick()
            results: list[SaveResult] = []
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for op in ops:
                    results.append(self._save_one(op, stamp, auto_assign=auto_assign))
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
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            return results

    def _save_one(self, op: WriteOp, stamp: str, *, auto_assign: bool) -> SaveResult:
        known_id: str | None = None
        try:
            if op.kind == "insert":
                return self._insert(op, stamp, auto_assign=auto_assign)
            row = self._existing(op)
            known_id = row["Id"]
            if self.faults.lock_fails(op.obj.name, row["Id"]):
                raise _RecordFailedError(
                    SaveError(
                        "UNABLE_TO_LOCK_ROW",
                        "unable to obtain exclusive access to this record or 1 records: "
                        + row["Id"],
                    )
                )
            if op.kind == "delete":
                self._delete(op.obj, row["Id"], stamp)
                return SaveResult(row["Id"])
            self._update(op, row, stamp, auto_assign=auto_assign)
            return SaveResult(row["Id"])
        except _RecordFailedError as exc:
            return SaveResult(known_id, exc.errors)

    def _existing(self, op: WriteOp) -> dict[str, Any]:
        id_field = op.obj.get("Id")
        assert id_field is not None
        if op.record_id is None:
            raise _RecordFailedError(
                SaveError("MISSING_ARGUMENT", f"Id not specified in an {op.kind} call", ("Id",))
            )
        record_id = normalize_id(op.record_id)
        if record_id is None or not record_id.startswith(op.obj.key_prefix):
            raise _RecordFailedError(
                SaveError(
                    "MALFORMED_ID",
                    f"{_label(id_field)}: id value of incorrect type: {op.record_id}",
                    ("Id",),
                )
            )
        row = self.get_row(op.obj, record_id)
        if row is None:
            raise _RecordFailedError(
                SaveError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            )
        if row.get("IsDeleted"):
            raise _RecordFailedError(SaveError("ENTITY_IS_DELETED", "entity is deleted"))
        return row

    def _check_fields(self, obj: ObjectDef, values: dict[str, Any], *, insert: bool) -> None:
        denied = [
            name
            for name in values
            if not (
                obj.by_name[name.lower()].createable
                if insert
                else obj.by_name[name.lower()].updateable
            )
        ]
        if denied:
            raise _RecordFailedError(
                SaveError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {', '.join(denied)}."
                    " Please check the security"
                    " settings of this field and verify that it is read/write for your profile or"
                    " permission set.",
                    tuple(denied),
                )
            )
        errors: list[SaveError] = []
        for name, value in values.items():
            fdef = obj.by_name[name.lower()]
            error = self._check_value(fdef, value)
            if error is not None:
                errors.append(error)
        if errors:
            raise _RecordFailedError(*errors)

    def _check_value(self, fdef: FieldDef, value: Any) -> SaveError | None:
        if value is None:
            if not fdef.nillable:
                return SaveError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{fdef.name}]",
                    (fdef.name,),
                )
            return None
        if fdef.type == schema.REFERENCE:
            return self._check_reference(fdef, str(value))
        if is_textual(fdef) and fdef.length and len(str(value)) > fdef.length:
            return SaveError(
                "STRING_TOO_LONG",
                f"{_label(fdef)}: data value too large: {value} (max length={fdef.length})",
                (fdef.name,),
            )
        if fdef.type == schema.EMAIL and not is_valid_email(str(value)):
            return SaveError(
                "INVALID_EMAIL_ADDRESS",
                f"{_label(fdef)}: invalid email address: {value}",
                (fdef.name,),
            )
        numeric = fdef.type in (schema.DOUBLE, schema.CURRENCY, schema.INT)
        if numeric and fdef.precision and abs(float(value)) >= 10 ** (fdef.precision - fdef.scale):
            return SaveError(
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"{_label(fdef)}: value outside of valid range on numeric field: {value}",
                (fdef.name,),
            )
        return None

    def _check_reference(self, fdef: FieldDef, value: str) -> SaveError | None:
        ref = normalize_id(value)
        targets = [o for o in (schema.get_object(n) for n in fdef.reference_to) if o is not None]
        target = next((o for o in targets if ref and ref.startswith(o.key_prefix)), None)
        if ref is None or target is None:
            return SaveError(
                "MALFORMED_ID", f"{_label(fdef)}: id value of incorrect type: {value}", (fdef.name,)
            )
        exists = self.conn.execute(
            f'SELECT 1 FROM "{target.name}" WHERE Id = ? AND IsDeleted = 0',  # noqa: S608 - schema names
            (ref,),
        ).fetchone()
        if exists is None:
            return SaveError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (fdef.name,)
            )
        return None

    def _normalize_refs(self, obj: ObjectDef, values: dict[str, Any]) -> None:
        for name, value in values.items():
            fdef = obj.by_name[name.lower()]
            if fdef.type == schema.REFERENCE and value is not None:
                values[name] = normalize_id(str(value))

    def _derive(self, obj: ObjectDef, merged: dict[str, Any], changes: dict[str, Any]) -> None:
        if obj.name in ("Lead", "User") and ({"FirstName", "LastName"} & set(changes)):
            name = " ".join(p for p in (merged.get("FirstName"), merged.get("LastName")) if p)
            changes["Name"] = name
            merged["Name"] = name

    def _assign(
        self, obj: ObjectDef, merged: dict[str, Any], changes: dict[str, Any], auto_assign: bool
    ) -> None:
        # The org's active lead assignment rule runs on every Lead create/update made through
        # the API unless the request says `Sforce-Auto-Assign: FALSE`.
        if obj.name == "Lead" and auto_assign:
            changes["OwnerId"] = LEAD_ROUTER_USER_ID
            merged["OwnerId"] = LEAD_ROUTER_USER_ID

    def _validate(self, obj: ObjectDef, record_id: str | None, merged: dict[str, Any]) -> None:
        rule = self.faults.validation_error(obj.name, record_id, merged)
        if rule is not None:
            fields = (rule.error_field,) if rule.error_field else ()
            raise _RecordFailedError(
                SaveError("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, fields)
            )

    def _insert(self, op: WriteOp, stamp: str, *, auto_assign: bool) -> SaveResult:
        obj = op.obj
        values = dict(op.values)
        if any(k.lower() == "id" for k in values):
            raise _RecordFailedError(
                SaveError("INVALID_FIELD", "cannot specify Id in an insert call")
            )
        self._check_fields(obj, values, insert=True)
        self._normalize_refs(obj, values)
        row: dict[str, Any] = {}
        for fdef in obj.fields:
            row[fdef.name] = self._default(obj, fdef, stamp)
        row.update({obj.by_name[k.lower()].name: v for k, v in values.items()})
        changes = dict(row)
        self._derive(obj, row, changes)
        self._assign(obj, row, changes, auto_assign)
        missing = [
            f.name
            for f in obj.fields
            if not f.nillable and f.createable and row.get(f.name) is None
        ]
        if missing:
            raise _RecordFailedError(
                SaveError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    tuple(missing),
                )
            )
        self._validate(obj, None, row)
        row["Id"] = new_id(obj.key_prefix)
        row.update(LastModifiedById=self.user_id, SystemModstamp=stamp, IsDeleted=0)
        if row.get("LastModifiedDate") is None:
            row["LastModifiedDate"] = stamp
        cols = list(row)
        self.conn.execute(
            f'INSERT INTO "{obj.name}" ({", ".join(f"{_q(c)}" for c in cols)})'  # noqa: S608 - schema names
            f" VALUES ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )
        return SaveResult(row["Id"], created=True)

    def _default(self, obj: ObjectDef, fdef: FieldDef, stamp: str) -> Any:
        if fdef.name in ("CreatedDate", "LastModifiedDate"):
            return stamp
        if fdef.name in ("CreatedById", "OwnerId"):
            return self.user_id
        if fdef.type == schema.BOOLEAN:
            return 1 if (obj.name, fdef.name) in _TRUE_DEFAULTS else 0
        if fdef.type == schema.PICKLIST and not fdef.nillable and fdef.picklist:
            return fdef.picklist[0]
        return None

    def _update(self, op: WriteOp, row: dict[str, Any], stamp: str, *, auto_assign: bool) -> None:
        obj = op.obj
        if obj.name == "Lead" and row.get("IsConverted"):
            raise _RecordFailedError(
                SaveError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
            )
        values = {k: v for k, v in op.values.items() if k.lower() != "id"}
        self._check_fields(obj, values, insert=False)
        self._normalize_refs(obj, values)
        changes = {obj.by_name[k.lower()].name: v for k, v in values.items()}
        merged = {**row, **changes}
        self._derive(obj, merged, changes)
        self._assign(obj, merged, changes, auto_assign)
        self._validate(obj, row["Id"], merged)
        changes.update(LastModifiedDate=stamp, LastModifiedById=self.user_id, SystemModstamp=stamp)
        sets = ", ".join(f"{_q(c)} = ?" for c in changes)
        self.conn.execute(
            f'UPDATE "{obj.name}" SET {sets} WHERE Id = ?',  # noqa: S608 - schema names
            [*changes.values(), row["Id"]],
        )

    def _delete(self, obj: ObjectDef, record_id: str, stamp: str) -> None:
        self.conn.execute(
            f'UPDATE "{obj.name}" SET IsDeleted = 1, LastModifiedDate = ?, LastModifiedById = ?,'  # noqa: S608 - schema names
            " SystemModstamp = ? WHERE Id = ?",
            (stamp, self.user_id, stamp, record_id),
        )


def _q(name: str) -> str:
    return f'"{name}"'


def _new_token() -> str:
    return f"{schema.ORG_ID[:15]}!AQ" + secrets.token_urlsafe(72).replace("-", ".")
