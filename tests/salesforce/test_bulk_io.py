"""
Bulk API 2.0 I/O at scale: query pages parsed while they stream (and asked again when they
break off), ingest uploads from a temporary file (rewound on retry, split by size), and
result lists downloaded only when they say something.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests

from sfsync.errors import RetriableSalesforceError
from sfsync.salesforce.bulk import Bulk2
from sfsync.salesforce.client import SalesforceClient, WriteResult
from sfsync.salesforce.records import WriteResults
from tests.salesforce.conftest import BASE, FakeSleep, SfApi, fast_retrying, make_sf

JOB = "7505g00000InGeSt1A"
RECORDS = [{"Id": f"00Q5g0000000{i:06d}", "Score__c": i, "Note__c": None} for i in range(5)]


class _BreakingRaw(io.RawIOBase):
    """A response body that raises like a reset connection after *limit* bytes."""

    def __init__(self, body: bytes, limit: int | None) -> None:
        self._body = io.BytesIO(body)
        self._limit = limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._limit is not None and self._body.tell() >= self._limit:
            raise requests.exceptions.ChunkedEncodingError("Connection broken: reset by peer")
        size = 64 if size < 0 else min(size, 64)
        return self._body.read(size)


def _csv_response(body: bytes, *, locator: str = "null", limit: int | None = None) -> Any:
    response = requests.Response()
    response.status_code = 200
    response.headers["Sforce-Locator"] = locator
    response.raw = _BreakingRaw(body, limit)
    return response


class FakeTransport:
    """Answers Bulk2's requests from a script; records (method, name, params)."""

    def __init__(self, pages: list[Any]) -> None:
        self.pages = pages
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, method: str, path: str, *, name: str, **kwargs: Any) -> Any:
        self.sent.append((method, name, dict(kwargs.get("params") or {})))
        if name == "jobs/query":
            response = requests.Response()
            response.status_code = 200
            response._content = b'{"id": "750Q", "state": "JobComplete"}'
            return response
        return self.pages.pop(0)


def _rows(n: int, start: int = 0) -> bytes:
    lines = ['"Id","Name"'] + [
        f'"00Q{i:015d}","Lead ""{i}"", line\nbreak"' for i in range(start, n)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_query_page_that_breaks_off_is_read_again_without_duplicates() -> None:
    """A page whose body is cut mid-way is requested again; rows already yielded are skipped."""
    page1 = _rows(300)
    page2 = _rows(320, 300)
    transport = FakeTransport(
        [
            _csv_response(page1, locator="MzAw", limit=len(page1) // 2),
            _csv_response(page1, locator="MzAw"),
            _csv_response(page2),
        ]
    )
    bulk = Bulk2(transport, sleep=FakeSleep(), page_size=300)
    rows = list(bulk.query_rows("750Q"))
    assert [r["Id"] for r in rows] == [f"00Q{i:015d}" for i in range(320)]
    assert rows[5]["Name"] == 'Lead "5", line\nbreak'
    results = [params for method, name, params in transport.sent if name == "jobs/query/results"]
    assert results == [
        {"maxRecords": 300},
        {"maxRecords": 300},
        {"maxRecords": 300, "locator": "MzAw"},
    ]


def test_query_page_that_keeps_breaking_off_gives_up() -> None:
    """After stream_retries re-reads of one page the error is raised as retriable."""
    body = _rows(50)
    transport = FakeTransport([_csv_response(body, limit=10) for _ in range(3)])
    bulk = Bulk2(transport, sleep=FakeSleep(), stream_retries=2)
    with pytest.raises(RetriableSalesforceError, match="broke off 3 times"):
        list(bulk.query_rows("750Q"))


def _register_job(sf_api: SfApi, *, processed: int, failed: int) -> None:
    sf_api.add("POST", "jobs/ingest", fixture="bulk2_ingest_job_create_response.json")
    sf_api.add("PATCH", f"jobs/ingest/{JOB}", json_body={"id": JOB, "state": "UploadComplete"})
    sf_api.add(
        "GET",
        f"jobs/ingest/{JOB}",
        json_body={
            "id": JOB,
            "state": "JobComplete",
            "numberRecordsProcessed": processed,
            "numberRecordsFailed": failed,
        },
    )


def test_a_job_that_processed_everything_costs_four_requests(
    sf_api: SfApi, sleep: FakeSleep
) -> None:
    """Every record processed, none failed: no result list is downloaded, all succeed."""
    _register_job(sf_api, processed=5, failed=0)
    sf_api.add("PUT", f"/services/data/v59.0/jobs/ingest/{JOB}/batches", status=201)
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=sleep, bulk_write_threshold=2
    ) as client:
        results = client.write("Lead", RECORDS)
        assert isinstance(results, WriteResults)
        assert results == [WriteResult(r["Id"], True) for r in RECORDS]
        assert client.calls == 4
    assert [c.request.method for c in sf_api.rsps.calls] == ["POST", "PUT", "PATCH", "GET"]


def test_failed_rows_are_mapped_by_position_without_downloading_successes(
    sf_api: SfApi, sleep: FakeSleep
) -> None:
    """Only failedResults is read when the job processed every record; positions are kept."""
    _register_job(sf_api, processed=5, failed=1)
    sf_api.add("PUT", f"/services/data/v59.0/jobs/ingest/{JOB}/batches", status=201)
    sf_api.add(
        "GET",
        f"jobs/ingest/{JOB}/failedResults/",
        body=f'"sf__Id","sf__Error",Id,Score__c,Note__c\n"{RECORDS[3]["Id"]}",'
        f'"FIELD_CUSTOM_VALIDATION_EXCEPTION:Score too high:Score__c",{RECORDS[3]["Id"]},3,#N/A\n',
        content_type="text/csv",
    )
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=sleep, bulk_write_threshold=2
    ) as client:
        results = client.write("Lead", RECORDS)
    assert [r.success for r in results] == [True, True, True, False, True]
    assert results[3] == WriteResult(
        RECORDS[3]["Id"],
        False,
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Score too high",
        ("Score__c",),
    )
    assert not any("successfulResults" in c.request.url for c in sf_api.rsps.calls)


