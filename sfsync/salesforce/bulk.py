"""
Bulk API 2.0 query and ingest jobs, over the client's transport.

simple-salesforce's bulk2 handler sleeps in fixed loops, raises its own errors and hides
the per-request results sfsync needs for retries and API accounting, so the flow lives
here: create job, poll (`polling`), then page results (query) or read the three result
lists (ingest).
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/

An ingest job is the one write sfsync cannot take back: once closed (UploadComplete) the
org applies it whatever sfsync does. So the caller hears of each job before it is closed
(`on_job`, which the pass journals), a stop request that comes before the close aborts the
job instead, and after the close sfsync waits for the org and records the results even when
asked to stop; a process that dies meanwhile leaves the job to `resume` in the next run.
"""

from __future__ import annotations

import csv
import tempfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

import structlog

from sfsync.errors import RetriableSalesforceError, SalesforceError, StopRequestedError
from sfsync.salesforce.polling import DONE_STATES, JobPoller, JobWatch, SendRequest
from sfsync.salesforce.records import (
    WriteResult,
    WriteResults,
    csv_line,
    ingest_columns,
    ingest_row,
    int_or_none,
    parse_bulk_error,
    place_failures,
)
from sfsync.salesforce.streams import STREAM_ERRORS, stream_text

__all__ = ["Bulk2", "OnJob", "SendRequest"]

log = structlog.get_logger(__name__)

