"""
Bulk API 2.0 under `/services/data/vXX.X/jobs/`: query jobs (CSV results paged by locator) and
ingest jobs (CSV upload, then per-record results), in the shapes simple-salesforce's `bulk2`
module and Salesforce's docs use.

As on a real org, the work happens in the background: `POST /jobs/query` answers at once and
a thread of its own runs the query (sandbox/bulkquery.py), `PATCH` UploadComplete answers at
once and a thread applies the records (sandbox/bulkingest.py). Job records, results and
uploads live on disk (sandbox/jobstore.py), so no job's data is held in memory and a
restarted org still serves them: an unfinished query job runs again (Salesforce retries
query jobs too), an unfinished ingest job resumes after its last committed chunk.

A job reports `InProgress` until its work is done, the fault spec's `bulk_job_delay_seconds`
have passed and, with the org's `bulk_latency` on, for as long as a real org would take over
that many records (`base + records / rate`, from creation for a query, from the close for an
ingest job); a query's results asked for before then answer 412 JOB_NOT_COMPLETE, as
Salesforce does. A small job whose time has come is waited for (up to half a second), so with
latency off the first status poll finds it complete. `GET /jobs/query` (and `/jobs/ingest`)
list every job in Salesforce's shape, 1,000 per page with `done` / `nextRecordsUrl` paging.
"""

from __future__ import annotations

import base64
import io
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from sfsync.sandbox import bulkingest, schema
from sfsync.sandbox.bulkingest import IngestFiles
from sfsync.sandbox.bulkquery import DELIMITERS, LINE_ENDINGS, run_query
from sfsync.sandbox.ids import new_id
from sfsync.sandbox.jobstore import IngestJob, Job, JobStore, QueryJob
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import (
    CSV_TYPE,
    ApiError,
    FileSlice,
    Response,
    empty_response,
    json_response,
    not_found,
)
from sfsync.sandbox.rest import CallContext
from sfsync.sandbox.rowfile import RowFile
from sfsync.sandbox.soql import SoqlError, parse

__all__ = ["BulkJobs", "IngestJob", "QueryJob"]

log = structlog.get_logger(__name__)

INGEST_OPERATIONS = ("insert", "update", "upsert", "delete")
LIST_PAGE_SIZE = 1000  # jobs per page of GET /jobs/{query|ingest}, Salesforce's maximum
MAX_LISTINGS = 100  # listing locators kept for their next page
JOB_TYPES = {"V2Query", "V2Ingest", "Classic", "BigObjectIngest"}
SETTLE_SECONDS = 0.5  # how long a status request waits for a job that is due
STOP_SECONDS = 30.0  # how long closing waits for a job's thread to stop
_JOB_NOT_COMPLETE = (
    "can only download query results of successfully completed bulk job with status:"
    " JOB_COMPLETE. Current status: {status}"
)
_RESULTS = "results"


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str) -> int:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded.encode(), validate=True).decode())
    except ValueError:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


@dataclass
class _Worker:
    """The thread doing one job's work."""

    thread: threading.Thread
    stop: threading.Event
    done: threading.Event


