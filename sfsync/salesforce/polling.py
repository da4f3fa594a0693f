"""
Waiting for Bulk API 2.0 jobs: when to poll, and one listing call for several query jobs.

Polling is where a real org's processing time turns into API calls, so it is budgeted:
- a job's first poll comes after the time a fast org would need for its expected size, the
  next ones after a wait as long as the job has already run (so polls are geometric in the
  job's age, at most `poll_max` apart, and a job is noticed at most ~2x late);
- a pass starts all its query jobs before it reads any (sync.extract), and while several
  of them are unfinished one `GET /jobs/query?jobType=V2Query` (the all-jobs listing,
  followed only as far as needed) checks them all; the listing is dropped for the rest of
  the run if it ever costs more requests than polling each job would, or misses a job;
- a job already seen finished costs no poll at all, and a poll due while results of
  another job were being read is made at once, without sleeping.

Waits go through *sleep*, which a stop request interrupts (`Stop.sleep` raises
StopRequestedError): sfsync never waits for a query job after SIGINT/SIGTERM. An ingest job
the org is applying is waited for with *pause* instead, which keeps waiting (polling more
often) so its results can be recorded before sfsync stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

import requests
import structlog

from sfsync.errors import SalesforceError
from sfsync.stop import NOTHING_HALF_DONE, Stop

log = structlog.get_logger(__name__)

DONE_STATES = {"JobComplete", "Failed", "Aborted"}


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
class JobWatch:
    """One job being waited for: when it started, what it should hold, what we last saw."""

    job_id: str
    path: str
    started: float
    next_poll: float
    info: dict[str, Any] | None = None  # set once the job is seen in a final state
    listed: bool = False  # info came from the all-jobs listing (which has no errorMessage)


class JobPoller:
    """
    Poll Bulk API 2.0 jobs until they end (see the module docstring for the schedule).

    *sleep* and *pause* are called between polls (see the module docstring; *pause*
    defaults to *sleep*), *clock* reads the time (tests pass fakes), *stop* says what is
    in flight while a job is waited for. A job's first poll comes `poll_first + expected
    records / poll_rate` seconds after it started; each later one after a wait of the
    job's age times *poll_growth*, between *poll_initial* and *poll_max* seconds. A job not
    done *poll_timeout* seconds after it started raises SalesforceError. *list_jobs* lets
    several unfinished query jobs be polled with one all-jobs listing.
    """

    def __init__(
        self,
        call: SendRequest,
        *,
        sleep: Callable[[float], None],
        pause: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        stop: Stop | None = None,
        poll_initial: float = 0.5,
        poll_first: float = 2.0,
        poll_max: float = 30.0,
        poll_growth: float = 1.0,
        poll_rate: float = 20_000.0,
        poll_timeout: float = 3600.0,
        list_jobs: bool = True,
    ) -> None:
        self._call = call
        self._sleep = sleep
        self._pause = pause or sleep
        self._clock = clock
        self._stop = stop
        self._poll_initial = poll_initial
        self._poll_first = poll_first
        self._poll_max = poll_max
        self._poll_growth = poll_growth
        self._poll_rate = poll_rate
        self._poll_timeout = poll_timeout
        self._list_jobs = list_jobs
        self._queries: dict[str, JobWatch] = {}  # query jobs started and not yet read

    def _doing(self, now: str, abandoned: str = NOTHING_HALF_DONE) -> AbstractContextManager[None]:
        """Declare what is in flight, when a stop request is there to ask."""
        return nullcontext() if self._stop is None else self._stop.doing(now, abandoned=abandoned)

    def _watch(self, path: str, job_id: str, started: float, expected: int) -> JobWatch:
        first = self._poll_first + max(0, expected) / self._poll_rate
        return JobWatch(job_id, path, started, started + min(first, self._poll_max))

    def _next_wait(self, watch: JobWatch) -> float:
        age = self._clock() - watch.started
        return min(self._poll_max, max(self._poll_initial, age * self._poll_growth))

    def _wait_query(self, watch: JobWatch) -> dict[str, Any]:
        return self._wait(watch, poll=self._poll_query)

    def _wait(
        self,
        watch: JobWatch,
        *,
        accept_failed: bool = False,
        poll: Callable[[JobWatch], None] | None = None,
        finishing: bool = False,
    ) -> dict[str, Any]:
        """
        Sleep until *watch* is due, poll, repeat until the job is in a final state. With
        *finishing* (a job the org is applying) the waits are `pause`, not `sleep`.
        """
        wait = self._pause if finishing else self._sleep
        while watch.info is None:
            now = self._clock()
            if now - watch.started >= self._poll_timeout:
                msg = (
                    f"Bulk API job {watch.job_id} still not done after "
                    f"{now - watch.started:.0f}s; gave up"
                )
                raise SalesforceError(msg, resource=watch.path, error_code="JOB_TIMEOUT")
            if watch.next_poll > now:
                wait(watch.next_poll - now)
            (poll or self._poll_one)(watch)
        info = watch.info
        state = info.get("state")
        if state == "JobComplete" or (accept_failed and state in DONE_STATES):
            return info
        if watch.listed:  # the all-jobs listing leaves the reason out
            info = self._call("GET", watch.path, name=_resource(watch.path)).json()
        msg = f"Bulk API job {watch.job_id} ended {state}: {info.get('errorMessage', '')}"
        raise SalesforceError(msg, resource=watch.path, error_code=str(state).upper())

    def _seen(self, watch: JobWatch, info: dict[str, Any], *, listed: bool = False) -> None:
        """Record one poll's answer about *watch*'s job."""
        if info.get("state") in DONE_STATES:
            watch.info, watch.listed = info, listed
        else:
            watch.next_poll = self._clock() + self._next_wait(watch)

    def _poll_one(self, watch: JobWatch) -> None:
        info = self._call("GET", watch.path, name=_resource(watch.path)).json()
        self._seen(watch, info)

    def _poll_query(self, watch: JobWatch) -> None:
        """Poll *watch*, and every other unfinished query job with it when that is cheaper."""
        pending = {w.job_id: w for w in self._queries.values() if w.info is None}
        pending[watch.job_id] = watch
        if not self._list_jobs or len(pending) < 2:
            self._poll_one(watch)
            return
        seen: dict[str, dict[str, Any]] = {}
        requests_made = 0
        for page in self._listing(seen, pending):
            requests_made += 1
            for info in page.get("records") or []:
                if isinstance(info, dict) and info.get("id") in pending:
                    seen[str(info["id"])] = info
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

    def _listing(
        self, seen: dict[str, dict[str, Any]], pending: dict[str, JobWatch]
    ) -> Iterator[dict[str, Any]]:
        """The all-jobs listing's pages, followed until every pending job was seen."""
        path: str = "jobs/query"
        params: dict[str, str] | None = {"jobType": "V2Query"}
        while True:
            page: dict[str, Any] = self._call("GET", path, name="jobs/query", params=params).json()
            yield page
            next_url = page.get("nextRecordsUrl")
            if len(seen) == len(pending) or page.get("done", True) or not next_url:
                return
            path, params = str(next_url), None


def _resource(path: str) -> str:
    """The resource name of a job path (jobs/query/ID -> jobs/query)."""
    return path.rsplit("/", 1)[0]
