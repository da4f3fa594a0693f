"""
Bulk API 2.0 jobs run in the background as on a real org: creating a query job or closing an
ingest job answers while the work is still going on, status moves through Salesforce's
states, results are served from disk, an aborted or abandoned job behaves, and a restarted
org runs an unfinished query job again and resumes an unfinished ingest job where its last
committed chunk ended, writing no record twice.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfsync.sandbox import bulk as bulk_module
from sfsync.sandbox import bulkingest
from sfsync.sandbox.bulkingest import raw_records
from sfsync.sandbox.bulkquery import run_query
from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.conftest import SEED_LEADS, PinnedSession, auth_headers, lead_ids

API = "/services/data/v62.0"


class Gate:
    """Holds a job's work until released (or until the org asks the work to stop)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()

    def hold(self, stop: threading.Event) -> bool:
        """Wait for release; False when the org stopped the work first."""
        self.entered.set()
        while not self.release.wait(0.02):
            if stop.is_set():
                return False
        return True


@pytest.fixture(name="query_gate")
def _query_gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """Every query job waits at the gate before it runs its query."""
    gate = Gate()

    def held(job: Any, org: Any, rows: Any, stop: threading.Event) -> bool:
        return gate.hold(stop) and run_query(job, org, rows, stop)

    monkeypatch.setattr(bulk_module, "run_query", held)
    return gate


def _call(
    http: PinnedSession, sandbox: RunningSandbox, method: str, path: str, **kwargs: Any
) -> Any:
    headers = auth_headers(sandbox, **kwargs.pop("headers", {}))
    return http.request(method, f"{sandbox.url}{API}/{path}", headers=headers, **kwargs)


