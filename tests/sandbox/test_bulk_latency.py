"""
The sandbox's Bulk API 2.0 fidelity: optional realistic processing time (off by default),
set from a fault spec, `start_sandbox` or `sandbox serve`; results asked for early are 412;
the all-jobs listing in Salesforce's shape with `done` / `nextRecordsUrl` paging.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sfsync.sandbox.faults import FaultSpec, FaultSpecError, parse_faults
from sfsync.sandbox.latency import BulkLatency, JobLatency
from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.conftest import PinnedSession, auth_headers, lead_ids, payload

SLOW = BulkLatency(JobLatency(60.0, 1000.0), JobLatency(60.0, 1000.0))


def _query(http: PinnedSession, sandbox: RunningSandbox, soql: str = "SELECT Id FROM Lead") -> str:
    base = f"{sandbox.url}/services/data/v62.0/jobs/query"
    job = http.post(
        base, json={"operation": "query", "query": soql}, headers=auth_headers(sandbox)
    ).json()
    return str(job["id"])


def test_latency_is_off_by_default_and_parsed_from_a_fault_spec() -> None:
    """Off unless asked; 'realistic', 'off' or per-kind figures; bad values are named."""
    assert not BulkLatency().enabled
    assert parse_faults({}).bulk_latency is None  # a spec without it keeps the org's
    assert parse_faults({"bulk_latency": "realistic"}).bulk_latency == BulkLatency.realistic()
    assert parse_faults({"bulk_latency": "off"}).bulk_latency == BulkLatency()
    spec = parse_faults({"bulk_latency": {"ingest": {"base_seconds": 2, "records_per_second": 4}}})
    assert spec.bulk_latency == BulkLatency(ingest=JobLatency(2.0, 4.0))
    assert spec.bulk_latency.ingest.seconds(10) == 4.5
    with pytest.raises(FaultSpecError) as info:
        parse_faults({"bulk_latency": {"query": {"base_seconds": -1, "records_per_second": 0}}})
    assert "bulk_latency.query.base_seconds" in str(info.value)
    assert "bulk_latency.query.records_per_second" in str(info.value)
    with pytest.raises(FaultSpecError, match="bulk_latency: expected 'off', 'realistic'"):
        parse_faults({"bulk_latency": "slow"})


def test_query_job_runs_for_its_latency_and_early_results_are_412(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """With latency on, a query job is InProgress (0 rows processed) and its results 412."""
    sandbox.org.install_faults(FaultSpec(bulk_latency=SLOW))
    job_id = _query(http, sandbox)
    base = f"{sandbox.url}/services/data/v62.0/jobs/query/{job_id}"
    info = http.get(base, headers=auth_headers(sandbox)).json()
    assert info["state"] == "InProgress"
    assert info["numberRecordsProcessed"] == 0
    response = http.get(f"{base}/results", headers=auth_headers(sandbox))
    assert response.status_code == 412
    assert payload("bulk2_query_results_not_complete_412.json") == response.json()
    # Another fault spec without bulk_latency leaves the latency on.
    sandbox.org.install_faults(FaultSpec())
    assert sandbox.org.bulk_latency == SLOW


def test_ingest_job_runs_for_its_latency_after_the_close(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """An ingest job is InProgress after UploadComplete until its processing time passed."""
    sandbox.org.install_faults(FaultSpec(bulk_latency=SLOW))
    base = f"{sandbox.url}/services/data/v62.0/jobs/ingest"
    headers = auth_headers(sandbox)
    job = http.post(base, json={"object": "Lead", "operation": "update"}, headers=headers).json()
    ids = lead_ids(sandbox, 2)
    body = "Id,Company\n" + "".join(f"{i},Acme\n" for i in ids)
    put = http.put(
        f"{base}/{job['id']}/batches",
        data=body.encode(),
        headers=auth_headers(sandbox, **{"Content-Type": "text/csv"}),
    )
    assert put.status_code == 201
    http.patch(f"{base}/{job['id']}", json={"state": "UploadComplete"}, headers=headers)
    info = http.get(f"{base}/{job['id']}", headers=headers).json()
    assert info["state"] == "InProgress"
    assert info["numberRecordsProcessed"] == 0


def test_an_ingest_job_applies_its_records_at_the_latency_s_rate(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """At 500 records a second, 220 records are written in two chunks (200, then 20) 0.4 s
    apart, so their SystemModstamps spread as a real org's would, not all in one moment."""
    rate = BulkLatency(ingest=JobLatency(0.0, 500.0))
    sandbox.org.install_faults(FaultSpec(bulk_latency=rate))
    base = f"{sandbox.url}/services/data/v62.0/jobs/ingest"
    headers = auth_headers(sandbox)
    job = http.post(base, json={"object": "Lead", "operation": "update"}, headers=headers).json()
    ids = lead_ids(sandbox, 220)
    assert len(ids) == 220
    body = "Id,Company\n" + "".join(f"{i},Paced Inc\n" for i in ids)
    csv_headers = auth_headers(sandbox, **{"Content-Type": "text/csv"})
    http.put(f"{base}/{job['id']}/batches", data=body.encode(), headers=csv_headers)
    http.patch(f"{base}/{job['id']}", json={"state": "UploadComplete"}, headers=headers)
    deadline = time.monotonic() + 30
    while http.get(f"{base}/{job['id']}", headers=headers).json()["state"] != "JobComplete":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with sandbox.org.lock:
        stamps = sorted(
            datetime.fromisoformat(r[0].replace("+0000", "+00:00"))
            for r in sandbox.org.conn.execute(
                "SELECT SystemModstamp FROM \"Lead\" WHERE Company = 'Paced Inc'"
            )
        )
    assert len(stamps) == 220
    spread = (stamps[-1] - stamps[0]).total_seconds()
    assert 0.3 <= spread < 5, spread  # chunks at 0 and 0.4 s (without pace: at once)


