"""
Bulk API 2.0 under `/services/data/vXX.X/jobs/`: query jobs (CSV results paged by locator) and
ingest jobs (CSV upload, then per-record results), in the shapes simple-salesforce's `bulk2`
module and Salesforce's docs use.

Jobs live in memory (a restart forgets them). A query runs when its job is created (a snapshot,
like a real job that starts at once); an ingest job runs when it is closed (`UploadComplete`).
Either reports `InProgress` until the fault spec's `bulk_job_delay_seconds` have passed and,
with the org's `bulk_latency` on, for as long as a real org would take over that many records
(`base + records / rate`, counted from creation for a query, from the close for an ingest
job); a query's results asked for before then answer 412 JOB_NOT_COMPLETE, as Salesforce does.
`GET /jobs/query` (and `/jobs/ingest`) list every job in Salesforce's shape, 1,000 per page
with `done` / `nextRecordsUrl` paging.
"""

from __future__ import annotations

import base64
import csv
import io
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from sfsync.sandbox import schema
from sfsync.sandbox.ids import new_id
from sfsync.sandbox.org import SandboxOrg, WriteOp
from sfsync.sandbox.protocol import (
    CSV_TYPE,
    ApiError,
    Response,
    empty_response,
    json_response,
    not_found,
)
from sfsync.sandbox.rest import CallContext
from sfsync.sandbox.schema import ObjectDef
from sfsync.sandbox.soql import FieldPath, SoqlError, parse
from sfsync.sandbox.values import ValueTypeError, csv_to_storage, json_to_csv

log = structlog.get_logger(__name__)

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete")
WRITE_CHUNK = 200  # records per internal transaction, like Salesforce's 200-record chunks
LIST_PAGE_SIZE = 1000  # jobs per page of GET /jobs/{query|ingest}, Salesforce's maximum
MAX_LISTINGS = 100  # listing locators kept for their next page
JOB_TYPES = {"V2Query", "V2Ingest", "Classic", "BigObjectIngest"}
_JOB_NOT_COMPLETE = (
    "can only download query results of successfully completed bulk job with status:"
    " JOB_COMPLETE. Current status: {status}"
)


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str) -> int:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded.encode(), validate=True).decode())
    except ValueError:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


@dataclass
class _Job:
    id: str
    operation: str
    object: str
    api_version: str
    created: str
    column_delimiter: str
    line_ending: str
    ready_at: float = 0.0
    state: str = "Open"
    modstamp: str = ""
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def base_info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": "",
            "createdDate": self.created,
            "systemModstamp": self.modstamp or self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
        }

    def millis(self) -> int:
        end = self.finished if self.finished is not None else time.monotonic()
        return int((end - self.started) * 1000)


@dataclass
class QueryJob(_Job):
    """A Bulk 2.0 query job and its rendered CSV rows."""

    header: str = ""
    lines: list[str] = field(default_factory=list)

    def refresh(self) -> None:
        """Move InProgress/UploadComplete to JobComplete once the delay has passed."""
        if self.state in ("UploadComplete", "InProgress"):
            self.state = "JobComplete" if time.monotonic() >= self.ready_at else "InProgress"


@dataclass
class IngestJob(_Job):
    """A Bulk 2.0 ingest job, its uploaded CSV and per-record results."""

    auto_assign: bool = True
    external_id: str | None = None
    data: list[str] = field(default_factory=list)
    raw_header: str = ""
    successes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unprocessed: list[str] = field(default_factory=list)
    error_message: str | None = None

    def refresh(self) -> None:
        """Report InProgress until the delay has passed, then the final state."""
        if self.state == "InProgress" and time.monotonic() >= self.ready_at:
            self.state = "Failed" if self.error_message else "JobComplete"


