"""
Bulk API 2.0 polling under a real org's processing time: the wait schedule grows with a
job's age (first wait sized by its expected records), several unfinished query jobs are
checked with one all-jobs listing (followed only as far as needed, dropped when it costs
more than polling each job), and a job seen finished is never polled again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sfsync.errors import SalesforceError, StopRequestedError
from sfsync.salesforce.bulk import Bulk2
from sfsync.salesforce.polling import JobPoller, JobWatch
from sfsync.stop import Stop


class FakeClock:
    """Time that passes only when the code under test sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.waits.append(seconds)
        self.now += seconds


@dataclass
class _Job:
    id: str
    ready_at: float
    rows: int
    final: str = "JobComplete"


@dataclass
class FakeOrg:
    """Query jobs that finish at set times; the all-jobs listing pages *page_size* jobs."""

    clock: FakeClock
    durations: list[float]
    page_size: int = 1000
    other_jobs: int = 0  # someone else's jobs, listed before ours
    final: str = "JobComplete"
    jobs: dict[str, _Job] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)

    def __call__(self, method: str, path: str, *, name: str, **kwargs: Any) -> Any:
        listing = path == "jobs/query" or path.startswith("/services/")
        results = path.endswith("/results")
        kind = "LIST" if listing else "RESULTS" if results else "STATUS"
        self.sent.append("POST" if method == "POST" else kind)
        if method == "POST":
            job_id = f"750{len(self.jobs):015d}"
            duration = self.durations[len(self.jobs)]
            self.jobs[job_id] = _Job(job_id, self.clock.now + duration, 3, self.final)
            return _json({"id": job_id, "object": "Lead", "state": "UploadComplete"})
        if listing:
            return self._listing(path, kwargs.get("params"))
        job_id = path.split("/")[2]
        job = self.jobs[job_id]
        if results:
            if self.state(job) != "JobComplete":
                raise SalesforceError("412", status=412, error_code="JOB_NOT_COMPLETE")
            body = "Id\n" + "".join(f"{job_id}-{i}\n" for i in range(job.rows))
            return _csv(body)
        info = {"id": job_id, "state": self.state(job)}
        if job.final == "Failed":
            info["errorMessage"] = "QUERY_TIMEOUT: took too long"
        return _json(info)

    def state(self, job: _Job) -> str:
        return job.final if self.clock.now >= job.ready_at else "InProgress"

    def _listing(self, path: str, params: dict[str, str] | None) -> Any:
        if params is not None:
            assert params == {"jobType": "V2Query"}
            offset = 0
        else:
            offset = int(parse_qs(urlsplit(path).query)["queryLocator"][0].split("-")[1])
        everything = [{"id": f"other{i}", "state": "JobComplete"} for i in range(self.other_jobs)]
        everything += [{"id": j.id, "state": self.state(j)} for j in self.jobs.values()]
        page = everything[offset : offset + self.page_size]
        rest = offset + self.page_size < len(everything)
        next_url = (
            f"/services/data/v62.0/jobs/query?queryLocator=01gX-{offset + self.page_size}"
            if rest
            else None
        )
        return _json({"done": not rest, "records": page, "nextRecordsUrl": next_url})

    def count(self, kind: str) -> int:
        return self.sent.count(kind)


def _json(body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()
    return response


def _csv(body: str) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers["Sforce-Locator"] = "null"
    response.raw = _Raw(body.encode())
    return response


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1, **_: Any) -> bytes:
        data, self._data = self._data, b""
        return data

    def stream(self, size: int, decode_content: bool = True) -> Any:
        if self._data:
            yield self.read()


def _bulk(org: FakeOrg, **options: Any) -> Bulk2:
    return Bulk2(org, sleep=org.clock.sleep, clock=org.clock, **options)


def test_one_listing_per_round_checks_every_query_job() -> None:
    """Five jobs started together cost listing polls, not one status poll per job each."""
    clock = FakeClock()
    org = FakeOrg(clock, durations=[23.0, 70.0, 7.0, 23.0, 35.0])
    bulk = _bulk(org)
    jobs = [bulk.start_query(f"SELECT Id FROM O{i}", expected_records=10_001)[0] for i in range(5)]
    for job_id in jobs:
        assert [r["Id"] for r in bulk.query_rows(job_id)] == [f"{job_id}-{i}" for i in range(3)]
    assert org.count("RESULTS") == 5  # never a 412: results only when done
    # Polls at 2.5, 5, 10, 20, 40 s (the first job is done at 23 s), then at 70 s for the
    # 70 s one: six in all, where one status poll per job per wait would be 4x that.
    assert org.count("LIST") + org.count("STATUS") == 6
    assert org.count("LIST") == 5
    # Once one job is left the listing would cost the same: its own status is asked for.
    assert org.count("STATUS") == 1
    assert max(clock.waits) <= 30.0


def test_waits_grow_with_the_jobs_age_and_the_first_is_sized_by_its_records() -> None:
    """First wait: 2 s + records / 20,000; then the job's age, capped at poll_max."""
    clock = FakeClock()
    org = FakeOrg(clock, durations=[200.0])
    bulk = _bulk(org)
    job_id, _ = bulk.start_query("SELECT Id FROM Lead", expected_records=100_000)
    list(bulk.query_rows(job_id))
    assert clock.waits[:4] == [7.0, 7.0, 14.0, 28.0]
    assert clock.waits[4:] == [30.0] * (len(clock.waits) - 4)
    assert org.count("STATUS") == len(clock.waits)  # one status poll per wait
    assert org.count("LIST") == 0  # a lone job is asked about directly
    assert clock.now - 1000.0 - 200.0 < 30.0  # noticed within one capped wait


