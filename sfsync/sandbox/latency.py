"""
How long the sandbox org takes, as a real org would (off by default, so tests run fast).

Two models, both switched on by `sandbox serve --api-latency realistic`, the benchmark's
default, or `api_latency: realistic` in a fault spec:

- `RestLatency`: every request's answer is held back until a real org's round trip would
  have ended: `call_seconds`, plus time per record a synchronous call reads (a REST query
  page) or writes (sObject CRUD, Collections), plus the body bytes at a link's speed. Time
  the sandbox already spent on the request counts towards it (it only sleeps the rest), and
  it sleeps in the request's own thread, so requests on other connections never wait.
- `BulkLatency`: a Bulk API 2.0 job stays InProgress for `base + records / rate` after it is
  created (query) or closed (ingest); its requests pay only the REST round trip, its
  records are paid for by the job's processing time.

`realistic()` holds the benchmark's figures; benchmarks/README.md ("Latency model") cites
where each comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class JobLatency:
    """How long one kind of Bulk job runs: `base_seconds + records / records_per_second`."""

    base_seconds: float = 0.0
    records_per_second: float | None = None  # None: no per-record time

    def seconds(self, records: int) -> float:
        """Processing time of a job over *records* records."""
        rate = self.records_per_second
        return self.base_seconds + (records / rate if rate else 0.0)


@dataclass(frozen=True)
class BulkLatency:
    """
    Realistic Bulk API 2.0 processing time (default off: jobs finish at once).

    A query job stays InProgress for `query.seconds(rows)` after it is created, an ingest
    job for `ingest.seconds(records)` after its upload is closed.
    """

    query: JobLatency = field(default_factory=JobLatency)
    ingest: JobLatency = field(default_factory=JobLatency)

    @property
    def enabled(self) -> bool:
        """Whether any job takes time."""
        return any(k.base_seconds or k.records_per_second for k in (self.query, self.ingest))

    @classmethod
    def realistic(cls) -> BulkLatency:
        """The benchmark's figures: query 5 s + 5,000 rows/s, ingest 5 s + 2,000 records/s."""
        return cls(JobLatency(5.0, 5000.0), JobLatency(5.0, 2000.0))


@dataclass(frozen=True)
class RestLatency:
    """
    A real org's round trip for one request (default off: answers at once).

    `call_seconds` for every request; a synchronous read adds `records /
    read_records_per_second`, a synchronous write `records / write_records_per_second`;
    request and response bodies add `bytes / bytes_per_second`. Bulk job resources
    (`/jobs/...`) pay the call and the bytes only: their records are the job's processing.
    """

    call_seconds: float = 0.0
    read_records_per_second: float | None = None
    write_records_per_second: float | None = None
    bytes_per_second: float | None = None

    @property
    def enabled(self) -> bool:
        """Whether any request takes time."""
        return bool(
            self.call_seconds
            or self.read_records_per_second
            or self.write_records_per_second
            or self.bytes_per_second
        )

    @classmethod
    def realistic(cls) -> RestLatency:
        """The benchmark's figures: 0.2 s a call, 5,000 read / 2,000 written records a
        second, 12.5 MB/s (a 100 Mbit/s link)."""
        return cls(0.2, 5000.0, 2000.0, 12_500_000.0)

    def seconds(self, method: str, path: str, *, records: int, body_bytes: int) -> float:
        """How long a real org takes for this request (*records*: what it read or wrote)."""
        if not self.enabled:
            return 0.0
        total = self.call_seconds
        if self.bytes_per_second:
            total += body_bytes / self.bytes_per_second
        if records and "/jobs/" not in path:
            rate = (
                self.write_records_per_second
                if method in _WRITE_METHODS
                else self.read_records_per_second
            )
            if rate:
                total += records / rate
        return total


# --- parsing (fault specs, the CLI) -------------------------------------------------------


def _number(
    data: Mapping[str, Any], key: str, where: str, problems: list[str], *, rate: bool
) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    if bad or value < 0 or (rate and value == 0):
        kind = "a positive number" if rate else "a non-negative number"
        problems.append(f"{where}.{key}: expected {kind}, got {value!r}")
        return None
    return float(value)


def _keys(value: Any, allowed: set[str], where: str, problems: list[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: expected 'off', 'realistic' or a mapping, got {value!r}")
        return {}
    problems.extend(f"{where}.{k}: unknown key" for k in sorted(set(value) - allowed))
    return value


def _job_latency(value: Any, where: str, problems: list[str]) -> JobLatency:
    data = _keys(value, {"base_seconds", "records_per_second"}, where, problems)
    base = _number(data, "base_seconds", where, problems, rate=False)
    return JobLatency(base or 0.0, _number(data, "records_per_second", where, problems, rate=True))


def bulk_latency(value: Any, where: str, problems: list[str]) -> BulkLatency:
    """`off`, `realistic` or `{query: {base_seconds, records_per_second}, ingest: {...}}`."""
    if value in (None, False, "off"):
        return BulkLatency()
    if value in (True, "realistic"):
        return BulkLatency.realistic()
    data = _keys(value, {"query", "ingest"}, where, problems)
    query = _job_latency(data["query"], f"{where}.query", problems) if "query" in data else None
    ingest = _job_latency(data["ingest"], f"{where}.ingest", problems) if "ingest" in data else None
    return BulkLatency(query or JobLatency(), ingest or JobLatency())


def rest_latency(value: Any, where: str, problems: list[str]) -> RestLatency:
    """`off`, `realistic` or `{call_seconds, read_records_per_second, ...}`."""
    if value in (None, False, "off"):
        return RestLatency()
    if value in (True, "realistic"):
        return RestLatency.realistic()
    names = ("read_records_per_second", "write_records_per_second", "bytes_per_second")
    data = _keys(value, {"call_seconds", *names}, where, problems)
    call = _number(data, "call_seconds", where, problems, rate=False) or 0.0
    read, write, link = (_number(data, n, where, problems, rate=True) for n in names)
    return RestLatency(call, read, write, link)


def api_latency(value: Any, where: str, problems: list[str]) -> tuple[RestLatency, BulkLatency]:
    """`off` or `realistic` for both models at once (`--api-latency`, `api_latency:`)."""
    if value not in (None, False, True, "off", "realistic"):
        problems.append(f"{where}: expected 'off' or 'realistic', got {value!r}")
        return RestLatency(), BulkLatency()
    return rest_latency(value, where, problems), bulk_latency(value, where, problems)