_CLOSED_STATES = {"UploadComplete", "InProgress", "JobComplete", "Failed"}
"""Job states that mean UploadComplete was accepted."""
_JOB_OPTIONS = {"contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}

OnJob = Callable[[str, int, int], None]
"""`(job_id, start, end)`: an ingest job holding records[start:end] is about to be closed."""


class Bulk2(JobPoller):
    """
    Run Bulk API 2.0 jobs (polled as `polling.JobPoller` says; its options pass through).

    Query results come *page_size* rows per request (250,000: a million-lead org's Task
    table is 14 requests, and a page of typical rows is tens of MB, far below the 1 GB
    result files Salesforce splits bulk query results into) and are parsed while they stream in,
    so a page is never held in memory whole; a page whose body breaks off is asked for
    again (up to *stream_retries* times) and the rows already yielded are skipped. An
    update is one ingest job per *max_upload_bytes* of CSV (Salesforce takes up to 150 MB
    base64-encoded per job, so 100 MB of CSV), built in a temporary file rather than in
    memory.
    """

    def __init__(
        self,
        call: SendRequest,
        *,
        sleep: Callable[[float], None],
        page_size: int = 250_000,
        max_upload_bytes: int = 100_000_000,
        stream_retries: int = 3,
        **polling: Any,
    ) -> None:
        super().__init__(call, sleep=sleep, **polling)
        self._page_size = page_size
        self._max_upload_bytes = max_upload_bytes
        self._stream_retries = stream_retries

    # --- query ---------------------------------------------------------------------------

    def start_query(
        self, soql: str, *, include_deleted: bool = False, expected_records: int = 0
    ) -> tuple[str, str | None]:
        """
        Create a query job and return `(job_id, object)`; *expected_records* (at least
        that many rows, if known) times its first poll.

        Raises:
            SalesforceError: and subclasses, as mapped by the transport.
        """
        body = {"operation": "queryAll" if include_deleted else "query", "query": soql}
        started = self._clock()
        job = self._call("POST", "jobs/query", name="jobs/query", json=body | _JOB_OPTIONS).json()
        job_id = str(job["id"])
        self._queries[job_id] = self._watch(
            f"jobs/query/{job_id}", job_id, started, expected_records
        )
        log.info("sfsync.salesforce.bulk_query_started", job_id=job_id, object=job.get("object"))
        return job_id, job.get("object")

    def query_rows(self, job_id: str) -> Iterator[dict[str, str]]:
        """
        Wait for query job *job_id*, then yield its CSV rows page by page, parsed as the
        page streams in.

        A 412 JOB_NOT_COMPLETE answer on a result page sends us back to polling.

        Raises:
            SalesforceError: the job failed, was aborted or timed out.
            RetriableSalesforceError: a page kept breaking off mid-body.
        """
        path = f"jobs/query/{job_id}"
        watch = self._queries.get(job_id)
        if watch is None:  # a job this object did not start
            watch = self._queries[job_id] = self._watch(path, job_id, self._clock(), 0)
        try:
            with self._doing(f"reading the results of Bulk query job {job_id}; nothing is written"):
                yield from self._query_pages(path, job_id, watch)
        finally:
            self._queries.pop(job_id, None)

    def _query_pages(self, path: str, job_id: str, watch: JobWatch) -> Iterator[dict[str, str]]:
        self._wait_query(watch)
        locator: str | None = None
        while True:
            params: dict[str, str | int] = {"maxRecords": self._page_size}
            if locator:
                params["locator"] = locator
            done = breaks = 0  # rows of this page already yielded; times it broke off
            while True:
                try:
                    response = self._call(
                        "GET",
                        f"{path}/results",
                        name="jobs/query/results",
                        params=params,
                        headers={"Accept": "text/csv"},
                        stream=True,
                    )
                except SalesforceError as exc:
                    if exc.status == 412 and exc.error_code == "JOB_NOT_COMPLETE":
                        watch.info = None
                        watch.next_poll = self._clock() + self._next_wait(watch)
                        self._wait_query(watch)
                        continue
                    raise
                try:
                    for n, row in enumerate(csv.DictReader(stream_text(response)), start=1):
                        if n > done:
                            done = n
                            yield row
                except STREAM_ERRORS as exc:
                    breaks += 1
                    if breaks > self._stream_retries:
                        msg = f"GET jobs/query/results: the page broke off {breaks} times"
                        raise RetriableSalesforceError(msg, resource="jobs/query/results") from exc
                    log.info("sfsync.salesforce.bulk_page_retry", job_id=job_id, rows_done=done)
                    continue
                finally:
                    response.close()
                break
            locator = response.headers.get("Sforce-Locator")
            if not locator or locator == "null":
                return

    # --- ingest --------------------------------------------------------------------------

    def update(
        self,
        sobject: str,
        records: Sequence[Mapping[str, Any]],
        *,
        on_job: OnJob | None = None,
    ) -> WriteResults:
        """
        Update *records* (each with an Id) through one ingest job per upload-size part
        (one job for up to about 100 MB of CSV). *on_job* hears of each job before it is
        closed, so a caller can journal it (see the module docstring).

        *records* is read twice, in order (columns, then rows), and never copied; the CSV
        goes through a temporary file. Results are mapped back by the Id column; records a
        job never reached are failed with error code `UNPROCESSED`. When a job reports every
        record processed, only its failed results are downloaded (and none when nothing
        failed): the rest succeeded. After a stop request no further job starts: the
        results then cover the records of the jobs that ran (a prefix of *records*).

        Raises:
            ValueError: a record has no Id.
            StopRequestedError: a stop request came before the first job was closed (the
                job is aborted: nothing was written).
            SalesforceError: and subclasses, when a job cannot be created or completed.
        """
        columns = ingest_columns(records)
        failures: dict[int, WriteResult] = {}
        done = 0
        for start, end, body in self._csv_parts(records, columns):
            with body:
                if start and self._stop is not None and self._stop.is_set():
                    break
                failures.update(self._ingest_part(sobject, records, start, end, body, on_job))
            done = end
        return WriteResults(records, failures, count=done)

    def resume(
        self, sobject: str, records: Sequence[Mapping[str, Any]], job_id: str, start: int, end: int
    ) -> dict[int, WriteResult] | None:
        """
        Finish an ingest job an earlier, interrupted run left behind (it journaled the job
        and held records[start:end]): wait for the org to apply it, then return its failures
        by position, the way `update` reads them. None when the org never applied the job:
        still Open (it is aborted now) or gone (Salesforce deletes jobs after 7 days).

        Raises:
            SalesforceError: and subclasses, as for every call.
        """
        path = f"jobs/ingest/{job_id}"
        try:
            info = self._call("GET", path, name="jobs/ingest").json()
        except SalesforceError as exc:
            if exc.status == 404:
                log.warning("sfsync.salesforce.bulk_job_gone", job_id=job_id)
                return None
            raise
        if info.get("state") == "Open":
            self._abort(path, job_id)
            return None
        if info.get("state") == "Aborted" and not int_or_none(info.get("numberRecordsProcessed")):
            return None
        watch = self._watch(path, job_id, self._clock(), 0)
        if info.get("state") in DONE_STATES:
            watch.info = info
        with self._applying(job_id, sobject, end - start):
            info = self._wait(watch, accept_failed=True, finishing=True)
        return self._ingest_failures(path, records, start, end, info)

    def _applying(self, job_id: str, sobject: str, count: int) -> Any:
        return self._doing(
            f"Bulk job {job_id} is being applied by the org ({count:,} {sobject} records); "
            "sfsync will record its results, then stop",
            abandoned=f"the next run finds Bulk job {job_id} and records its results without "
            "submitting it again",
        )

    def _csv_parts(
        self, records: Iterable[Mapping[str, Any]], columns: Sequence[str]
    ) -> Iterator[tuple[int, int, IO[bytes]]]:
        """Yield `(start, end, file)`: records[start:end] as CSV, at most ~max_upload_bytes."""
        header = csv_line(columns)
        body: IO[bytes] | None = None
        start = position = size = 0
        for position, record in enumerate(records):
            line = csv_line(ingest_row(record, columns))
            if body is not None and size + len(line) > self._max_upload_bytes:
                yield start, position, body
                body = None
            if body is None:
                body = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
                body.write(header)
                start, size = position, len(header)
            body.write(line)
            size += len(line)
        if body is not None:
            yield start, position + 1, body

    def _ingest_part(
        self,
        sobject: str,
        records: Sequence[Mapping[str, Any]],
        start: int,
        end: int,
        body: IO[bytes],
        on_job: OnJob | None,
    ) -> dict[int, WriteResult]:
        create = {"object": sobject, "operation": "update"} | _JOB_OPTIONS
        started = self._clock()
        job = self._call("POST", "jobs/ingest", name="jobs/ingest", json=create).json()
        job_id = str(job["id"])
        path = f"jobs/ingest/{job_id}"
        content_url = job.get("contentUrl") or f"{path}/batches"
        log.info(
            "sfsync.salesforce.bulk_ingest_started",
            job_id=job_id,
            object=sobject,
            records=end - start,
            bytes=body.tell(),
        )
        try:
            with self._doing(f"uploading {end - start:,} records to Bulk job {job_id}"):
                self._call(
                    "PUT",
                    "/" + content_url.lstrip("/"),
                    name="jobs/ingest/batches",
                    data=body,  # the transport rewinds it before every attempt
                    headers={"Content-Type": "text/csv"},
                )
            if self._stop is not None:
                self._stop.check()  # not closed yet: nothing will be applied
        except (SalesforceError, StopRequestedError):
            self._abort(path, job_id)
            raise
        if on_job is not None:
            on_job(job_id, start, end)
        with self._applying(job_id, sobject, end - start):
            try:
                self._close_upload(path, job_id)
            except SalesforceError:
                self._abort(path, job_id)
                raise
            # Closed (or a stop request ended the close's retries, and the journal has it).
            watch = self._watch(path, job_id, started, end - start)
            info = self._wait(watch, accept_failed=True, finishing=True)
        return self._ingest_failures(path, records, start, end, info)

    def _ingest_failures(
        self,
        path: str,
        records: Sequence[Mapping[str, Any]],
        start: int,
        end: int,
        info: Mapping[str, Any],
    ) -> dict[int, WriteResult]:
        """The failed records of one job by position in *records*; the others succeeded."""
        processed = int_or_none(info.get("numberRecordsProcessed"))
        failed_count = int_or_none(info.get("numberRecordsFailed"))
        complete = processed == end - start and failed_count is not None
        failed: dict[str, deque[WriteResult]] = defaultdict(deque)
        if failed_count or not complete:
            for row in self._result_rows(f"{path}/failedResults"):
                code, message, fields = parse_bulk_error(row.get("sf__Error", ""))
                failed_id = row.get("Id") or row.get("sf__Id") or ""
                failed[failed_id].append(
                    WriteResult(failed_id, False, code, message or None, fields)
                )
        if complete:
            return place_failures(records, start, end, failed, None, "") if failed else {}
        # The job stopped early (Failed, Aborted) or did not say how far it got: a record in
        # neither result list was never processed (unprocessedrecords would only repeat that).
        succeeded = {
            row.get("Id") or row.get("sf__Id") or ""
            for row in self._result_rows(f"{path}/successfulResults")
        }
        reason = str(info.get("errorMessage") or "the Bulk API job ended before this record")
        return place_failures(records, start, end, failed, succeeded, reason)

    def _result_rows(self, path: str) -> Iterator[dict[str, str]]:
        response = self._call(
            "GET",
            path + "/",
            name="jobs/ingest/results",
            headers={"Accept": "text/csv"},
            stream=True,
        )
        try:
            yield from csv.DictReader(stream_text(response))
        finally:
            response.close()

    def _close_upload(self, path: str, job_id: str) -> None:
        """
        Mark the upload complete. If a retry finds the job already past Open (the org took
        the first attempt but its answer was lost), the close did happen: carry on.
        """
        try:
            self._call("PATCH", path, name="jobs/ingest", json={"state": "UploadComplete"})
        except SalesforceError as exc:
            if exc.error_code != "INVALIDJOBSTATE":
                raise
            info = self._call("GET", path, name="jobs/ingest").json()
            if info.get("state") not in _CLOSED_STATES:
                raise
            log.info(
                "sfsync.salesforce.bulk_close_already_done", job_id=job_id, state=info["state"]
            )

    def _abort(self, path: str, job_id: str) -> None:
        try:
            self._call("PATCH", path, name="jobs/ingest", json={"state": "Aborted"})
        except SalesforceError as exc:
            log.warning("sfsync.salesforce.bulk_abort_failed", job_id=job_id, caused_by=str(exc))