def test_upload_retried_after_503_sends_the_whole_file_again(
    sf_api: SfApi, sleep: FakeSleep
) -> None:
    """The CSV goes up from a temporary file, rewound before the retry."""
    _register_job(sf_api, processed=5, failed=0)
    bodies: list[bytes] = []

    def upload(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = request.body
        bodies.append(body.read() if hasattr(body, "read") else bytes(body or b""))
        return (503 if len(bodies) == 1 else 201), {}, ""

    sf_api.rsps.add_callback(
        "PUT", BASE.replace("v62.0", "v59.0") + f"jobs/ingest/{JOB}/batches", callback=upload
    )
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=sleep, bulk_write_threshold=2
    ) as client:
        assert all(r.success for r in client.write("Lead", RECORDS))
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert bodies[0].startswith(b"Id,Score__c,Note__c\n00Q5g0000000000000,0,#N/A\n")


def test_uploads_are_split_by_size_into_parts_with_headers() -> None:
    """Past max_upload_bytes a new part (a new job) starts, each with the header row."""
    bulk = Bulk2(FakeTransport([]), sleep=FakeSleep(), max_upload_bytes=80)
    parts: list[tuple[int, int, bytes]] = []
    for start, end, body in bulk._csv_parts(RECORDS, ["Id", "Score__c", "Note__c"]):
        with body:
            body.seek(0)
            parts.append((start, end, body.read()))
    assert [(s, e) for s, e, _ in parts] == [(0, 2), (2, 4), (4, 5)]
    for start, end, text in parts:
        lines = text.decode().splitlines()
        assert lines[0] == "Id,Score__c,Note__c"
        assert [line.split(",")[0] for line in lines[1:]] == [r["Id"] for r in RECORDS[start:end]]


def test_write_results_materialise_successes_from_the_records() -> None:
    """WriteResults holds failures only; successes come from the records, in order."""
    failure = WriteResult(RECORDS[1]["Id"], False, "UNABLE_TO_LOCK_ROW", "locked")
    results = WriteResults(RECORDS, {1: failure})
    assert len(results) == 5
    assert results[1] is failure
    assert results[-1] == WriteResult(RECORDS[4]["Id"], True)
    assert results[0:2] == [WriteResult(RECORDS[0]["Id"], True), failure]
    results.replace(1, WriteResult(RECORDS[1]["Id"], True))
    assert results == [WriteResult(r["Id"], True) for r in RECORDS]
    assert results.failures == {}