def test_a_listing_costlier_than_polling_each_job_is_dropped() -> None:
    """Thousands of other jobs in the org: after one expensive listing, jobs are polled."""
    clock = FakeClock()
    org = FakeOrg(clock, durations=[60.0, 60.0], page_size=10, other_jobs=45)
    bulk = _bulk(org)
    jobs = [bulk.start_query(f"SELECT Id FROM O{i}")[0] for i in range(2)]
    for job_id in jobs:
        list(bulk.query_rows(job_id))
    assert org.count("LIST") == 5  # 45 others + 2 ours, 10 per page: the only listing round
    assert org.sent[:7] == ["POST", "POST", "LIST", "LIST", "LIST", "LIST", "LIST"]
    assert "LIST" not in org.sent[7:]  # dropped for the rest of the run
    assert org.count("STATUS") >= len(clock.waits) - 1


def test_listing_pages_stop_once_every_job_is_found() -> None:
    """Our jobs on the first page: the listing's next pages are not fetched."""
    clock = FakeClock()
    org = FakeOrg(clock, durations=[10.0, 10.0, 10.0], page_size=3)
    bulk = _bulk(org)
    jobs = [bulk.start_query(f"SELECT Id FROM O{i}")[0] for i in range(3)]
    org.other_jobs = 0
    list(bulk.query_rows(jobs[0]))
    assert org.count("LIST") == len(clock.waits)  # one page per round
    assert org.count("STATUS") == 0
    polls = org.count("LIST")
    for job_id in jobs[1:]:
        list(bulk.query_rows(job_id))
    assert org.count("LIST") == polls  # the others were seen finished already
    assert org.count("STATUS") == 0


def test_a_job_failed_in_the_listing_is_asked_for_its_reason() -> None:
    """The listing has no errorMessage: one status request fetches it for the error."""
    clock = FakeClock()
    org = FakeOrg(clock, durations=[5.0, 5.0], final="Failed")
    bulk = _bulk(org)
    jobs = [bulk.start_query(f"SELECT Id FROM O{i}")[0] for i in range(2)]
    with pytest.raises(SalesforceError, match="QUERY_TIMEOUT") as info:
        list(bulk.query_rows(jobs[0]))
    assert info.value.error_code == "FAILED"
    assert org.sent[-2:] == ["LIST", "STATUS"]


def test_a_job_that_never_finishes_times_out() -> None:
    """poll_timeout seconds after the job started, the wait gives up with JOB_TIMEOUT."""
    clock = FakeClock()
    org = FakeOrg(clock, durations=[10_000.0])
    bulk = _bulk(org, poll_timeout=120.0)
    job_id, _ = bulk.start_query("SELECT Id FROM Lead")
    with pytest.raises(SalesforceError) as info:
        list(bulk.query_rows(job_id))
    assert info.value.error_code == "JOB_TIMEOUT"
    assert 120.0 <= clock.now - 1000.0 < 150.0


def test_time_spent_reading_counts_as_waiting() -> None:
    """A poll that fell due while other results were read is made at once, no sleep."""
    clock = FakeClock()
    org = FakeOrg(clock, durations=[1.0, 40.0])
    bulk = _bulk(org)
    first, _ = bulk.start_query("SELECT Id FROM A")
    second, _ = bulk.start_query("SELECT Id FROM B")
    list(bulk.query_rows(first))
    clock.now += 60.0  # reading and storing the first job's rows took a minute
    waits = len(clock.waits)
    list(bulk.query_rows(second))
    assert len(clock.waits) == waits


def test_a_stop_request_ends_the_wait_for_a_query_job_at_once() -> None:
    """Waiting for a query job is a stop request's sleep: SIGTERM ends it, no poll is lost."""
    org = FakeOrg(FakeClock(), durations=[600.0])
    stop = Stop()

    def sleep(seconds: float) -> None:
        stop.set("SIGTERM received")  # arrives during the first wait
        stop.sleep(seconds)

    bulk = Bulk2(org, sleep=sleep, clock=org.clock, stop=stop)
    job_id, _ = bulk.start_query("SELECT Id FROM Lead", expected_records=3)
    with pytest.raises(StopRequestedError):
        list(bulk.query_rows(job_id))
    assert ["POST"] == org.sent


def test_a_job_the_org_applies_is_waited_for_with_pause_not_sleep() -> None:
    """A finishing wait uses *pause*: a stop request (which makes *sleep* raise) cannot end it."""
    clock = FakeClock()
    poller = JobPoller(
        lambda method, path, *, name, **kw: _json(
            {"id": "750X", "state": "JobComplete" if clock.now >= 1010 else "InProgress"}
        ),
        sleep=lambda seconds: pytest.fail("a finishing wait must not use sleep"),
        pause=clock.sleep,
        clock=clock,
    )
    watch = JobWatch("750X", "jobs/ingest/750X", started=1000.0, next_poll=1002.0)
    assert "JobComplete" == poller._wait(watch, accept_failed=True, finishing=True)["state"]
    assert sum(clock.waits) >= 10