def _split_records(text: str) -> list[str]:
    """Split CSV text into raw record texts (quoted fields may span lines)."""
    records: list[str] = []
    pending: list[str] = []
    quotes = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        pending.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            records.append("\n".join(pending))
            pending, quotes = [], 0
    if pending:
        records.append("\n".join(pending))
    while records and records[-1] == "":
        records.pop()
    return records


def _parse_row(raw: str, delimiter: str) -> list[str]:
    return next(csv.reader([raw] if "\n" not in raw else io.StringIO(raw), delimiter=delimiter), [])


class BulkJobs:
    """Every Bulk 2.0 job of the org, and the resource handlers that drive them."""

    def __init__(self, org: SandboxOrg) -> None:
        self.org = org
        self._jobs: dict[str, QueryJob | IngestJob] = {}
        self._lock = threading.Lock()
        self.list_page_size = LIST_PAGE_SIZE
        # Job listings beyond their first page: locator -> (ids still to list, kind).
        self._listings: dict[str, tuple[list[str], type[QueryJob] | type[IngestJob]]] = {}

    def _new_job_fields(self, ctx: CallContext, body: dict[str, Any]) -> dict[str, Any]:
        delimiter = body.get("columnDelimiter", "COMMA")
        line_ending = body.get("lineEnding", "LF")
        if delimiter not in DELIMITERS:
            raise ApiError(400, "INVALIDJOB", f"Invalid column delimiter: {delimiter}")
        if line_ending not in LINE_ENDINGS:
            raise ApiError(400, "INVALIDJOB", f"Invalid line ending: {line_ending}")
        if body.get("contentType", "CSV") != "CSV":
            raise ApiError(400, "INVALIDJOB", f"Invalid content type: {body.get('contentType')}")
        stamp = self.org.tick()
        return {
            "id": new_id("750"),
            "api_version": ctx.version,
            "created": stamp,
            "column_delimiter": delimiter,
            "line_ending": line_ending,
            "ready_at": time.monotonic() + self.org.faults.spec.bulk_job_delay_seconds,
        }

    def _job(self, job_id: str, kind: type[QueryJob] | type[IngestJob]) -> Any:
        with self._lock:
            job = self._jobs.get(job_id)
        if not isinstance(job, kind):
            raise not_found()
        job.refresh()
        return job

    # --- query jobs ------------------------------------------------------------------------

    def create_query(self, ctx: CallContext) -> Response:
        """`POST /jobs/query` → 200 job info in state UploadComplete."""
        body = ctx.request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of job request")
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise ApiError(400, "INVALIDJOB", f"Invalid operation for a query job: {operation}")
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise ApiError(400, "INVALIDJOB", "A query is required for a query job")
        created = time.monotonic()
        job_fields = self._new_job_fields(ctx, body)
        try:
            parsed = parse(soql)
        except SoqlError as exc:
            raise ApiError(400, exc.error_code, exc.message) from None
        if parsed.is_count or parsed.counts:
            raise ApiError(400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0")
        try:
            result = self.org.query(
                soql, include_deleted=operation == "queryAll", api_version=ctx.version
            )
        except SoqlError as exc:
            raise ApiError(400, exc.error_code, exc.message) from None
        job = QueryJob(operation=operation, object=parsed.object.name, **job_fields)
        job.header, job.lines = _render(parsed.fields, result.rows, job)
        processing = self.org.bulk_latency.query.seconds(len(job.lines))
        job.ready_at = max(job.ready_at, created + processing)
        job.state = "UploadComplete"
        job.finished = time.monotonic()
        with self._lock:
            self._jobs[job.id] = job
        info = job.base_info()
        info.update(lineEnding=job.line_ending, columnDelimiter=job.column_delimiter)
        job.state = "InProgress"
        return json_response(200, info)

    def query_info(self, ctx: CallContext, job_id: str) -> Response:
        """`GET /jobs/query/{id}`."""
        job: QueryJob = self._job(job_id, QueryJob)
        return json_response(200, self._query_info(job))

    def _query_info(self, job: QueryJob) -> dict[str, Any]:
        info = job.base_info()
        done = job.state == "JobComplete"
        info.update(
            jobType="V2Query",
            lineEnding=job.line_ending,
            columnDelimiter=job.column_delimiter,
            numberRecordsProcessed=len(job.lines) if done else 0,
            retries=0,
            totalProcessingTime=job.millis() if done else 0,
            isPkChunkingSupported=True,
        )
        return info

    def query_results(self, ctx: CallContext, job_id: str) -> Response:
        """`GET /jobs/query/{id}/results?maxRecords=&locator=` → one CSV page."""
        job: QueryJob = self._job(job_id, QueryJob)
        if job.state != "JobComplete":
            status = {"InProgress": "IN_PROGRESS", "Aborted": "ABORTED"}.get(
                job.state, job.state.upper()
            )
            raise ApiError(412, "JOB_NOT_COMPLETE", _JOB_NOT_COMPLETE.format(status=status))
        max_text = ctx.request.param("maxRecords")
        try:
            max_records = int(max_text) if max_text else len(job.lines) or 1
        except ValueError:
            max_records = 0
        if max_records <= 0:
            raise ApiError(400, "INVALIDMAXRECORDS", f"Invalid maxRecords: {max_text}")
        locator = ctx.request.param("locator")
        start = _offset(locator) if locator and locator != "null" else 0
        page = job.lines[start : start + max_records]
        end = start + len(page)
        body = (job.header + "".join(page)).encode()
        return Response(
            200,
            body,
            CSV_TYPE,
            records=len(page),
            headers={
                "Sforce-NumberOfRecords": str(len(page)),
                "Sforce-Locator": _locator(end) if end < len(job.lines) else "null",
            },
        )

    def abort_or_close(
        self, ctx: CallContext, job_id: str, kind: type[QueryJob] | type[IngestJob]
    ) -> Response:
        """`PATCH /jobs/{query|ingest}/{id}` with `{"state": ...}`."""
        job = self._job(job_id, kind)
        body = ctx.request.json()
        state = body.get("state") if isinstance(body, dict) else None
        if state == "Aborted":
            if job.state in ("JobComplete", "Failed", "Aborted"):
                raise ApiError(
                    400, "INVALIDJOBSTATE", f"Job with state {job.state} cannot be aborted"
                )
            job.state = "Aborted"
            job.modstamp = self.org.tick()
        elif state == "UploadComplete" and isinstance(job, IngestJob):
            job.auto_assign = job.auto_assign and ctx.auto_assign
            if job.state != "Open":
                raise ApiError(
                    400, "INVALIDJOBSTATE", f"Job with state {job.state} cannot be closed"
                )
            closed = time.monotonic()
            job.state = "UploadComplete"
            answer = self._ingest_info(job, short=True)
            self._process(job)
            processing = self.org.bulk_latency.ingest.seconds(len(job.data))
            job.ready_at = max(job.ready_at, closed + processing)
            return json_response(200, answer, records=len(job.successes))
        else:
            raise ApiError(400, "INVALIDJOBSTATE", f"Invalid state change: {state}")
        info = (
            self._query_info(job)
            if isinstance(job, QueryJob)
            else self._ingest_info(job, short=True)
        )
        return json_response(200, info)

    def delete(
        self, ctx: CallContext, job_id: str, kind: type[QueryJob] | type[IngestJob]
    ) -> Response:
        """`DELETE /jobs/{query|ingest}/{id}` → 204."""
        job = self._job(job_id, kind)
        if job.state in ("Open", "UploadComplete", "InProgress"):
            raise ApiError(400, "INVALIDJOBSTATE", f"Job with state {job.state} cannot be deleted")
        with self._lock:
            self._jobs.pop(job_id, None)
        return empty_response(204)

    def list_jobs(self, ctx: CallContext, kind: type[QueryJob] | type[IngestJob]) -> Response:
        """
        `GET /jobs/{query|ingest}[?jobType=&queryLocator=]`: every job of that kind, oldest
        first, `list_page_size` per page; `nextRecordsUrl` carries the `queryLocator` of the
        next page (the order and page contents are fixed when the first page is asked for).
        """
        locator = ctx.request.param("queryLocator")
        if locator:
            with self._lock:
                listing = self._listings.get(locator)
            if listing is None or listing[1] is not kind:
                raise ApiError(400, "INVALID_QUERY_LOCATOR", f"Invalid query locator: {locator}")
            ids = listing[0]
        else:
            job_type = ctx.request.param("jobType")
            if job_type is not None and job_type not in JOB_TYPES:
                raise ApiError(400, "INVALIDJOB", f"Invalid jobType: {job_type}")
            own_type = "V2Query" if kind is QueryJob else "V2Ingest"
            with self._lock:
                ids = [
                    j.id
                    for j in self._jobs.values()
                    if isinstance(j, kind) and job_type in (None, own_type)
                ]
        page, rest = ids[: self.list_page_size], ids[self.list_page_size :]
        records = []
        for job_id in page:
            with self._lock:
                job = self._jobs.get(job_id)
            if job is None:  # deleted since the listing began
                continue
            job.refresh()
            records.append(self._list_info(job))
        next_url = None
        if rest:
            token = f"{new_id('01g')}-{len(ids) - len(rest)}"
            with self._lock:
                self._listings[token] = (rest, kind)
                while len(self._listings) > MAX_LISTINGS:  # a page may be asked for again
                    del self._listings[next(iter(self._listings))]
            path = "query" if kind is QueryJob else "ingest"
            next_url = f"/services/data/v{ctx.version}/jobs/{path}?queryLocator={token}"
        body = {"done": next_url is None, "records": records, "nextRecordsUrl": next_url}
        return json_response(200, body)

    @staticmethod
    def _list_info(job: QueryJob | IngestJob) -> dict[str, Any]:
        """A job as the all-jobs listing shows it: no record counts or timings."""
        info = job.base_info()
        if isinstance(job, IngestJob) and job.external_id:
            info["externalIdFieldName"] = job.external_id
        info.update(
            jobType="V2Query" if isinstance(job, QueryJob) else "V2Ingest",
            lineEnding=job.line_ending,
            columnDelimiter=job.column_delimiter,
        )
        return info

    # --- ingest jobs -----------------------------------------------------------------------

    def create_ingest(self, ctx: CallContext) -> Response:
        """`POST /jobs/ingest` → 200 job info in state Open, with its contentUrl."""
        body = ctx.request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of job request")
        obj = schema.get_object(str(body.get("object", "")))
        if obj is None:
            raise ApiError(
                400,
                "INVALIDJOB",
                f"InvalidJob : Entity: {body.get('object')} is not supported by the Bulk API.",
            )
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS:
            raise ApiError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        external_id = body.get("externalIdFieldName")
        if operation == "upsert" and (external_id or "").lower() != "id":
            raise ApiError(
                400,
                "INVALIDJOB",
                "InvalidJob : the sandbox org supports upsert on externalIdFieldName Id only",
            )
        job = IngestJob(
            operation=operation,
            object=obj.name,
            auto_assign=ctx.auto_assign,
            external_id=external_id,
            **self._new_job_fields(ctx, body),
        )
        with self._lock:
            self._jobs[job.id] = job
        info = job.base_info()
        if external_id:
            info["externalIdFieldName"] = external_id
        info.update(
            contentUrl=f"services/data/v{ctx.version}/jobs/ingest/{job.id}/batches",
            lineEnding=job.line_ending,
            columnDelimiter=job.column_delimiter,
        )
        return json_response(200, info)

    def upload(self, ctx: CallContext, job_id: str) -> Response:
        """`PUT /jobs/ingest/{id}/batches` (text/csv) → 201."""
        job: IngestJob = self._job(job_id, IngestJob)
        if job.state != "Open":
            raise ApiError(409, "INVALIDJOBSTATE", f"Job {job.id} is not Open (state {job.state})")
        content_type = (ctx.request.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "text/csv":
            raise ApiError(400, "INVALIDCONTENTTYPE", f"Invalid Content-Type: {content_type}")
        job.auto_assign = job.auto_assign and ctx.auto_assign
        try:
            text = ctx.request.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(400, "INVALIDBATCH", "The CSV data is not valid UTF-8") from None
        records = _split_records(text)
        if not records:
            raise ApiError(400, "INVALIDBATCH", "The CSV data is empty")
        if job.raw_header and records[0] != job.raw_header:
            raise ApiError(400, "INVALIDBATCH", "Every upload of a job must have the same header")
        job.raw_header = records[0]
        job.data.extend(records[1:])
        return empty_response(201)

    def ingest_info(self, ctx: CallContext, job_id: str) -> Response:
        """`GET /jobs/ingest/{id}`."""
        job: IngestJob = self._job(job_id, IngestJob)
        return json_response(200, self._ingest_info(job))

    def _ingest_info(self, job: IngestJob, *, short: bool = False) -> dict[str, Any]:
        info = job.base_info()
        if job.external_id:
            info["externalIdFieldName"] = job.external_id
        if short:
            info.update(lineEnding=job.line_ending, columnDelimiter=job.column_delimiter)
            return info
        done = job.state in ("JobComplete", "Failed")
        info.update(
            jobType="V2Ingest",
            lineEnding=job.line_ending,
            columnDelimiter=job.column_delimiter,
            numberRecordsProcessed=len(job.successes) + len(job.failures) if done else 0,
            numberRecordsFailed=len(job.failures) if done else 0,
            retries=0,
            totalProcessingTime=job.millis() if done else 0,
            apiActiveProcessingTime=job.millis() if done else 0,
            apexProcessingTime=0,
        )
        if job.error_message:
            info["errorMessage"] = job.error_message
        return info

    def ingest_results(self, ctx: CallContext, job_id: str, kind: str) -> Response:
        """`GET /jobs/ingest/{id}/{successfulResults|failedResults|unprocessedrecords}/`."""
        job: IngestJob = self._job(job_id, IngestJob)
        header = job.raw_header
        if kind == "successfulResults":
            lines = ['"sf__Id","sf__Created"' + (f"{_delim(job)}{header}" if header else "")]
            lines += job.successes
        elif kind == "failedResults":
            lines = ['"sf__Id","sf__Error"' + (f"{_delim(job)}{header}" if header else "")]
            lines += job.failures
        else:
            lines = [header, *job.unprocessed] if header else []
        body = "".join(line + "\n" for line in lines).encode()
        return Response(200, body, CSV_TYPE, records=max(0, len(lines) - 1))

    def _fail_job(self, job: IngestJob, message: str) -> None:
        job.error_message = message
        job.unprocessed = list(job.data)
        job.state = "InProgress"
        job.finished = time.monotonic()
        job.modstamp = self.org.tick()
        log.info("sfsync.sandbox.bulk_job_failed", job_id=job.id, error=message)

    def _process(self, job: IngestJob) -> None:
        obj = schema.get_object(job.object)
        assert obj is not None
        delimiter = DELIMITERS[job.column_delimiter]
        if not job.raw_header:
            self._fail_job(job, "InvalidBatch : No data was uploaded for this job")
            return
        columns = _parse_row(job.raw_header, delimiter)
        fields = [obj.get(c.strip()) for c in columns]
        unknown = [c for c, f in zip(columns, fields, strict=True) if f is None]
        if unknown:
            self._fail_job(job, f"InvalidBatch : Field name not found : {unknown[0]}")
            return
        names = [f.name for f in fields if f is not None]
        if job.operation in ("update", "delete") and "Id" not in names:
            self._fail_job(job, "InvalidBatch : Field name not found : Id")
            return
        if job.operation == "delete" and names != ["Id"]:
            self._fail_job(job, "InvalidBatch : The 'delete' batch must contain only 'Id'")
            return
        q = _delim(job)
        for start in range(0, len(job.data), WRITE_CHUNK):
            chunk = job.data[start : start + WRITE_CHUNK]
            ops: list[WriteOp | None] = []
            early: dict[int, str] = {}
            for i, raw in enumerate(chunk):
                op_or_error = _row_op(job, obj, names, _parse_row(raw, delimiter))
                if isinstance(op_or_error, str):
                    early[i] = op_or_error
                    ops.append(None)
                else:
                    ops.append(op_or_error)
            results = iter(
                self.org.save([o for o in ops if o is not None], auto_assign=job.auto_assign)
            )
            for i, raw in enumerate(chunk):
                if i in early:
                    job.failures.append(f'""{q}"{_quote(early[i])}"{q}{raw}')
                    continue
                result = next(results)
                rid = result.id or ""
                if result.success:
                    created = "true" if result.created else "false"
                    job.successes.append(f'"{rid}"{q}"{created}"{q}{raw}')
                else:
                    error = "\n".join(e.to_bulk() for e in result.errors)
                    job.failures.append(f'"{rid}"{q}"{_quote(error)}"{q}{raw}')
        job.state = "InProgress"
        job.finished = time.monotonic()
        job.modstamp = self.org.tick()
        log.info(
            "sfsync.sandbox.bulk_job_processed",
            job_id=job.id,
            operation=job.operation,
            processed=len(job.successes) + len(job.failures),
            failed=len(job.failures),
        )


def _delim(job: _Job) -> str:
    return DELIMITERS[job.column_delimiter]


def _quote(text: str) -> str:
    return text.replace('"', '""')


def _row_op(job: IngestJob, obj: ObjectDef, names: list[str], cells: list[str]) -> WriteOp | str:
    if len(cells) != len(names):
        return "INVALID_FIELD:Row has the wrong number of columns:--"
    values: dict[str, Any] = {}
    record_id: str | None = None
    for name, cell in zip(names, cells, strict=True):
        if name == "Id":
            record_id = cell or None
            continue
        if cell == "":
            continue  # empty leaves the field unchanged (insert: unset)
        fdef = obj.by_name[name.lower()]
        try:
            values[name] = csv_to_storage(fdef, cell)
        except ValueTypeError:
            label = fdef.label or fdef.name
            code = "INVALID_TYPE_ON_FIELD_IN_RECORD"
            return f"{code}:{label}: value not of required type: {cell}:{name}"
    if job.operation == "insert":
        if record_id is not None:
            return "INVALID_FIELD:cannot specify Id in an insert call:--"
        return WriteOp("insert", obj, None, values)
    if job.operation == "upsert":
        return WriteOp("update" if record_id else "insert", obj, record_id, values)
    if job.operation == "delete":
        return WriteOp("delete", obj, record_id)
    return WriteOp("update", obj, record_id, values)


def _cell(row: dict[str, Any], path: FieldPath) -> Any:
    value: Any = row
    for rel in path.relationships:
        value = _get(value, rel.name)
        if value is None:
            return None
    return _get(value, path.field.name)


def _get(record: Any, name: str) -> Any:
    if not isinstance(record, dict):
        return None
    if name in record:
        return record[name]
    lowered = name.lower()
    return next((v for k, v in record.items() if k.lower() == lowered), None)


def _render(
    paths: tuple[FieldPath, ...], rows: list[dict[str, Any]], job: _Job
) -> tuple[str, list[str]]:
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=DELIMITERS[job.column_delimiter],
        lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow([p.api_name for p in paths])
    header = out.getvalue()
    lines = []
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow([json_to_csv(_cell(row, p)) for p in paths])
        lines.append(out.getvalue())
    return header, lines
