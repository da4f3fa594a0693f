"""
The REST API resources under `/services/data/vXX.X/`: versions, resources, limits, query and
queryAll with server-side cursors, sObject CRUD, describe and sObject Collections — in
Salesforce's own response shapes (see tests/fixtures/salesforce/).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sfsync.sandbox import describe, schema
from sfsync.sandbox.columns import column_metadata
from sfsync.sandbox.ids import new_id, normalize_id
from sfsync.sandbox.org import SandboxOrg, SaveResult, WriteOp
from sfsync.sandbox.protocol import (
    ApiError,
    Request,
    Response,
    empty_response,
    error_body,
    json_response,
    not_found,
)
from sfsync.sandbox.schema import ObjectDef
from sfsync.sandbox.soql import SoqlError, parse
from sfsync.sandbox.values import ValueTypeError, json_to_storage, storage_to_json, type_name

# The API versions this org answers (Summer '14 .. Summer '25), as `GET /services/data/` lists them.
MIN_VERSION, MAX_VERSION = 31, 64
_SEASONS = ("Winter", "Spring", "Summer")
MAX_COLLECTION = 200
DEFAULT_BATCH, MIN_BATCH = 2000, 200
CURSOR_TTL_SECONDS = 15 * 60
MAX_CURSORS = 100

# /limits: everything but DailyApiRequests is static, as in limits_response.json.
_STATIC_LIMITS: dict[str, tuple[int, int]] = {
    "ConcurrentAsyncGetReportInstances": (200, 200),
    "ConcurrentSyncReportRuns": (20, 20),
    "DailyAsyncApexExecutions": (250000, 250000),
    "DailyBulkApiRequests": (5000, 5000),
    "DailyDurableGenericStreamingApiEvents": (10000, 10000),
    "DailyDurableStreamingApiEvents": (10000, 10000),
    "DailyGenericStreamingApiEvents": (10000, 10000),
    "DailyStreamingApiEvents": (10000, 10000),
    "DailyWorkflowEmails": (390, 390),
    "DataStorageMB": (5, 5),
    "DurableStreamingApiConcurrentClients": (20, 20),
    "FileStorageMB": (20, 20),
    "HourlyAsyncReportRuns": (1200, 1200),
    "HourlyDashboardRefreshes": (200, 200),
    "HourlyDashboardResults": (5000, 5000),
    "HourlyDashboardStatuses": (999999999, 999999999),
    "HourlyODataCallout": (10000, 10000),
    "HourlySyncReportRuns": (500, 500),
    "HourlyTimeBasedWorkflow": (50, 50),
    "MassEmail": (10, 10),
    "SingleEmail": (15, 15),
    "StreamingApiConcurrentClients": (20, 20),
}


def _release_label(major: int) -> str:
    # v20.0 was Winter '11; three releases a year, Winter first.
    step = major - 20
    return f"{_SEASONS[step % 3]} '{11 + step // 3:02d}"


def versions() -> list[dict[str, str]]:
    """`GET /services/data/`: every supported API version."""
    return [
        {"label": _release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(MIN_VERSION, MAX_VERSION + 1)
    ]


def is_supported_version(version: str) -> bool:
    """Whether `vXX.X` names a version this org serves."""
    try:
        major, minor = version.split(".")
        return minor == "0" and MIN_VERSION <= int(major) <= MAX_VERSION
    except ValueError:
        return False


@dataclass
class CallContext:
    """What a resource handler needs: the request, the org and the URL's API version."""

    request: Request
    org: SandboxOrg
    version: str

    @property
    def base(self) -> str:
        """`/services/data/vXX.X`."""
        return f"/services/data/v{self.version}"

    @property
    def auto_assign(self) -> bool:
        """False when the request says `Sforce-Auto-Assign: FALSE`."""
        return (self.request.header("Sforce-Auto-Assign") or "TRUE").strip().lower() != "false"


