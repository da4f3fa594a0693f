"""
REST round trips as slow as a real org's (sandbox/latency.py): the model's arithmetic, its
settings, and how the server applies it: each request sleeps out what the model says minus
the time already spent, in its own thread (other connections are not held up), without
burning CPU.
"""

from __future__ import annotations

import resource
import threading
import time
from pathlib import Path

import pytest

from sfsync.sandbox.faults import FaultSpec, FaultSpecError, parse_faults
from sfsync.sandbox.latency import BulkLatency, RestLatency
from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.conftest import PinnedSession, auth_headers, lead_ids

API = "/services/data/v62.0"


def test_model_charges_calls_records_and_bytes() -> None:
    """0.2 s a call, + records read or written at their rates, + bytes; Bulk records are free."""
    model = RestLatency.realistic()
    assert model.seconds("GET", f"{API}/limits", records=0, body_bytes=0) == pytest.approx(0.2)
    page = model.seconds("GET", f"{API}/query", records=2000, body_bytes=1_250_000)
    assert page == pytest.approx(0.2 + 2000 / 5000 + 0.1)
    collection = model.seconds("PATCH", f"{API}/composite/sobjects", records=200, body_bytes=0)
    assert collection == pytest.approx(0.2 + 200 / 2000)
    results = model.seconds("GET", f"{API}/jobs/query/750x/results", records=50_000, body_bytes=0)
    assert results == pytest.approx(0.2)  # the job's processing time paid for those rows
    assert RestLatency().seconds("GET", f"{API}/query", records=2000, body_bytes=10**6) == 0


def test_settings_from_a_fault_spec() -> None:
    """api_latency sets both models; rest_latency and bulk_latency set one; errors are named."""
    both = parse_faults({"api_latency": "realistic"})
    assert (both.rest_latency, both.bulk_latency) == (
        RestLatency.realistic(),
        BulkLatency.realistic(),
    )
    only_rest = parse_faults({"api_latency": "realistic", "bulk_latency": "off"})
    assert only_rest.bulk_latency == BulkLatency()
    custom = parse_faults({"rest_latency": {"call_seconds": 0.05, "bytes_per_second": 1e6}})
    assert custom.rest_latency == RestLatency(0.05, None, None, 1e6)
    assert parse_faults({}).rest_latency is None  # a spec without it keeps the org's
    with pytest.raises(FaultSpecError) as info:
        parse_faults({"rest_latency": {"call_seconds": -1, "read_records_per_second": 0}})
    assert "rest_latency.call_seconds" in str(info.value)
    assert "rest_latency.read_records_per_second" in str(info.value)
    with pytest.raises(FaultSpecError, match="api_latency: expected 'off' or 'realistic'"):
        parse_faults({"api_latency": {"call_seconds": 1}})


def test_start_sandbox_kwarg_and_fault_spec_precedence(data_dir: Path) -> None:
    """start_sandbox(rest_latency=...) turns it on; a fault spec's own setting wins."""
    with start_sandbox(data_dir, rest_latency=RestLatency.realistic()) as running:
        assert running.org.rest_latency == RestLatency.realistic()
    spec = FaultSpec(rest_latency=RestLatency(call_seconds=1.0))
    with start_sandbox(data_dir, faults=spec, rest_latency=RestLatency.realistic()) as running:
        assert running.org.rest_latency == RestLatency(call_seconds=1.0)


def test_a_request_sleeps_the_modelled_time_minus_its_own(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A Collections PATCH of 20 leads pauses for its model time less the work already done."""
    sandbox.org.install_faults(FaultSpec(rest_latency=RestLatency(0.5, None, 20.0)))
    pauses: list[float] = []
    sandbox.app.pause = pauses.append
    records = [
        {"attributes": {"type": "Lead"}, "id": i, "SFS_Touches__c": 1}
        for i in lead_ids(sandbox, 20)
    ]
    response = http.patch(
        f"{sandbox.url}{API}/composite/sobjects",
        json={"allOrNone": False, "records": records},
        headers=auth_headers(sandbox, **{"Sforce-Auto-Assign": "FALSE"}),
    )
    assert response.status_code == 200
    (paused,) = pauses
    assert 1.0 < paused <= 0.5 + 20 / 20.0  # the org's own work took less than half a second
    admin = http.get(f"{sandbox.url}/__sandbox/calls", headers=auth_headers(sandbox))
    assert admin.status_code == 200
    assert len(pauses) == 1  # admin endpoints are not an org's API


def test_sleeping_requests_do_not_wait_for_each_other(
    sandbox: RunningSandbox, http: PinnedSession
) -> None:
    """Two clients on two connections are inside their latency pause at the same time."""
    sandbox.org.install_faults(FaultSpec(rest_latency=RestLatency(call_seconds=5.0)))
    both_sleeping = threading.Barrier(2, timeout=10)
    sandbox.app.pause = lambda seconds: both_sleeping.wait()
    statuses: list[int] = []

    def call() -> None:
        with PinnedSession(sandbox.ca_file) as client:
            response = client.get(f"{sandbox.url}{API}/limits", headers=auth_headers(sandbox))
            statuses.append(response.status_code)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert statuses == [200, 200]  # a serialised server would break the barrier (500s)


def test_latency_sleeps_without_burning_cpu(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Half a second of modelled latency is half a second of wall time and almost no CPU."""
    sandbox.org.install_faults(FaultSpec(rest_latency=RestLatency(call_seconds=0.5)))
    before_cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    response = http.get(f"{sandbox.url}{API}/limits", headers=auth_headers(sandbox))
    wall = time.monotonic() - started
    after_cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after_cpu.ru_utime - before_cpu.ru_utime) + (after_cpu.ru_stime - before_cpu.ru_stime)
    assert response.status_code == 200
    assert wall >= 0.5
    assert cpu < 0.25


def test_stopping_the_org_cuts_a_sleep_short(data_dir: Path) -> None:
    """A request sleeping out a long latency does not hold up the org's shutdown."""
    with start_sandbox(data_dir, rest_latency=RestLatency(call_seconds=60.0)) as running:
        result: list[int] = []

        def call() -> None:
            with PinnedSession(running.ca_file) as client:
                url = f"{running.url}{API}/limits"
                result.append(client.get(url, headers=auth_headers(running)).status_code)

        thread = threading.Thread(target=call)
        thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        running.stop()
        thread.join(10)
        assert time.monotonic() - started < 10
    assert result == [200]
