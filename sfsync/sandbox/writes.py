"""
One record write under the org's rules, whichever API it arrives by: object and field
permissions, lengths, ranges and e-mail addresses, references, converted leads, what the org
derives (`derived`), the active lead assignment rule and the injected faults.

`RecordWriter.apply` writes one `WriteOp` inside the caller's transaction and returns its
`SaveResult`; `SandboxOrg.save` owns the transaction, all-or-none and the call log.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sfsync.sandbox import derived, schema
from sfsync.sandbox.faults import FaultState
from sfsync.sandbox.ids import new_id, normalize_id, with_checksum
from sfsync.sandbox.saves import RecordFailedError, SaveError, SaveResult, WriteOp
from sfsync.sandbox.sobject import FieldDef, ObjectDef
from sfsync.sandbox.values import is_textual, is_valid_email

# The active lead assignment rule's target: a fixed round-robin rep ("Lead Router").
LEAD_ROUTER_USER_ID = with_checksum("0055g00000LdRtr")
_TRUE_DEFAULTS = {("User", "IsActive"), ("Campaign", "IsActive"), ("PermissionSet", "IsCustom")}


def _label(fdef: FieldDef) -> str:
    return fdef.label or fdef.name


def _q(name: str) -> str:
    return f'"{name}"'


def get_row(conn: sqlite3.Connection, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
    """One stored row (deleted ones included) by its 18-character Id."""
    cur = conn.execute(f'SELECT * FROM "{obj.name}" WHERE Id = ?', (record_id,))  # noqa: S608 - schema names
    row = cur.fetchone()
    if row is None:
        return None
    return {d[0]: v for d, v in zip(cur.description, row, strict=True)}


class RecordWriter:
    """Applies writes as *user_id*, with the org's injected faults, on *conn*."""

    def __init__(self, conn: sqlite3.Connection, faults: FaultState, user_id: str) -> None:
        self.conn = conn
        self.faults = faults
        self.user_id = user_id

    def apply(self, op: WriteOp, stamp: str, *, auto_assign: bool) -> SaveResult:
        """Write one record at *stamp*; a rule it breaks fails it alone."""
        known_id: str | None = None
        try:
            self._check_operation(op)
            if op.kind == "insert":
                return self._insert(op, stamp, auto_assign=auto_assign)
            row = self._existing(op)
            known_id = row["Id"]
            if self.faults.lock_fails(op.obj.name, row["Id"]):
                raise RecordFailedError(
                    SaveError(
                        "UNABLE_TO_LOCK_ROW",
                        "unable to obtain exclusive access to this record or 1 records: "
                        + row["Id"],
                    )
                )
            if op.kind == "delete":
                self._delete(op.obj, row, stamp)
                return SaveResult(row["Id"])
            self._update(op, row, stamp, auto_assign=auto_assign)
            return SaveResult(row["Id"])
        except RecordFailedError as exc:
            return SaveResult(known_id, exc.errors)

    def _check_operation(self, op: WriteOp) -> None:
        allowed = {"insert": op.obj.createable, "update": op.obj.updateable,
                   "delete": op.obj.deletable}[op.kind]  # fmt: skip
        if not allowed:
            verb = {"insert": "inserted", "update": "updated", "delete": "deleted"}[op.kind]
            message = f"entity type cannot be {verb}: {op.obj.name}"
            raise RecordFailedError(SaveError("INVALID_TYPE_FOR_OPERATION", message))

    def _existing(self, op: WriteOp) -> dict[str, Any]:
        id_field = op.obj.get("Id")
        assert id_field is not None
        if op.record_id is None:
            raise RecordFailedError(
                SaveError("MISSING_ARGUMENT", f"Id not specified in an {op.kind} call", ("Id",))
            )
        record_id = normalize_id(op.record_id)
        if record_id is None or not record_id.startswith(op.obj.key_prefix):
            raise RecordFailedError(
                SaveError(
                    "MALFORMED_ID",
                    f"{_label(id_field)}: id value of incorrect type: {op.record_id}",
                    ("Id",),
                )
            )
        row = get_row(self.conn, op.obj, record_id)
        if row is None:
            raise RecordFailedError(
                SaveError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            )
        if row.get("IsDeleted"):
            raise RecordFailedError(SaveError("ENTITY_IS_DELETED", "entity is deleted"))
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
            raise RecordFailedError(
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
            raise RecordFailedError(*errors)

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
            raise RecordFailedError(
                SaveError("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, fields)
            )

    def _insert(self, op: WriteOp, stamp: str, *, auto_assign: bool) -> SaveResult:
        obj = op.obj
        values = dict(op.values)
        if any(k.lower() == "id" for k in values):
            raise RecordFailedError(
                SaveError("INVALID_FIELD", "cannot specify Id in an insert call")
            )
        self._check_fields(obj, values, insert=True)
        self._normalize_refs(obj, values)
        row: dict[str, Any] = {}
        for fdef in obj.fields:
            if fdef.formula is None:
                row[fdef.name] = self._default(obj, fdef, stamp)
        row.update({obj.by_name[k.lower()].name: v for k, v in values.items()})
        changes = dict(row)
        derived.derive(self.conn, obj, row, changes, stamp=stamp, user_id=self.user_id,
                       inserting=True)  # fmt: skip
        self._assign(obj, row, changes, auto_assign)
        missing = [
            f.name
            for f in obj.fields
            if not f.nillable and f.createable and row.get(f.name) is None
        ]
        if missing:
            raise RecordFailedError(
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
        derived.after_insert(self.conn, obj, row, stamp=stamp, user_id=self.user_id)
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
        return fdef.sql_default

    def _update(self, op: WriteOp, row: dict[str, Any], stamp: str, *, auto_assign: bool) -> None:
        obj = op.obj
        if obj.name == "Lead" and row.get("IsConverted"):
            raise RecordFailedError(
                SaveError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
            )
        values = {k: v for k, v in op.values.items() if k.lower() != "id"}
        self._check_fields(obj, values, insert=False)
        self._normalize_refs(obj, values)
        changes = {obj.by_name[k.lower()].name: v for k, v in values.items()}
        merged = {**row, **changes}
        derived.derive(self.conn, obj, merged, changes, stamp=stamp, user_id=self.user_id,
                       inserting=False)  # fmt: skip
        self._assign(obj, merged, changes, auto_assign)
        self._validate(obj, row["Id"], merged)
        changes.update(LastModifiedDate=stamp, LastModifiedById=self.user_id, SystemModstamp=stamp)
        sets = ", ".join(f"{_q(c)} = ?" for c in changes)
        self.conn.execute(
            f'UPDATE "{obj.name}" SET {sets} WHERE Id = ?',  # noqa: S608 - schema names
            [*changes.values(), row["Id"]],
        )
        derived.after_update(self.conn, obj, merged, changes, stamp=stamp, user_id=self.user_id)

    def _delete(self, obj: ObjectDef, row: dict[str, Any], stamp: str) -> None:
        derived.before_delete(self.conn, obj, row)
        self.conn.execute(
            f'UPDATE "{obj.name}" SET IsDeleted = 1, LastModifiedDate = ?, LastModifiedById = ?,'  # noqa: S608 - schema names
            " SystemModstamp = ? WHERE Id = ?",
            (stamp, self.user_id, stamp, row["Id"]),
        )
