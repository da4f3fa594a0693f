"""
The parts under the background Bulk jobs: result rows on disk with their offset index, job
records that survive a restart (and expire after seven days), and the HTTP plumbing that
spools an ingest upload to disk and streams a file-backed answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.sandbox.httpd import HttpServer
from sfsync.sandbox.jobstore import IngestJob, JobStore, QueryJob
from sfsync.sandbox.protocol import FileSlice, Request, Response
from sfsync.sandbox.rowfile import RowFile
from sfsync.sandbox.tls import ensure_certificates, server_context
from tests.sandbox.conftest import PinnedSession


def test_row_file_serves_any_slice_of_rows(tmp_path: Path) -> None:
    """Every page is one byte range of the CSV file, whatever its start and size."""
    rows = RowFile(tmp_path / "results")
    rows.open_for_writing()
    lines = [f'"{n}","multi\nline {n}"\n'.encode() for n in range(20_000)]
    for line in lines:
        rows.append(line)
    rows.finish()
    assert rows.count() == 20_000
    data = rows.data_path.read_bytes()
    for start, limit in ((0, 1), (9_999, 2), (19_990, 50), (0, 20_000)):
        offset, length, count = rows.slice(start, limit)
        assert data[offset : offset + length] == b"".join(lines[start : start + limit])
        assert count == len(lines[start : start + limit])
    assert rows.slice(20_000, 10) == (0, 0, 0)
    rows.open_for_writing()  # a query run again starts from nothing
    rows.finish()
    assert rows.count() == 0


_JOB: dict[str, str] = {
    "object": "Lead",
    "api_version": "62.0",
    "created": "2026-12-01T00:00:00.000+0000",
    "column_delimiter": "COMMA",
    "line_ending": "LF",
}


def _query_job(job_id: str, **extra: object) -> QueryJob:
    return QueryJob(id=job_id, operation="query", query="SELECT Id FROM Lead", **_JOB, **extra)


def test_job_records_survive_a_restart_and_expire(tmp_path: Path) -> None:
    """Jobs come back with every field; final jobs older than seven days are deleted."""
    store = JobStore(tmp_path)
    fresh = _query_job("750A", state="JobComplete", rows=3, finished=time.time())
    old = _query_job("750B", state="JobComplete", finished=time.time() - 8 * 86_400)
    running = _query_job("750C", state="InProgress", started=time.time() - 8 * 86_400)
    ingest = IngestJob(id="750D", operation="update", raw_header="Id,Company", records=2, **_JOB)
    for job in (fresh, old, running, ingest):
        store.add(job)
    (tmp_path / "750E").mkdir()
    (tmp_path / "750E" / "job.json").write_text("{not json")
    again = JobStore(tmp_path)
    assert [j.id for j in again.all(QueryJob)] == ["750C", "750A"]
    assert again.get("750A", QueryJob) == fresh
    assert again.get("750D", IngestJob) == ingest
    assert again.get("750D", QueryJob) is None
    assert not (tmp_path / "750B").exists()
    record = json.loads((tmp_path / "750A" / "job.json").read_text())
    assert record["kind"] == "query"


class _Echo:
    """An app that answers a spooled upload with its size and a file with a slice of it."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.uploads: list[tuple[bool, int]] = []

    def handle(self, request: Request) -> Response | None:
        if request.method == "PUT":
            self.uploads.append((request.body_file is not None, request.body_size))
            return Response(201)
        return Response(200, b"head:", "text/plain", files=(FileSlice(self.file, 2, 5),))


@pytest.fixture(name="echo_server")
def _echo_server(tmp_path: Path) -> Iterator[tuple[HttpServer[_Echo], PinnedSession, str]]:
    file = tmp_path / "data.bin"
    file.write_bytes(b"0123456789")
    tls = ensure_certificates(tmp_path)
    server = HttpServer(("127.0.0.1", 0), lambda port: _Echo(file), server_context(tls))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with PinnedSession(tls.ca_file) as session:
            yield server, session, f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stop()
        thread.join()


def test_upload_is_spooled_and_files_are_streamed(
    echo_server: tuple[HttpServer[_Echo], PinnedSession, str],
) -> None:
    """A PUT to .../batches reaches the app as a file; a FileSlice body is sent in full."""
    server, session, url = echo_server
    body = b"Id\n" + b"x" * 3_000_000
    put = session.put(f"{url}/services/data/v62.0/jobs/ingest/750X/batches", data=body)
    assert put.status_code == 201
    assert server.app.uploads == [(True, len(body))]
    got = session.get(f"{url}/anything")
    assert got.content == b"head:23456"
    assert got.headers["Content-Length"] == "10"