class BulkJobs:
    """Every Bulk 2.0 job of the org, the threads that run them and the resource handlers."""

    def __init__(self, org: SandboxOrg) -> None:
        self.org = org
        self.store = JobStore(org.db_path.parent / "bulk")
        self.list_page_size = LIST_PAGE_SIZE
        self._lock = threading.Lock()
        self._workers: dict[str, _Worker] = {}
        # Job listings beyond their first page: locator -> (ids still to list, kind).
        self._listings: dict[str, tuple[list[str], type[QueryJob] | type[IngestJob]]] = {}
        self._resume()

    # --- background work -----------------------------------------------------------------

    def _start(self, job: Job, work: Callable[[Any, threading.Event], None]) -> None:
        stop, done = threading.Event(), threading.Event()

        def run() -> None:
            try:
                work(job, stop)
            except Exception as exc:  # a bug or a broken disk: the job fails, the org lives
                log.exception("sfsync.sandbox.bulk_job_crashed", job_id=job.id)
                job.error_message = f"InternalServerError : {type(exc).__name__}"
                job.finished = time.time()
                self.store.save(job)
            finally:
                done.set()

        thread = threading.Thread(target=run, name=f"sfsync-bulk-{job.id}", daemon=True)
        with self._lock:
            self._workers[job.id] = _Worker(thread, stop, done)
        thread.start()

    def _stop(self, job: Job, *, wait: bool = False) -> None:
        with self._lock:
            worker = self._workers.get(job.id)
        if worker is not None:
            worker.stop.set()
            if wait:
                worker.done.wait(STOP_SECONDS)

    def close(self) -> None:
        """Stop every job's thread (unfinished jobs carry on after a restart)."""
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.stop.set()
        for worker in workers:
            worker.thread.join(STOP_SECONDS)

    def _resume(self) -> None:
        """Run again (query) or resume (ingest) the jobs a previous run left unfinished."""
        for job in self.store.all(Job):
            if job.state not in ("UploadComplete", "InProgress") or job.finished is not None:
                continue
            log.info("sfsync.sandbox.bulk_job_resumed", job_id=job.id, kind=job.kind)
            if isinstance(job, QueryJob):
                job.retries += 1
                self.store.save(job)
                self._start(job, self._run_query)
            elif isinstance(job, IngestJob):
                self._start(job, self._run_ingest)

    def _run_query(self, job: QueryJob, stop: threading.Event) -> None:
        rows = RowFile(self.store.directory(job) / _RESULTS)
        try:
            if not run_query(job, self.org, rows, stop):
                return  # aborted, or the org is stopping (it runs again after a restart)
        except (SoqlError, sqlite3.Error) as exc:
            job.error_message = str(exc)
        processing = self.org.bulk_latency.query.seconds(job.rows)
        job.ready_at = max(job.ready_at, job.started + processing)
        job.finished = time.time()
        self.store.save(job)
        log.info("sfsync.sandbox.bulk_query_done", job_id=job.id, rows=job.rows)

    def _run_ingest(self, job: IngestJob, stop: threading.Event) -> None:
        files = IngestFiles(self.store.directory(job))
        pace = self.org.bulk_latency.ingest
        if not bulkingest.process(job, self.org, files, stop, pace=pace):
            self.store.save(job)
            return
        processing = pace.seconds(job.records)
        job.ready_at = max(job.ready_at, (job.closed or job.started) + processing)
        job.finished = time.time()
        job.modstamp = self.org.tick()
        self.store.save(job)
        log.info(
            "sfsync.sandbox.bulk_job_processed",
            job_id=job.id,
            operation=job.operation,
            processed=job.processed,
            failed=job.failed,
            error=job.error_message,
        )

    # --- shared --------------------------------------------------------------------------

    def _new_job_fields(self, ctx: CallContext, body: dict[str, Any]) -> dict[str, Any]:
        delimiter = body.get("columnDelimiter", "COMMA")
        line_ending = body.get("lineEnding", "LF")
        if delimiter not in DELIMITERS:
            raise ApiError(400, "INVALIDJOB", f"Invalid column delimiter: {delimiter}")
        if line_ending not in LINE_ENDINGS:
            raise ApiError(400, "INVALIDJOB", f"Invalid line ending: {line_ending}")
        if body.get("contentType", "CSV") != "CSV":
            raise ApiError(400, "INVALIDJOB", f"Invalid content type: {body.get('contentType')}")
        now = time.time()
        return {
            "id": new_id("750"),
            "api_version": ctx.version,
            "created": self.org.tick(),
            "column_delimiter": delimiter,
            "line_ending": line_ending,
            "started": now,
            "ready_at": now + self.org.faults.spec.bulk_job_delay_seconds,
        }

    def _job(self, job_id: str, kind: type[Any]) -> Any:
        job = self.store.get(job_id, kind)
        if job is None:
            raise not_found()
        with self._lock:
            worker = self._workers.get(job.id)
        if worker is not None and job.state in ("UploadComplete", "InProgress") and job.due():
            worker.done.wait(SETTLE_SECONDS)
        job.refresh()
        return job

    # --- query jobs ------------------------------------------------------------------------

    def create_query(self, ctx: CallContext) -> Response:
        """`POST /jobs/query` → 200 job info in state UploadComplete; the query runs behind."""
        body = ctx.request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of job request")
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise ApiError(400, "INVALIDJOB", f"Invalid operation for a query job: {operation}")
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise ApiError(400, "INVALIDJOB", "A query is required for a query job")
        job_fields = self._new_job_fields(ctx, body)
        try:
            parsed = parse(soql)
        except SoqlError as exc:
            raise ApiError(400, exc.error_code, exc.message) from None
        if parsed.is_count or parsed.counts:
            raise ApiError(400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0")
        job = QueryJob(operation=operation, object=parsed.object.name, query=soql, **job_fields)
        job.ready_at = max(job.ready_at, job.started + self.org.bulk_latency.query.seconds(0))
        info = job.base_info()
        info.update(state="UploadComplete", lineEnding=job.line_ending)
        info.update(columnDelimiter=job.column_delimiter)
        job.state = "InProgress"
        self.store.add(job)
        self._start(job, self._run_query)
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
            numberRecordsProcessed=job.rows if done else 0,
            retries=job.retries,
            totalProcessingTime=job.millis() if done else 0,
            isPkChunkingSupported=True,
        )
        if job.state == "Failed" and job.error_message:
            info["errorMessage"] = job.error_message
        return info

    def query_results(self, ctx: CallContext, job_id: str) -> Response:
        """`GET /jobs/query/{id}/results?maxRecords=&locator=` → one CSV page, from disk."""
        job: QueryJob = self._job(job_id, QueryJob)
        if job.state != "JobComplete":
            status = {"InProgress": "IN_PROGRESS", "Aborted": "ABORTED"}.get(
                job.state, job.state.upper()
            )
            raise ApiError(412, "JOB_NOT_COMPLETE", _JOB_NOT_COMPLETE.format(status=status))
        max_text = ctx.request.param("maxRecords")
        try:
            max_records = int(max_text) if max_text else job.rows or 1
        except ValueError:
            max_records = 0
        if max_records <= 0:
            raise ApiError(400, "INVALIDMAXRECORDS", f"Invalid maxRecords: {max_text}")
        locator = ctx.request.param("locator")
        start = _offset(locator) if locator and locator != "null" else 0
        rows = RowFile(self.store.directory(job) / _RESULTS)
        offset, length, count = rows.slice(start, max_records)
        end = start + count
        return Response(
            200,
            job.header.encode(),
            CSV_TYPE,
            records=count,
            headers={
                "Sforce-NumberOfRecords": str(count),
                "Sforce-Locator": _locator(end) if end < job.rows else "null",
            },
            files=(FileSlice(rows.data_path, offset, length),) if length else (),
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
            self._stop(job)
            self.store.save(job)
        elif state == "UploadComplete" and isinstance(job, IngestJob):
            job.auto_assign = job.auto_assign and ctx.auto_assign
            if job.state != "Open":
                raise ApiError(
                    400, "INVALIDJOBSTATE", f"Job with state {job.state} cannot be closed"
                )
            job.closed = time.time()
            job.state = "UploadComplete"
            answer = self._ingest_info(job, short=True)
            job.state = "InProgress"
            self.store.save(job)
            self._start(job, self._run_ingest)
            return json_response(200, answer)
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
        """`DELETE /jobs/{query|ingest}/{id}` → 204; its files go with it."""
        job = self._job(job_id, kind)
        if job.state in ("Open", "UploadComplete", "InProgress"):
            raise ApiError(400, "INVALIDJOBSTATE", f"Job with state {job.state} cannot be deleted")
        self._stop(job, wait=True)  # an aborted job's thread may still be winding down
        self.store.remove(job)
        if isinstance(job, IngestJob):
            bulkingest.forget_progress(self.org, job.id)
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
            mine = job_type in (None, own_type)
            ids = [j.id for j in self.store.all(kind)] if mine else []
        page, rest = ids[: self.list_page_size], ids[self.list_page_size :]
        records = []
        for job_id in page:
            job = self.store.get(job_id, kind)
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
        self.store.add(job)
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
        """`PUT /jobs/ingest/{id}/batches` (text/csv) → 201; the records go to disk."""
        job: IngestJob = self._job(job_id, IngestJob)
        if job.state != "Open":
            raise ApiError(409, "INVALIDJOBSTATE", f"Job {job.id} is not Open (state {job.state})")
        content_type = (ctx.request.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "text/csv":
            raise ApiError(400, "INVALIDCONTENTTYPE", f"Invalid Content-Type: {content_type}")
        job.auto_assign = job.auto_assign and ctx.auto_assign
        body = ctx.request.body_file or io.BytesIO(ctx.request.body)
        bulkingest.store_upload(job, IngestFiles(self.store.directory(job)), body)
        self.store.save(job)
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
        done = job.state in ("JobComplete", "Failed", "Aborted")
        info.update(
            jobType="V2Ingest",
            lineEnding=job.line_ending,
            columnDelimiter=job.column_delimiter,
            numberRecordsProcessed=job.processed if done else 0,
            numberRecordsFailed=job.failed if done else 0,
            retries=job.retries,
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
        files = IngestFiles(self.store.directory(job))
        header, q = job.raw_header, DELIMITERS[job.column_delimiter]
        tail = f"{q}{header}" if header else ""
        if kind == "successfulResults":
            first, path, count = '"sf__Id","sf__Created"' + tail, files.success, None
        elif kind == "failedResults":
            first, path, count = '"sf__Id","sf__Error"' + tail, files.failed, job.failed
        else:
            first, path, count = header, files.data, job.records - job.processed
        if kind == "unprocessedrecords":
            offset, length = bulkingest.unprocessed(job, files)
            count = count if length else 0
        else:
            offset, length = 0, path.stat().st_size if path.exists() else 0
        if count is None:
            count = job.processed - job.failed
        parts = (FileSlice(path, offset, length),) if length else ()
        body = (first + "\n").encode() if first else b""
        return Response(200, body, CSV_TYPE, records=count, files=parts)