def resources(ctx: CallContext) -> Response:
    """`GET /services/data/vXX.X/`."""
    names = (
        "tooling",
        "metadata",
        "eclair",
        "folders",
        "prechatForms",
        "contact-tracing",
        "jsonxform",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "commerce",
        "wave",
        "iot",
        "analytics",
        "search",
        "identity",
        "composite",
        "parameterizedSearch",
        "fingerprint",
        "theme",
        "nouns",
        "domino",
        "event",
        "serviceTemplates",
        "recent",
        "connect",
        "licensing",
        "limits",
        "process",
        "async-queries",
        "query",
        "match",
        "emailConnect",
        "compactLayouts",
        "knowledgeManagement",
        "sobjects",
        "actions",
        "support",
        "jobs",
    )
    body = {n: f"{ctx.base}/{n}" for n in names}
    host = ctx.request.header("Host") or "127.0.0.1"
    body["identity"] = f"https://{host}/id/{ctx.org.org_id}/{ctx.org.user_id}"
    return json_response(200, body)


def limits(ctx: CallContext) -> Response:
    """`GET /limits/`: DailyApiRequests reflects every counted call."""
    org = ctx.org
    body: dict[str, dict[str, int]] = {}
    for name, (mx, remaining) in _STATIC_LIMITS.items():
        body[name] = {"Max": mx, "Remaining": remaining}
    body["DailyApiRequests"] = {
        "Max": org.daily_api_limit,
        "Remaining": max(0, org.daily_api_limit - org.api_usage),
    }
    return json_response(200, dict(sorted(body.items())))


# --- query -----------------------------------------------------------------------------------


@dataclass
class _Cursor:
    rows: list[dict[str, Any]]
    total: int
    batch: int
    endpoint: str
    touched: float


class QueryCursors:
    """Server-side query cursors behind `nextRecordsUrl` (expire after 15 idle minutes)."""

    def __init__(self) -> None:
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, cursor: _Cursor) -> str:
        """Keep *cursor* and return its locator Id."""
        locator = new_id("01g")
        with self._lock:
            self._expire()
            self._cursors[locator] = cursor
            while len(self._cursors) > MAX_CURSORS:
                self._cursors.popitem(last=False)
        return locator

    def get(self, locator: str) -> _Cursor | None:
        """The cursor for *locator*, if it is still open."""
        with self._lock:
            self._expire()
            cursor = self._cursors.get(locator)
            if cursor is not None:
                cursor.touched = time.monotonic()
                self._cursors.move_to_end(locator)
            return cursor

    def close(self, locator: str) -> None:
        """Forget a fully read cursor."""
        with self._lock:
            self._cursors.pop(locator, None)

    def _expire(self) -> None:
        limit = time.monotonic() - CURSOR_TTL_SECONDS
        for key in [k for k, c in self._cursors.items() if c.touched < limit]:
            del self._cursors[key]


def _batch_size(request: Request) -> int:
    # Sforce-Query-Options: batchSize=N (200..2000; Salesforce treats it as a hint).
    options = request.header("Sforce-Query-Options") or ""
    for part in options.split(","):
        key, _, value = part.partition("=")
        if key.strip().lower() == "batchsize":
            try:
                return min(DEFAULT_BATCH, max(MIN_BATCH, int(value.strip())))
            except ValueError:
                raise ApiError(
                    400, "INVALID_QUERY_FILTER_OPERATOR", f"Invalid batchSize: {value.strip()}"
                ) from None
    return DEFAULT_BATCH


def _page(
    ctx: CallContext, cursors: QueryCursors, locator: str | None, cursor: _Cursor, offset: int
) -> Response:
    end = offset + cursor.batch
    body: dict[str, Any] = {"totalSize": cursor.total, "done": end >= len(cursor.rows)}
    if not body["done"]:
        if locator is None:
            locator = cursors.open(cursor)
        body["nextRecordsUrl"] = f"{ctx.base}/{cursor.endpoint}/{locator}-{end}"
    elif locator is not None:
        cursors.close(locator)
    body["records"] = cursor.rows[offset:end]
    return json_response(200, body, records=len(body["records"]))


def query(ctx: CallContext, cursors: QueryCursors, endpoint: str) -> Response:
    """`GET /query?q=` and `GET /queryAll?q=`: the first page."""
    soql = ctx.request.param("q")
    if soql is None:
        raise ApiError(400, "MALFORMED_QUERY", "A query string must be provided.")
    if (ctx.request.param("columns") or "").lower() == "true":
        try:
            return json_response(200, column_metadata(parse(soql)))
        except SoqlError as exc:
            raise ApiError(400, exc.error_code, exc.message) from None
    batch = _batch_size(ctx.request)
    try:
        result = ctx.org.query(
            soql, include_deleted=endpoint == "queryAll", api_version=ctx.version
        )
    except SoqlError as exc:
        raise ApiError(400, exc.error_code, exc.message) from None
    cursor = _Cursor(result.rows, result.total_size, batch, endpoint, time.monotonic())
    return _page(ctx, cursors, None, cursor, 0)


