"""
Bulk API 2.0 query and ingest jobs, over the client's transport.

simple-salesforce's bulk2 handler sleeps in fixed loops, raises its own errors and hides
the per-request results sfsync needs for retries and API accounting, so the flow lives
here: create job, poll with backoff, then page results (query) or read the three result
lists (ingest). https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import requests
import structlog

from sfsync.errors import SalesforceError
from sfsync.salesforce.records import (
    WriteResult,
    ingest_csv_chunks,
    parse_bulk_error,
    record_id,
)

log = structlog.get_logger(__name__)

_DONE_STATES = {"JobComplete", "Failed", "Aborted"}
_JOB_OPTIONS = {"contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}


class Transport(Protocol):
    """Send one authenticated request (a path under the API version, or `/services/...`)."""

    def __call__(
        self,
        method: str,
        path: str,
        *,
        name: str,
        **kwargs: Any,
    ) -> requests.Response: ...


class Bulk2:
    """
    Run Bulk API 2.0 jobs.

    *sleep* is called between polls (tests pass a fake); waits start at *poll_initial*
    seconds and double up to *poll_max*; a job not done after *poll_timeout* seconds of
    waiting raises SalesforceError. Query results come *page_size* rows per request.
    """

    def __init__(
        self,
        call: Transport,
        *,
        sleep: Callable[[float], None],
        poll_initial: float = 0.5,
        poll_max: float = 10.0,
        poll_timeout: float = 3600.0,
        page_size: int = 50_000,
        max_upload_bytes: int = 100_000_000,
    ) -> None:
        self._call = call
        self._sleep = sleep
        self._poll_initial = poll_initial
        self._poll_max = poll_max
        self._poll_timeout = poll_timeout
        self._page_size = page_size
        self._max_upload_bytes = max_upload_bytes

    # --- query ---------------------------------------------------------------------------

    def start_query(self, soql: str, *, include_deleted: bool = False) -> tuple[str, str | None]:
        """
        Create a query job and return `(job_id, object)`.

        Raises:
            SalesforceError: and subclasses, as mapped by the transport.
        """
        body = {"operation": "queryAll" if include_deleted else "query", "query": soql}
        job = self._call("POST", "jobs/query", name="jobs/query", json=body | _JOB_OPTIONS).json()
        log.info("sfsync.salesforce.bulk_query_started", job_id=job["id"], object=job.get("object"))
        return str(job["id"]), job.get("object")

    def query_rows(self, job_id: str) -> Iterator[dict[str, str]]:
        """
        Wait for query job *job_id*, then yield its CSV rows page by page.

        A 412 JOB_NOT_COMPLETE answer on a result page sends us back to polling.

        Raises:
            SalesforceError: the job failed, was aborted or timed out.
        """
        path = f"jobs/query/{job_id}"
        self._wait(path, job_id)
        locator: str | None = None
        while True:
            params: dict[str, str | int] = {"maxRecords": self._page_size}
            if locator:
                params["locator"] = locator
            try:
                response = self._call(
                    "GET",
                    f"{path}/results",
                    name="jobs/query/results",
                    params=params,
                    headers={"Accept": "text/csv"},
                )
            except SalesforceError as exc:
                if exc.status == 412 and exc.error_code == "JOB_NOT_COMPLETE":
                    self._wait(path, job_id, first_wait=True)
                    continue
                raise
            yield from csv.DictReader(io.StringIO(_text(response)))
            locator = response.headers.get("Sforce-Locator")
            if not locator or locator == "null":
                return

    # --- ingest --------------------------------------------------------------------------

    def update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """
        Update *records* (each with an Id) through one ingest job per upload-size chunk.

        Results are mapped back by the Id column; records a job never reached are failed
        with error code `UNPROCESSED`.

        Raises:
            SalesforceError: and subclasses, when a job cannot be created or completed.
        """
        results: list[WriteResult | None] = [None] * len(records)
        for positions, body in ingest_csv_chunks(records, max_bytes=self._max_upload_bytes):
            chunk_ids = [record_id(records[p]) for p in positions]
            for position, result in zip(
                positions, self._ingest_chunk(sobject, chunk_ids, body), strict=True
            ):
                results[position] = result
        return [r for r in results if r is not None]

    def _ingest_chunk(self, sobject: str, ids: list[str], body: bytes) -> list[WriteResult]:
        create = {"object": sobject, "operation": "update"} | _JOB_OPTIONS
        job = self._call("POST", "jobs/ingest", name="jobs/ingest", json=create).json()
        job_id = str(job["id"])
        path = f"jobs/ingest/{job_id}"
        content_url = job.get("contentUrl") or f"{path}/batches"
        log.info("sfsync.salesforce.bulk_ingest_started", job_id=job_id, object=sobject)
        try:
            self._call(
                "PUT",
                "/" + content_url.lstrip("/"),
                name="jobs/ingest/batches",
                data=body,
                headers={"Content-Type": "text/csv"},
            )
            self._call("PATCH", path, name="jobs/ingest", json={"state": "UploadComplete"})
        except SalesforceError:
            self._abort(path, job_id)
            raise
        info = self._wait(path, job_id, accept_failed=True)
        return self._ingest_results(path, ids, info)

    def _ingest_results(
        self, path: str, ids: list[str], info: Mapping[str, Any]
    ) -> list[WriteResult]:
        positions: dict[str, deque[int]] = defaultdict(deque)
        for position, id_ in enumerate(ids):
            positions[id_].append(position)
        results: list[WriteResult | None] = [None] * len(ids)

        def place(row: Mapping[str, str], result: WriteResult) -> None:
            for key in (row.get("Id"), row.get("sf__Id")):
                if key and positions.get(key):
                    results[positions[key].popleft()] = result
                    return

        for row in self._result_rows(f"{path}/successfulResults"):
            place(row, WriteResult(id=row.get("sf__Id") or row.get("Id"), success=True))
        for row in self._result_rows(f"{path}/failedResults"):
            code, message, fields = parse_bulk_error(row.get("sf__Error", ""))
            failed_id = row.get("Id") or row.get("sf__Id") or None
            place(row, WriteResult(failed_id, False, code, message or None, fields))
        reason = str(info.get("errorMessage") or "the Bulk API job ended before this record")
        if any(r is None for r in results):
            # Only worth a request when some records are in neither list. Salesforce's docs
            # spell the resource `unprocessedrecords` (simple-salesforce: unprocessedRecords).
            for row in self._result_rows(f"{path}/unprocessedrecords"):
                place(row, WriteResult(row.get("Id"), False, "UNPROCESSED", reason))
        return [
            r if r is not None else WriteResult(ids[i], False, "UNPROCESSED", reason)
            for i, r in enumerate(results)
        ]

    def _result_rows(self, path: str) -> list[dict[str, str]]:
        response = self._call(
            "GET", path + "/", name="jobs/ingest/results", headers={"Accept": "text/csv"}
        )
        return list(csv.DictReader(io.StringIO(_text(response))))

    def _abort(self, path: str, job_id: str) -> None:
        try:
            self._call("PATCH", path, name="jobs/ingest", json={"state": "Aborted"})
        except SalesforceError as exc:
            log.warning("sfsync.salesforce.bulk_abort_failed", job_id=job_id, caused_by=repr(exc))

    # --- polling -------------------------------------------------------------------------

    def _wait(
        self,
        path: str,
        job_id: str,
        *,
        accept_failed: bool = False,
        first_wait: bool = False,
    ) -> dict[str, Any]:
        delay, waited = self._poll_initial, 0.0
        if first_wait:
            self._sleep(delay)
            waited += delay
        while True:
            info: dict[str, Any] = self._call("GET", path, name=path.rsplit("/", 1)[0]).json()
            state = info.get("state")
            if state == "JobComplete" or (accept_failed and state in _DONE_STATES):
                return info
            if state in _DONE_STATES:
                msg = f"Bulk API job {job_id} ended {state}: {info.get('errorMessage', '')}"
                raise SalesforceError(msg, resource=path, error_code=str(state).upper())
            if waited >= self._poll_timeout:
                msg = f"Bulk API job {job_id} still {state} after {waited:.0f}s; gave up"
                raise SalesforceError(msg, resource=path, error_code="JOB_TIMEOUT")
            self._sleep(delay)
            waited += delay
            delay = min(delay * 2, self._poll_max)


def _text(response: requests.Response) -> str:
    # Bulk CSV is UTF-8; requests would guess ISO-8859-1 for text/csv without a charset.
    return response.content.decode("utf-8-sig")