def _create_query(http: PinnedSession, sandbox: RunningSandbox, soql: str) -> dict[str, Any]:
    body = {"operation": "query", "query": soql}
    response = _call(http, sandbox, "POST", "jobs/query", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _state(http: PinnedSession, sandbox: RunningSandbox, kind: str, job_id: str) -> str:
    return str(_call(http, sandbox, "GET", f"jobs/{kind}/{job_id}").json()["state"])


def _rows(http: PinnedSession, sandbox: RunningSandbox, job_id: str, page: int) -> list[dict]:
    rows: list[dict] = []
    locator = None
    while True:
        params = {"maxRecords": page, **({"locator": locator} if locator else {})}
        response = _call(http, sandbox, "GET", f"jobs/query/{job_id}/results", params=params)
        assert response.status_code == 200, response.text
        rows += csv.DictReader(io.StringIO(response.text))
        locator = response.headers["Sforce-Locator"]
        if locator == "null":
            return rows


def test_query_job_is_created_while_its_query_still_runs(
    http: PinnedSession, sandbox: RunningSandbox, query_gate: Gate
) -> None:
    """Create answers UploadComplete before the query ran; InProgress, 412, then complete."""
    job = _create_query(http, sandbox, "SELECT Id, Company FROM Lead")
    assert job["state"] == "UploadComplete"
    assert query_gate.entered.wait(5)
    assert _state(http, sandbox, "query", job["id"]) == "InProgress"
    early = _call(http, sandbox, "GET", f"jobs/query/{job['id']}/results")
    assert (early.status_code, early.json()[0]["errorCode"]) == (412, "JOB_NOT_COMPLETE")
    listed = _call(http, sandbox, "GET", "jobs/query").json()["records"]
    assert [j["state"] for j in listed if j["id"] == job["id"]] == ["InProgress"]
    query_gate.release.set()
    info = _call(http, sandbox, "GET", f"jobs/query/{job['id']}").json()
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", SEED_LEADS)


def test_results_are_pages_of_a_file_on_disk(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """The rows live in the job's directory; every page is a slice of that file."""
    job = _create_query(http, sandbox, "SELECT Id, Company, Owner.Name FROM Lead")
    rows = _rows(http, sandbox, job["id"], page=97)
    assert [r["Id"] for r in rows] == sorted(lead_ids(sandbox, SEED_LEADS, where="1 = 1"))
    results = sandbox.data_dir / "bulk" / job["id"] / "results.csv"
    on_disk = list(csv.reader(io.StringIO(results.read_text())))
    assert [r[0] for r in on_disk] == [r["Id"] for r in rows]


def test_a_query_that_fails_while_running_fails_the_job(
    http: PinnedSession, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in the background is the job's Failed state and errorMessage, not a crash."""
    import sqlite3

    def broken(*args: Any) -> bool:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(bulk_module, "run_query", broken)
    job = _create_query(http, sandbox, "SELECT Id FROM Lead")
    info = _call(http, sandbox, "GET", f"jobs/query/{job['id']}").json()
    assert (info["state"], info["errorMessage"]) == ("Failed", "disk I/O error")
    results = _call(http, sandbox, "GET", f"jobs/query/{job['id']}/results")
    assert results.status_code == 412


def test_aborting_a_running_query_stops_it(
    http: PinnedSession, sandbox: RunningSandbox, query_gate: Gate
) -> None:
    """Aborted mid-run: the work stops, results stay 412 ABORTED, the job can be deleted."""
    job = _create_query(http, sandbox, "SELECT Id FROM Lead")
    assert query_gate.entered.wait(5)
    aborted = _call(http, sandbox, "PATCH", f"jobs/query/{job['id']}", json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    worker = sandbox.app.bulk._workers[job["id"]]
    assert worker.done.wait(5)
    results = _call(http, sandbox, "GET", f"jobs/query/{job['id']}/results")
    assert "Current status: ABORTED" in results.json()[0]["message"]
    assert _call(http, sandbox, "DELETE", f"jobs/query/{job['id']}").status_code == 204
    assert not (sandbox.data_dir / "bulk" / job["id"]).exists()


def test_an_abandoned_job_finishes_and_waits_for_its_reader(
    http: PinnedSession, sandbox: RunningSandbox, query_gate: Gate
) -> None:
    """The client that created a job goes away; the job completes; a new client reads it."""
    job = _create_query(http, sandbox, "SELECT Id FROM Lead")
    http.close()  # the creator's connection is gone
    query_gate.release.set()
    assert sandbox.app.bulk._workers[job["id"]].done.wait(10)
    with PinnedSession(sandbox.ca_file) as other:
        assert len(_rows(other, sandbox, job["id"], page=SEED_LEADS)) == SEED_LEADS


def test_restarted_org_runs_an_unfinished_query_job_again(
    http: PinnedSession, data_dir: Path, query_gate: Gate
) -> None:
    """A query job running when the org stops runs again after the restart (retries 1)."""
    with start_sandbox(data_dir) as first:
        with PinnedSession(first.ca_file) as client:
            job = _create_query(client, first, "SELECT Id FROM Lead")
        assert query_gate.entered.wait(5)
    query_gate.release.set()
    with start_sandbox(data_dir) as second, PinnedSession(second.ca_file) as client:
        info = _call(client, second, "GET", f"jobs/query/{job['id']}").json()
        assert (info["state"], info["retries"]) == ("JobComplete", 1)
        assert len(_rows(client, second, job["id"], page=100)) == SEED_LEADS


def test_finished_results_survive_a_restart(data_dir: Path) -> None:
    """Completed jobs and their result pages are still there after the org restarts."""
    with start_sandbox(data_dir) as first, PinnedSession(first.ca_file) as client:
        job = _create_query(client, first, "SELECT Id, Email FROM Lead")
        before = _rows(client, first, job["id"], page=60)
    with start_sandbox(data_dir) as second, PinnedSession(second.ca_file) as client:
        assert _rows(client, second, job["id"], page=60) == before


# --- ingest ----------------------------------------------------------------------------------


def _ingest(
    http: PinnedSession, sandbox: RunningSandbox, ids: list[str], *, close: bool = True
) -> str:
    job = _call(
        http, sandbox, "POST", "jobs/ingest", json={"object": "Lead", "operation": "update"}
    ).json()
    body = "Id,SFS_Touches__c\n" + "".join(f"{i},{n}\n" for n, i in enumerate(ids, 1))
    put = _call(
        http,
        sandbox,
        "PUT",
        f"jobs/ingest/{job['id']}/batches",
        data=body.encode(),
        headers={"Content-Type": "text/csv", "Sforce-Auto-Assign": "FALSE"},
    )
    assert put.status_code == 201, put.text
    if close:
        closed = _call(
            http, sandbox, "PATCH", f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"}
        )
        assert closed.json()["state"] == "UploadComplete"
    return str(job["id"])


@pytest.fixture(name="chunk_gate")
def _chunk_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Ingest jobs write 10 records a chunk and wait at the gate after their first chunk."""
    gate = Gate()
    real = bulkingest._apply
    monkeypatch.setattr(bulkingest, "WRITE_CHUNK", 10)

    def held(*args: Any) -> None:
        real(*args)
        gate.entered.set()
        gate.release.wait(10)

    monkeypatch.setattr(bulkingest, "_apply", held)
    yield gate
    gate.release.set()


def test_ingest_close_answers_while_records_are_applied(
    http: PinnedSession, sandbox: RunningSandbox, chunk_gate: Gate
) -> None:
    """UploadComplete comes back at once; InProgress while chunks are applied; then done."""
    ids = lead_ids(sandbox, 30)
    job_id = _ingest(http, sandbox, ids)
    assert chunk_gate.entered.wait(5)
    info = _call(http, sandbox, "GET", f"jobs/ingest/{job_id}").json()
    assert (info["state"], info["numberRecordsProcessed"]) == ("InProgress", 0)
    chunk_gate.release.set()
    assert sandbox.app.bulk._workers[job_id].done.wait(10)
    info = _call(http, sandbox, "GET", f"jobs/ingest/{job_id}").json()
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        30,
        0,
    )


def test_aborted_ingest_lists_what_it_never_reached(
    http: PinnedSession, sandbox: RunningSandbox, chunk_gate: Gate
) -> None:
    """Aborted after one chunk: 10 results, the other 20 records are unprocessed."""
    ids = lead_ids(sandbox, 30)
    job_id = _ingest(http, sandbox, ids)
    assert chunk_gate.entered.wait(5)
    aborted = _call(http, sandbox, "PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    chunk_gate.release.set()
    assert sandbox.app.bulk._workers[job_id].done.wait(10)
    success = _call(http, sandbox, "GET", f"jobs/ingest/{job_id}/successfulResults/").text
    left = _call(http, sandbox, "GET", f"jobs/ingest/{job_id}/unprocessedrecords/").text
    assert [line.split(",")[2] for line in success.splitlines()[1:]] == ids[:10]
    unreached = [f"{i},{n}" for n, i in enumerate(ids, 1)][10:]
    assert left.splitlines() == ["Id,SFS_Touches__c", *unreached]


def test_restarted_org_resumes_an_ingest_job_without_writing_twice(
    http: PinnedSession, data_dir: Path, chunk_gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after its first chunk, the job resumes after it: each record written once."""
    with start_sandbox(data_dir) as first:
        ids = lead_ids(first, 35)
        with PinnedSession(first.ca_file) as client:
            job_id = _ingest(client, first, ids)
        assert chunk_gate.entered.wait(5)
        stopper = threading.Thread(target=first.stop)
        stopper.start()
        worker = first.app.bulk._workers[job_id]
        assert worker.stop.wait(5)
        chunk_gate.release.set()
        stopper.join(10)
    monkeypatch.undo()
    with start_sandbox(data_dir) as second, PinnedSession(second.ca_file) as client:
        assert second.app.bulk._workers[job_id].done.wait(10)
        info = _call(client, second, "GET", f"jobs/ingest/{job_id}").json()
        assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 35)
        written = Counter(w["id"] for w in second.org.calls.writes())
        assert written == Counter(ids)  # the first run's 10 and the resumed 25, once each
        success = _call(client, second, "GET", f"jobs/ingest/{job_id}/successfulResults/").text
        assert sorted(line.split(",")[2] for line in success.splitlines()[1:]) == sorted(ids)


def test_upload_goes_to_disk_as_csv_records() -> None:
    """Quoted cells may span lines, CRLF and a BOM are accepted, trailing blanks dropped."""
    text = '\ufeffId,Note\r\n1,"two\r\nlines"\n\n2,plain\n\n\n'.encode()
    records = list(raw_records(io.BytesIO(text), bom=True))
    assert [r for r, _ in records] == ["Id,Note", '1,"two\nlines"', "", "2,plain"]
    assert sum(size for _, size in records) == len(text) - 2  # the two trailing blank lines