def test_without_latency_jobs_finish_at_once(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """The default: the first status poll already finds the job complete."""
    job_id = _query(http, sandbox)
    info = http.get(
        f"{sandbox.url}/services/data/v62.0/jobs/query/{job_id}", headers=auth_headers(sandbox)
    ).json()
    assert info["state"] == "JobComplete"


def test_all_jobs_listing_pages_like_salesforce(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """GET /jobs/query: done / records / nextRecordsUrl with a queryLocator, jobType filter."""
    sandbox.app.bulk.list_page_size = 2
    created = [_query(http, sandbox, f"SELECT Id FROM Lead LIMIT {n}") for n in (1, 2, 3)]
    base = f"{sandbox.url}/services/data/v62.0/jobs/query"
    first = http.get(base, params={"jobType": "V2Query"}, headers=auth_headers(sandbox)).json()
    assert first["done"] is False
    assert len(first["records"]) == 2
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/jobs/query?queryLocator=")
    record = first["records"][0]
    assert {
        "id",
        "operation",
        "object",
        "createdById",
        "createdDate",
        "systemModstamp",
        "state",
        "concurrencyMode",
        "contentType",
        "apiVersion",
        "jobType",
        "lineEnding",
        "columnDelimiter",
    } == set(record)
    assert record["jobType"] == "V2Query"
    last = http.get(sandbox.url + first["nextRecordsUrl"], headers=auth_headers(sandbox)).json()
    assert last == {"done": True, "records": last["records"], "nextRecordsUrl": None}
    assert [r["id"] for r in first["records"] + last["records"]] == created
    again = http.get(sandbox.url + first["nextRecordsUrl"], headers=auth_headers(sandbox))
    # a page may be asked for again (the same jobs; a state may have moved on meanwhile,
    # as the background query finishes)
    assert [r["id"] for r in again.json()["records"]] == [r["id"] for r in last["records"]]
    ingest = http.get(base, params={"jobType": "V2Ingest"}, headers=auth_headers(sandbox))
    assert ingest.json() == {"done": True, "records": [], "nextRecordsUrl": None}
    bad = http.get(base, params={"jobType": "Bogus"}, headers=auth_headers(sandbox))
    assert bad.status_code == 400
    stale = http.get(base, params={"queryLocator": "01gXXX-2"}, headers=auth_headers(sandbox))
    assert stale.status_code == 400
    assert stale.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_start_sandbox_kwarg_and_fault_spec_precedence(data_dir: Path) -> None:
    """start_sandbox(bulk_latency=...) turns it on; a fault spec's own setting wins."""
    with start_sandbox(data_dir, bulk_latency=BulkLatency.realistic()) as running:
        assert running.org.bulk_latency == BulkLatency.realistic()
    spec = FaultSpec(bulk_latency=SLOW)
    with start_sandbox(data_dir, faults=spec, bulk_latency=BulkLatency.realistic()) as running:
        assert running.org.bulk_latency == SLOW


def test_serve_has_a_bulk_latency_flag() -> None:
    """`sfsync sandbox serve --bulk-latency realistic|off`."""
    from sfsync.commands.sandbox import sandbox

    result = CliRunner().invoke(sandbox, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--api-latency, --bulk-latency [off|realistic]" in result.output
    bad = CliRunner().invoke(sandbox, ["serve", "--data-dir", "x", "--bulk-latency", "slow"])
    assert bad.exit_code == 2
