"""
The sandbox org's Metadata API and the part of its schema that deploys change.

- `POST /services/data/vXX.X/metadata/deployRequest`: multipart/form-data, a JSON part with
  `{"deployOptions": {...}}` (named `json` in Salesforce's docs, `entity_content` by jsforce
  and the sf CLI: any part sent as application/json is taken) and a `file` part with a
  metadata-API format zip. Answers 201 with the deploy request's Id, status Pending, as
  Salesforce does.
- `GET /services/data/vXX.X/metadata/deployRequest/{id}[?includeDetails=true]`: the
  DeployResult, with componentSuccesses/componentFailures when details are asked for.
- The SOAP Metadata API's `deploy` and `checkDeployStatus` (sf's default path) run the same
  deploys: sandbox/metadata_soap.py.

A deploy is checked whole (`metadata_package.plan_deploy`); with `checkOnly` nothing changes;
otherwise the components are stored in `_sandbox_metadata` and custom fields become real:
a column on the object's table and a field in describe, SOQL and writes. With
`rollbackOnError` (the default) one failing component fails the deploy and changes nothing.

An org can start without the sfsync output fields on Lead (`start_sandbox(...,
output_fields=False)`, `sfsync sandbox serve --no-output-fields`), as a real org does before
`sfsync fields --deploy`. The choice is kept in the data directory.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import sqlite3
import threading
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from sfsync.errors import ConfigError
from sfsync.sandbox import metadata_package, schema, setup_rows
from sfsync.sandbox import metadata_rules as rules
from sfsync.sandbox.ids import new_id
from sfsync.sandbox.profiles import stored_profile
from sfsync.sandbox.protocol import ApiError, Request, Response, json_response, not_found
from sfsync.sandbox.schema import FieldDef, ObjectDef

if TYPE_CHECKING:
    from sfsync.sandbox.org import SandboxOrg
    from sfsync.sandbox.rest import CallContext

log = structlog.get_logger(__name__)

_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS _sandbox_metadata (type TEXT NOT NULL, full_name TEXT NOT NULL,"
    " content BLOB NOT NULL, PRIMARY KEY (type, full_name))"
)
_META_DDL = "CREATE TABLE IF NOT EXISTS _sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_OUTPUTS_KEY = "lead_output_fields"
_AUDIT = frozenset({"IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                    "LastModifiedById", "SystemModstamp"})  # fmt: skip
_OPTIONS: dict[str, type | tuple[type, ...]] = {
    "allowMissingFiles": bool,
    "autoUpdatePackage": bool,
    "checkOnly": bool,
    "ignoreWarnings": bool,
    "performRetrieve": bool,
    "purgeOnDelete": bool,
    "rollbackOnError": bool,
    "runAllTests": bool,
    "runTests": list,
    "singlePackage": bool,
    "testLevel": str,
}
_TEST_LEVELS = frozenset({"NoTestRun", "RunSpecifiedTests", "RunLocalTests", "RunAllTestsInOrg"})
MAX_FILES = 10_000
MAX_UNZIPPED_BYTES = 600 * 1024 * 1024


# --- the org's schema ------------------------------------------------------------------------


def load_objects(
    conn: sqlite3.Connection, *, output_fields: bool | None = None
) -> dict[str, ObjectDef]:
    """
    The org's objects (by lower-case name): the static schema, without Lead's output fields
    when the org was created without them, plus every custom field deployed since.

    *output_fields* is remembered when the org is new; for an existing org it must match
    (None: whatever it is).

    Raises:
        ConfigError: *output_fields* contradicts what the org was created with.
    """
    conn.execute(_TABLE_DDL)
    conn.execute(_META_DDL)
    row = conn.execute("SELECT value FROM _sandbox_meta WHERE key = ?", (_OUTPUTS_KEY,)).fetchone()
    if row is None:
        state = "absent" if output_fields is False else "present"
        conn.execute("INSERT INTO _sandbox_meta (key, value) VALUES (?, ?)", (_OUTPUTS_KEY, state))
    else:
        state = str(row[0])
        if output_fields is not None and output_fields != (state == "present"):
            have = "with" if state == "present" else "without"
            msg = (
                f"this sandbox org was created {have} the sfsync output fields on Lead; "
                "use a new data directory to start one the other way"
            )
            raise ConfigError(msg)
    return _build_objects(conn, outputs_present=state == "present")


def _stored(conn: sqlite3.Connection, type_name: str) -> dict[str, bytes]:
    return {
        str(name): bytes(content)
        for name, content in conn.execute(
            "SELECT full_name, content FROM _sandbox_metadata WHERE type = ? ORDER BY full_name",
            (type_name,),
        )
    }


def _build_objects(conn: sqlite3.Connection, *, outputs_present: bool) -> dict[str, ObjectDef]:
    deployed: dict[str, dict[str, FieldDef]] = {}
    for full_name, content in _stored(conn, "CustomField").items():
        obj_name, _, name = full_name.partition(".")
        fdef = rules.field_definition(name, ET.fromstring(content))  # noqa: S314 - stored by us
        if fdef is not None:
            deployed.setdefault(obj_name.lower(), {})[name.lower()] = fdef
    hidden = set() if outputs_present else {f.name.lower() for f in schema.OUTPUT_FIELDS}
    objects: dict[str, ObjectDef] = {}
    for key, obj in stored_profile(conn).schema().items():
        extra = dict(deployed.get(key, {}))
        if not extra and (key != "lead" or not hidden):
            objects[key] = obj
            continue
        fields: list[FieldDef] = []
        for fdef in obj.fields:
            lower = fdef.name.lower()
            if lower in extra:
                fields.append(extra.pop(lower))
            elif key != "lead" or lower not in hidden:
                fields.append(fdef)
        first_audit = next(i for i, f in enumerate(fields) if f.name in _AUDIT)
        fields[first_audit:first_audit] = list(extra.values())
        objects[key] = ObjectDef(obj.name, obj.key_prefix, obj.label, tuple(fields), obj.custom)
    return objects


def _history_enabled(conn: sqlite3.Connection, outputs_present: bool) -> dict[str, bool]:
    enabled = {"Lead": outputs_present}
    for name, content in _stored(conn, "CustomObject").items():
        value = ET.fromstring(content).findtext(rules.NS + "enableHistory")  # noqa: S314 - ours
        if value is not None:
            enabled[name] = value.strip() == "true"
    return enabled


def _fields_with_data(conn: sqlite3.Connection, objects: Mapping[str, ObjectDef]) -> frozenset[str]:
    found = set()
    for obj in objects.values():
        for fdef in obj.fields:
            if (
                fdef.custom
                and conn.execute(
                    f'SELECT 1 FROM "{obj.name}" WHERE "{fdef.name}" IS NOT NULL LIMIT 1'  # noqa: S608 - schema names
                ).fetchone()
            ):
                found.add(f"{obj.name}.{fdef.name}")
    return frozenset(found)


def _org_metadata(org: SandboxOrg) -> rules.OrgMetadata:
    conn = org.conn
    present = conn.execute(
        "SELECT value FROM _sandbox_meta WHERE key = ?", (_OUTPUTS_KEY,)
    ).fetchone()
    outputs_present = present is None or present[0] == "present"
    deployed = {
        (str(t), str(n)): bytes(c)
        for t, n, c in conn.execute("SELECT type, full_name, content FROM _sandbox_metadata")
    }
    return rules.OrgMetadata(
        objects=org.objects,
        deployed=deployed,
        history_enabled=_history_enabled(conn, outputs_present),
        fields_with_data=_fields_with_data(conn, org.objects),
    )


# --- the request ------------------------------------------------------------------------------


def _multipart(request: Request) -> dict[str, tuple[dict[str, str], bytes]]:
    content_type = request.header("Content-Type") or ""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/form-data") or match is None:
        raise ApiError(
            400,
            "INVALID_MULTIPART_REQUEST",
            "deployRequest takes multipart/form-data: a JSON part ('json' or 'entity_content') "
            "with deployOptions and a 'file' part with the zip",
        )
    parts: dict[str, tuple[dict[str, str], bytes]] = {}
    for segment in request.body.split(b"--" + match.group(1).encode())[1:]:
        if segment.startswith(b"--"):
            break
        head, sep, content = segment.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        name = re.search(r'name="([^"]*)"', headers.get("content-disposition", ""))
        if name is None:
            continue
        content = content.removesuffix(b"\r\n")
        if headers.get("content-transfer-encoding", "").lower() == "base64":
            content = base64.b64decode(content)
        parts[name.group(1)] = (headers, content)
    return parts


def _options_part(parts: Mapping[str, tuple[dict[str, str], bytes]]) -> bytes | None:
    """The deployOptions part: `json` (Salesforce's docs), `entity_content` (jsforce, sf)."""
    for name in ("json", "entity_content"):
        if name in parts:
            return parts[name][1]
    for name, (headers, content) in parts.items():
        if name != "file" and "json" in headers.get("content-type", "").lower():
            return content
    return None


def _deploy_options(parts: Mapping[str, tuple[dict[str, str], bytes]]) -> dict[str, Any]:
    content = _options_part(parts)
    if content is None:
        raise ApiError(
            400,
            "INVALID_MULTIPART_REQUEST",
            "Missing the JSON part with deployOptions (named 'json' or 'entity_content')",
        )
    try:
        body = json.loads(content or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
    options = body.get("deployOptions", {}) if isinstance(body, dict) else None
    if not isinstance(options, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "deployOptions must be a JSON object")
    return check_options(options)


def check_options(options: dict[str, Any]) -> dict[str, Any]:
    """
    Check deploy options (names and types as the Metadata API's DeployOptions).

    Raises:
        ApiError: JSON_PARSER_ERROR naming the unknown option or wrong type.
    """
    for key, value in options.items():
        kind = _OPTIONS.get(key)
        if kind is None:
            raise ApiError(400, "JSON_PARSER_ERROR", f'Unrecognized field "{key}" in deployOptions')
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ApiError(400, "JSON_PARSER_ERROR", f"deployOptions.{key}: wrong type")
    if options.get("testLevel", "NoTestRun") not in _TEST_LEVELS:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Invalid testLevel: {options['testLevel']}")
    return options


def _unzip(data: bytes, *, single_package: bool) -> tuple[dict[str, bytes], str | None]:
    """The zip's files by package path, or an error message."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return {}, "The 'file' part is not a valid zip file"
    entries = [i for i in archive.infolist() if not i.is_dir()]
    if len(entries) > MAX_FILES:
        return {}, f"The zip file holds more than {MAX_FILES:,} files"
    if sum(i.file_size for i in entries) > MAX_UNZIPPED_BYTES:
        return {}, "The unzipped files are larger than 600 MB"
    files = {i.filename: archive.read(i) for i in entries}
    if any(".." in name.split("/") or name.startswith("/") for name in files):
        return {}, "The zip file holds a path outside its root"
    if not single_package and "package.xml" not in files:
        roots = {name.split("/", 1)[0] for name in files}
        if len(roots) == 1 and all("/" in name for name in files):
            prefix = roots.pop() + "/"
            files = {name.removeprefix(prefix): content for name, content in files.items()}
    return files, None


# --- deploy records ---------------------------------------------------------------------------


@dataclass
class _Deploy:
    id: str
    options: dict[str, Any]
    created: str
    completed: str
    status: str
    check_only: bool
    rollback: bool
    successes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    error_message: str | None = None


def _message(
    c: rules.Component, *, success: bool, created: str, problem: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "changed": success and c.changed,
        "columnNumber": None,
        "componentType": c.type,
        "created": success and c.created,
        "createdDate": created,
        "deleted": False,
        "fileName": c.file_name,
        "fullName": c.full_name,
        "id": None,
        "lineNumber": None,
        "problem": problem,
        "problemType": None if success else "Error",
        "success": success,
    }
    return out


def _standalone(c: rules.Component) -> bytes:
    """A field or list view as its own document, as the org keeps it."""
    assert c.element is not None
    children = {"fields": "CustomField", "listViews": "ListView", "compactLayouts": "CompactLayout"}
    root_tag = children.get(c.element.tag.removeprefix(rules.NS), c.type)
    root = ET.Element(rules.NS + root_tag)
    for child in c.element:
        if c.type == "CustomObject" and child.tag.removeprefix(rules.NS) in children:
            continue
        root.append(copy.deepcopy(child))
    ET.indent(root, space="    ")
    text = ET.tostring(root, encoding="unicode", default_namespace=rules.NAMESPACE)
    return text.encode()


class MetadataDeploys:
    """The org's deploy requests (kept in memory, like Bulk jobs) and how they are applied."""

    def __init__(self, org: SandboxOrg) -> None:
        self.org = org
        self._deploys: dict[str, _Deploy] = {}
        self._lock = threading.Lock()

    def create(self, ctx: CallContext) -> Response:
        """`POST /metadata/deployRequest` → 201, status Pending (the work is done by then)."""
        parts = _multipart(ctx.request)
        options = _deploy_options(parts)
        if "file" not in parts:
            raise ApiError(400, "INVALID_MULTIPART_REQUEST", "Missing the 'file' part (the zip)")
        record = self.deploy(options, parts["file"][1])
        body = self._body(ctx.base, record, include_details=False, pending=True)
        return json_response(201, body)

    def deploy(self, options: dict[str, Any], zip_bytes: bytes) -> _Deploy:
        """Check and (unless checkOnly, or rolled back) apply one deploy; keep its result."""
        check_only = bool(options.get("checkOnly", False))
        rollback = bool(options.get("rollbackOnError", True))
        files, error = _unzip(zip_bytes, single_package=bool(options.get("singlePackage")))
        org = self.org
        with org.lock:
            stamp = org.tick()
            record = _Deploy(new_id("0Af"), options, stamp, stamp, "Failed", check_only, rollback)
            if error is not None:
                record.error_message = error
            else:
                self._run(record, files)
            record.completed = org.tick()
        with self._lock:
            self._deploys[record.id] = record
        log.info(
            "sfsync.sandbox.deploy_finished",
            deploy_id=record.id,
            status=record.status,
            check_only=check_only,
            failures=len(record.failures),
        )
        return record

    def find(self, deploy_id: str) -> _Deploy | None:
        """A deploy by its 15- or 18-character Id."""
        with self._lock:
            return self._deploys.get(deploy_id) or next(
                (d for key, d in self._deploys.items() if key[:15] == deploy_id[:15]), None
            )

    def result(self, record: _Deploy, *, include_details: bool) -> dict[str, Any]:
        """The finished DeployResult (the REST body's `deployResult`)."""
        body = self._body("", record, include_details=include_details, pending=False)
        result: dict[str, Any] = body["deployResult"]
        return result

    def status(self, ctx: CallContext, deploy_id: str) -> Response:
        """`GET /metadata/deployRequest/{id}[?includeDetails=true]`."""
        record = self.find(deploy_id)
        if record is None:
            raise not_found()
        details = (ctx.request.param("includeDetails") or "").lower() == "true"
        body = self._body(ctx.base, record, include_details=details, pending=False)
        return json_response(200, body)

    def _run(self, record: _Deploy, files: Mapping[str, bytes]) -> None:
        org = self.org
        plan = metadata_package.plan_deploy(files, _org_metadata(org))
        failed = plan.failed
        good = [c for c in plan.components if not c.problems]
        record.total = len(plan.components)
        for c in failed:
            for problem in c.problems:
                record.failures.append(_message(c, success=False, created=record.created,
                                                problem=problem))  # fmt: skip
        for c in good:
            record.successes.append(_message(c, success=True, created=record.created))
        if failed and (record.rollback or not good):
            record.status = "Failed"
            return
        if plan.api_version is not None and not failed:
            package = rules.Component("", "package.xml", "package.xml")
            record.successes.insert(0, _message(package, success=True, created=record.created))
        record.status = "SucceededPartial" if failed else "Succeeded"
        if not record.check_only:
            self._apply(good)

    def _apply(self, components: list[rules.Component]) -> None:
        org = self.org
        conn = org.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for c in components:
                conn.execute(
                    "INSERT INTO _sandbox_metadata (type, full_name, content) VALUES (?, ?, ?)"
                    " ON CONFLICT (type, full_name) DO UPDATE SET content = excluded.content",
                    (c.type, c.full_name, _standalone(c)),
                )
                if c.type == "CustomField" and c.field_def is not None:
                    _add_column(conn, org.objects[c.object_name.lower()], c.field_def)
            # A deployed permission set is a PermissionSet record (`sf org assign permset`).
            setup_rows.ensure_permission_sets(conn, stamp=org.tick(), user_id=org.user_id)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        org.objects = load_objects(conn)

    def _body(
        self, base: str, record: _Deploy, *, include_details: bool, pending: bool
    ) -> dict[str, Any]:
        done = not pending
        ok = record.status in ("Succeeded", "SucceededPartial")
        errors = len({(f["componentType"], f["fullName"]) for f in record.failures})
        result: dict[str, Any] = {
            "canceledBy": None,
            "canceledByName": None,
            "checkOnly": record.check_only,
            "completedDate": record.completed if done else None,
            "createdBy": self.org.user_id,
            "createdByName": "sfsync Integration",
            "createdDate": record.created,
            "details": None,
            "done": done,
            "errorMessage": record.error_message if done else None,
            "errorStatusCode": ("UNKNOWN_EXCEPTION" if record.error_message else None)
            if done
            else None,
            "id": record.id,
            "ignoreWarnings": bool(record.options.get("ignoreWarnings", False)),
            "lastModifiedDate": record.completed if done else record.created,
            "numberComponentErrors": errors if done else 0,
            "numberComponentsDeployed": (
                len([s for s in record.successes if s["componentType"]]) if done and ok else 0
            ),
            "numberComponentsTotal": record.total if done else 0,
            "numberTestErrors": 0,
            "numberTestsCompleted": 0,
            "numberTestsTotal": 0,
            "rollbackOnError": record.rollback,
            "runTestsEnabled": False,
            "startDate": record.created,
            "stateDetail": None,
            "status": record.status if done else "Pending",
            "success": ok if done else False,
        }
        if include_details and done:
            result["details"] = {
                "componentFailures": record.failures,
                "componentSuccesses": record.successes,
                "runTestResult": {
                    "numFailures": 0,
                    "numTestsRun": 0,
                    "totalTime": 0.0,
                    "codeCoverage": [],
                    "failures": [],
                    "successes": [],
                },
            }
        return {
            "validatedDeployRequestId": None,
            "deployOptions": record.options,
            "deployResult": result,
            "id": record.id,
            "url": f"{base}/metadata/deployRequest/{record.id}",
        }


def _add_column(conn: sqlite3.Connection, obj: ObjectDef, fdef: FieldDef) -> None:
    columns = {str(r[1]).lower() for r in conn.execute(f'PRAGMA table_info("{obj.name}")')}
    if fdef.name.lower() not in columns:
        conn.execute(f'ALTER TABLE "{obj.name}" ADD COLUMN "{fdef.name}" {fdef.sql_type}')
    if fdef.type == schema.BOOLEAN:  # a new checkbox is false on every record, not null
        conn.execute(f'UPDATE "{obj.name}" SET "{fdef.name}" = 0 WHERE "{fdef.name}" IS NULL')  # noqa: S608 - schema names