def query_more(ctx: CallContext, cursors: QueryCursors, locator_path: str) -> Response:
    """`GET /query/01g...-2000`: the next page of an open cursor."""
    locator, _, offset_text = locator_path.rpartition("-")
    cursor = cursors.get(locator) if locator else None
    if cursor is None or not offset_text.isdigit() or int(offset_text) > len(cursor.rows):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(ctx, cursors, locator, cursor, int(offset_text))


# --- sObjects --------------------------------------------------------------------------------


def object_or_404(name: str) -> ObjectDef:
    """The object named in the URL, or Salesforce's 404."""
    obj = schema.get_object(name)
    if obj is None:
        raise not_found()
    return obj


def _token_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    return "VALUE_STRING"


def record_values(obj: ObjectDef, record: dict[str, Any]) -> dict[str, Any]:
    """
    A JSON record's fields in storage form (`attributes` and `id` keys excluded).

    Raises:
        ApiError: INVALID_FIELD for an unknown field, JSON_PARSER_ERROR for a value of the
            wrong type — Salesforce rejects the whole request for both.
    """
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes" or key.lower() == "id":
            continue
        fdef = obj.get(key)
        if fdef is None:
            raise ApiError(
                400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}"
            )
        try:
            out[fdef.name] = json_to_storage(fdef, value)
        except ValueTypeError:
            raise ApiError(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {type_name(fdef)} from {_token_kind(value)} value"
                f" {value} or request may be missing a required field",
            ) from None
    return out


def record_json(
    obj: ObjectDef, row: dict[str, Any], version: str, fields: list[str] | None = None
) -> dict[str, Any]:
    """A stored row as the REST API returns a record."""
    out: dict[str, Any] = {
        "attributes": {
            "type": obj.name,
            "url": f"/services/data/v{version}/sobjects/{obj.name}/{row['Id']}",
        }
    }
    chosen = [obj.by_name[f.lower()] for f in fields] if fields else list(obj.fields)
    for fdef in chosen:
        out[fdef.name] = storage_to_json(fdef, row.get(fdef.name))
    return out


def _single_error(result: SaveResult) -> ApiError:
    error = result.errors[0]
    if error.status_code == "INVALID_CROSS_REFERENCE_KEY" and not error.fields:
        return not_found()
    status = 404 if error.status_code == "ENTITY_IS_DELETED" else 400
    return ApiError(status, error.status_code, error.message, fields=list(error.fields))


def _single_id(obj: ObjectDef, record_id: str) -> str:
    normalized = normalize_id(record_id)
    if normalized is None or not normalized.startswith(obj.key_prefix):
        raise ApiError(
            404,
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {record_id}",
        )
    return normalized


def sobject_info(ctx: CallContext, obj: ObjectDef) -> Response:
    """`GET /sobjects/{type}/`."""
    return json_response(
        200, {"objectDescribe": describe.sobject_summary(obj, ctx.version), "recentItems": []}
    )


def create(ctx: CallContext, obj: ObjectDef) -> Response:
    """`POST /sobjects/{type}/` → 201 `{"id", "success", "errors"}`."""
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from START_ARRAY"
        )
    if any(k.lower() == "id" for k in body):
        raise ApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", fields=[])
    op = WriteOp("insert", obj, None, record_values(obj, body))
    (result,) = ctx.org.save([op], auto_assign=ctx.auto_assign)
    if not result.success:
        raise _single_error(result)
    return json_response(201, {"id": result.id, "success": True, "errors": []}, records=1)


def get_record(ctx: CallContext, obj: ObjectDef, record_id: str) -> Response:
    """`GET /sobjects/{type}/{id}[?fields=a,b]`."""
    row = ctx.org.get_row(obj, _single_id(obj, record_id))
    if row is None:
        raise not_found()
    if row.get("IsDeleted"):
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", fields=[])
    fields_param = ctx.request.param("fields")
    fields = [f.strip() for f in fields_param.split(",") if f.strip()] if fields_param else None
    for name in fields or []:
        if obj.get(name) is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{obj.name}'."
                " If you are attempting to use a custom field, be sure to append the"
                " '__c' after the custom field name. Please reference your WSDL or the"
                " describe call for the appropriate names.",
            )
    return json_response(200, record_json(obj, row, ctx.version, fields), records=1)


