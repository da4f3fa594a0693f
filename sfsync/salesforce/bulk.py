"""
Bulk API 2.0 query and ingest jobs, over the client's transport.

simple-salesforce's bulk2 handler sleeps in fixed loops, raises its own errors and hides
the per-request results sfsync needs for retries and API accounting, so the flow lives
here: create job, poll, then page results (query) or read the three result lists (ingest).
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/

Polling is where a real org's processing time turns into API calls, so it is budgeted:
- a job's first poll comes after the time a fast org would need for its expected size, the
  next ones after a wait as long as the job has already run (so polls are geometric in the
  job's age, at most `poll_max` apart, and a job is noticed at most ~2x late);
- a pass starts all its query jobs before it reads any (sync._extract), and while several
  of them are unfinished one `GET /jobs/query?jobType=V2Query` (the all-jobs listing,
  followed only as far as needed) checks them all; the listing is dropped for the rest of
  the run if it ever costs more requests than polling each job would, or misses a job;
- a job already seen finished costs no poll at all, and a poll due while results of
  another job were being read is made at once, without sleeping.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol

import requests
import structlog

from sfsync.errors import RetriableSalesforceError, SalesforceError
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

log = structlog.get_logger(__name__)

_DONE_STATES = {"JobComplete", "Failed", "Aborted"}
_CLOSED_STATES = {"UploadComplete", "InProgress", "JobComplete", "Failed"}
"""Job states that mean UploadComplete was accepted."""
_JOB_OPTIONS = {"contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}


class SendRequest(Protocol):
    """Send one authenticated request (a path under the API version, or `/services/...`)."""

    def __call__(
        self,
        method: str,
        path: str,
        *,
        name: str,
        **kwargs: Any,
    ) -> requests.Response: ...


@dataclass
class _Watch:
    """One job being waited for: when it started, what it should hold, what we last saw."""

    job_id: str
    path: str
    started: float
    next_poll: float
    info: dict[str, Any] | None = None  # set once the job is seen in a final state
    listed: bool = False  # info came from the all-jobs listing (which has no errorMessage)


class Bulk2:
    """
    Run Bulk API 2.0 jobs.

    *sleep* is called between polls and *clock* reads the time (tests pass fakes). A job's
    first poll comes `poll_first + expected records / poll_rate` seconds after it started
    (even a small job takes a real org 2-3 s; *poll_rate* is the throughput of a fast org,
    so a job is not kept waiting longer than a fast org would need for it); each
    later one after a wait of the job's age times *poll_growth*, between *poll_initial* and
    *poll_max* seconds. A job not done *poll_timeout* seconds after it started raises
    SalesforceError. *list_jobs* lets several unfinished query jobs be polled with one
    all-jobs listing. Query results come *page_size* rows per request and
    are parsed while they stream in, so a page is never held in memory whole; a page whose
    body breaks off is asked for again (up to *stream_retries* times) and the rows already
    yielded are skipped. An update is one ingest job per *max_upload_bytes* of CSV
    (Salesforce takes up to 150 MB base64-encoded per job, so 100 MB of CSV), built in a
    temporary file rather than in memory.
    """

    def __init__(
        self,
        call: SendRequest,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
        poll_initial: float = 0.5,
        poll_first: float = 2.0,
        poll_max: float = 30.0,
        poll_growth: float = 1.0,
        poll_rate: float = 20_000.0,
        poll_timeout: float = 3600.0,
        list_jobs: bool = True,
        page_size: int = 50_000,
        max_upload_bytes: int = 100_000_000,
        stream_retries: int = 3,
    ) -> None:
        self._call = call
        self._sleep = sleep
        self._clock = clock
        self._poll_initial = poll_initial
        self._poll_first = poll_first
        self._poll_max = poll_max
        self._poll_growth = poll_growth
        self._poll_rate = poll_rate
        self._poll_timeout = poll_timeout
        self._list_jobs = list_jobs
        self._queries: dict[str, _Watch] = {}  # query jobs started and not yet read
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
            yield from self._query_pages(path, job_id, watch)
        finally:
            self._queries.pop(job_id, None)

    def _query_pages(self, path: str, job_id: str, watch: _Watch) -> Iterator[dict[str, str]]:
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

    def update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> WriteResults:
        """
        Update *records* (each with an Id) through one ingest job per upload-size part
        (one job for up to about 100 MB of CSV).

        *records* is read twice, in order (columns, then rows), and never copied; the CSV
        goes through a temporary file. Results are mapped back by the Id column; records a
        job never reached are failed with error code `UNPROCESSED`. When a job reports every
        record processed, only its failed results are downloaded (and none when nothing
        failed): the rest succeeded.

        Raises:
            ValueError: a record has no Id.
            SalesforceError: and subclasses, when a job cannot be created or completed.
        """
        columns = ingest_columns(records)
        failures: dict[int, WriteResult] = {}
        for start, end, body in self._csv_parts(records, columns):
            with body:
                failures.update(self._ingest_part(sobject, records, start, end, body))
        return WriteResults(records, failures)

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
            self._call(
                "PUT",
                "/" + content_url.lstrip("/"),
                name="jobs/ingest/batches",
                data=body,  # the transport rewinds it before every attempt
                headers={"Content-Type": "text/csv"},
            )
            self._close_upload(path, job_id)
        except SalesforceError:
            self._abort(path, job_id)
            raise
        watch = self._watch(path, job_id, started, end - start)
        info = self._wait(watch, accept_failed=True)
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
            log.warning("sfsync.salesforce.bulk_abort_failed", job_id=job_id, caused_by=repr(exc))

    # --- polling -------------------------------------------------------------------------

    def _watch(self, path: str, job_id: str, started: float, expected: int) -> _Watch:
        first = self._poll_first + max(0, expected) / self._poll_rate
        return _Watch(job_id, path, started, started + min(first, self._poll_max))

    def _next_wait(self, watch: _Watch) -> float:
        age = self._clock() - watch.started
        return min(self._poll_max, max(self._poll_initial, age * self._poll_growth))

    def _wait_query(self, watch: _Watch) -> dict[str, Any]:
        return self._wait(watch, poll=self._poll_query)

    def _wait(
        self,
        watch: _Watch,
        *,
        accept_failed: bool = False,
        poll: Callable[[_Watch], None] | None = None,
    ) -> dict[str, Any]:
        """Sleep until *watch* is due, poll, repeat until the job is in a final state."""
        while watch.info is None:
            now = self._clock()
            if now - watch.started >= self._poll_timeout:
                msg = (
                    f"Bulk API job {watch.job_id} still not done after "
                    f"{now - watch.started:.0f}s; gave up"
                )
                raise SalesforceError(msg, resource=watch.path, error_code="JOB_TIMEOUT")
            if watch.next_poll > now:
                self._sleep(watch.next_poll - now)
            (poll or self._poll_one)(watch)
        info = watch.info
        state = info.get("state")
        if state == "JobComplete" or (accept_failed and state in _DONE_STATES):
            return info
        if watch.listed:  # the all-jobs listing leaves the reason out
            info = self._call("GET", watch.path, name=_resource(watch.path)).json()
        msg = f"Bulk API job {watch.job_id} ended {state}: {info.get('errorMessage', '')}"
        raise SalesforceError(msg, resource=watch.path, error_code=str(state).upper())

    def _seen(self, watch: _Watch, info: dict[str, Any], *, listed: bool = False) -> None:
        """Record one poll's answer about *watch*'s job."""
        if info.get("state") in _DONE_STATES:
            watch.info, watch.listed = info, listed
        else:
            watch.next_poll = self._clock() + self._next_wait(watch)

    def _poll_one(self, watch: _Watch) -> None:
        info = self._call("GET", watch.path, name=_resource(watch.path)).json()
        self._seen(watch, info)

    def _poll_query(self, watch: _Watch) -> None:
        """Poll *watch*, and every other unfinished query job with it when that is cheaper."""
        pending = {w.job_id: w for w in self._queries.values() if w.info is None}
        pending[watch.job_id] = watch
        if not self._list_jobs or len(pending) < 2:
            self._poll_one(watch)
            return
        seen: dict[str, dict[str, Any]] = {}
        requests_made = 0
        path: str = "jobs/query"
        params: dict[str, str] | None = {"jobType": "V2Query"}
        while True:
            page = self._call("GET", path, name="jobs/query", params=params).json()
            requests_made += 1
            for info in page.get("records") or []:
                if isinstance(info, dict) and info.get("id") in pending:
                    seen[str(info["id"])] = info
            next_url = page.get("nextRecordsUrl")
            if len(seen) == len(pending) or page.get("done", True) or not next_url:
                break
            path, params = str(next_url), None
        for job_id, info in seen.items():
            self._seen(pending[job_id], info, listed=True)
        if requests_made > len(pending) or watch.job_id not in seen:
            self._list_jobs = False
            log.info(
                "sfsync.salesforce.bulk_listing_dropped",
                requests=requests_made,
                jobs=len(pending),
                found=len(seen),
            )
            if watch.job_id not in seen:
                self._poll_one(watch)


def _resource(path: str) -> str:
    """The resource name of a job path (jobs/query/ID -> jobs/query)."""
    return path.rsplit("/", 1)[0]