def update(ctx: CallContext, obj: ObjectDef, record_id: str) -> Response:
    """`PATCH /sobjects/{type}/{id}` → 204."""
    body = ctx.request.json()
    if not isinstance(body, dict):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from START_ARRAY"
        )
    op = WriteOp("update", obj, _single_id(obj, record_id), record_values(obj, body))
    (result,) = ctx.org.save([op], auto_assign=ctx.auto_assign)
    if not result.success:
        raise _single_error(result)
    return empty_response(204, records=1)


def delete(ctx: CallContext, obj: ObjectDef, record_id: str) -> Response:
    """`DELETE /sobjects/{type}/{id}` → 204 (soft delete: queryAll still sees the row)."""
    op = WriteOp("delete", obj, _single_id(obj, record_id))
    (result,) = ctx.org.save([op])
    if not result.success:
        raise _single_error(result)
    return empty_response(204, records=1)


# --- sObject Collections ---------------------------------------------------------------------


def _collection_body(ctx: CallContext) -> tuple[bool, list[dict[str, Any]]]:
    body = ctx.request.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of sObject collection;"
            " expected an object with a records list",
        )
    records = body["records"]
    if len(records) > MAX_COLLECTION:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "Cannot deserialize instance of boolean for allOrNone"
        )
    for record in records:
        if not isinstance(record, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject")
    return all_or_none, records


def _record_object(record: dict[str, Any]) -> ObjectDef:
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(name, str):
        raise ApiError(
            400,
            "INVALID_TYPE",
            "Must send a concrete entity type in the attributes map of each record",
        )
    obj = schema.get_object(name)
    if obj is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return obj


def _results(results: list[SaveResult]) -> Response:
    ok = sum(1 for r in results if r.success)
    return json_response(200, [r.to_json() for r in results], records=ok)


def collection_create(ctx: CallContext) -> Response:
    """`POST /composite/sobjects`: up to 200 inserts, SaveResults in request order."""
    all_or_none, records = _collection_body(ctx)
    ops = []
    for record in records:
        obj = _record_object(record)
        has_id = any(k.lower() == "id" for k in record)
        values = record_values(obj, record)
        # An Id in an insert fails only that record; pass it through so save() reports it.
        ops.append(
            WriteOp("insert", obj, None, {**values, "Id": record.get("id")} if has_id else values)
        )
    return _results(ctx.org.save(ops, all_or_none=all_or_none, auto_assign=ctx.auto_assign))


def collection_update(ctx: CallContext) -> Response:
    """`PATCH /composite/sobjects`: up to 200 updates, SaveResults in request order."""
    all_or_none, records = _collection_body(ctx)
    ops = []
    for record in records:
        obj = _record_object(record)
        record_id = next((v for k, v in record.items() if k.lower() == "id"), None)
        ops.append(
            WriteOp(
                "update",
                obj,
                None if record_id is None else str(record_id),
                record_values(obj, record),
            )
        )
    return _results(ctx.org.save(ops, all_or_none=all_or_none, auto_assign=ctx.auto_assign))


def collection_delete(ctx: CallContext) -> Response:
    """`DELETE /composite/sobjects?ids=a,b&allOrNone=false`."""
    ids = [i for i in (ctx.request.param("ids") or "").split(",") if i]
    if not ids:
        raise ApiError(400, "MISSING_ARGUMENT", "The ids parameter is required")
    if len(ids) > MAX_COLLECTION:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    all_or_none = (ctx.request.param("allOrNone") or "false").lower() == "true"
    ops = []
    for record_id in ids:
        normalized = normalize_id(record_id)
        obj = next(
            (
                o
                for o in schema.active_objects().values()
                if normalized and normalized.startswith(o.key_prefix)
            ),
            schema.LEAD,
        )
        ops.append(WriteOp("delete", obj, record_id))
    return _results(ctx.org.save(ops, all_or_none=all_or_none))


def method_not_allowed(method: str, allowed: str) -> Response:
    """Salesforce's 405 answer."""
    return json_response(
        405,
        error_body(
            "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
        ),
    )
