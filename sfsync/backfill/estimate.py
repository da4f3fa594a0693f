"""
The backfill's estimate: what an apply will cost (requests, Bulk jobs, bytes) and change,
from the passes of a dry read and the values it computed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sfsync.salesforce.records import csv_line, ingest_columns, ingest_row, rest_value

# How `sync._write` and `SalesforceClient.write` spend requests: a pass hands all its
# changes to one `client.write`; above the client's bulk write threshold that is one Bulk
# 2.0 ingest job per MAX_UPLOAD_BYTES of CSV, otherwise one Collections PATCH per
# COLLECTION_LIMIT records.
COLLECTION_LIMIT = 200
MAX_UPLOAD_BYTES = 100_000_000
INGEST_JOB_CALLS = 4
"""Create, upload, close, one status poll (failedResults only when records failed)."""
QUERY_CALL = 1
"""The COUNT() of the scope each run starts with."""


@dataclass(frozen=True)
class WritePlan:
    """What writing a set of records costs: requests, Bulk ingest jobs, bytes uploaded."""

    calls: int = 0
    ingest_jobs: int = 0
    upload_bytes: int = 0


def plan_writes(
    records: Sequence[Mapping[str, Any]], *, bulk_write_threshold: int, sobject: str = "Lead"
) -> WritePlan:
    """
    Cost one pass's writes of *records* (`{"Id": …, field: value}`) as the client sends
    them: the Collections JSON bodies or Bulk 2.0 CSV uploads, built from the same values.
    Row-lock retries and rejected records are not foreseen.
    """
    if not records:
        return WritePlan()
    if len(records) > bulk_write_threshold:
        columns = ingest_columns(records)
        header = len(csv_line(columns))
        jobs, size, part = 1, header, header
        for record in records:
            line = len(csv_line(ingest_row(record, columns)))
            if part + line > MAX_UPLOAD_BYTES and part > header:
                jobs, size, part = jobs + 1, size + header, header
            part += line
            size += line
        return WritePlan(jobs * INGEST_JOB_CALLS, jobs, size)
    calls = size = 0
    for first in range(0, len(records), COLLECTION_LIMIT):
        bodies = [
            {
                "attributes": {"type": sobject},
                "id": r["Id"],
                **{k: rest_value(v) for k, v in r.items() if k != "Id"},
            }
            for r in records[first : first + COLLECTION_LIMIT]
        ]
        calls += 1
        # requests encodes `json=` with json.dumps' defaults.
        size += len(json.dumps({"allOrNone": False, "records": bodies}).encode())
    return WritePlan(calls, 0, size)


@dataclass
class SliceEstimate:
    """One slice as the dry read found it."""

    start: str | None
    end: str | None
    label: str
    leads_read: int = 0
    converted: int = 0
    changed: int = 0
    field_changes: int = 0
    read_calls: int = 0
    query_jobs: int = 0
    write_calls: int = 0
    ingest_jobs: int = 0
    upload_bytes: int = 0


@dataclass
class Estimate:
    """
    What an apply of the remaining slices will do, from the dry read (see `describe`).
    """

    now: str
    where: str | None
    leads_in_scope: int
    activity_read_calls: int
    activity_query_jobs: int
    slices: list[SliceEstimate]
    dry_run_calls: int = 0

    @property
    def changed(self) -> int:
        """Leads whose outputs would change."""
        return sum(s.changed for s in self.slices)

    @property
    def field_changes(self) -> int:
        """Output field values that would change."""
        return sum(s.field_changes for s in self.slices)

    @property
    def api_calls(self) -> int:
        """Requests the apply will send: its COUNT(), its reads and its writes."""
        return (
            QUERY_CALL
            + self.activity_read_calls
            + sum(s.read_calls + s.write_calls for s in self.slices)
        )

    @property
    def bulk_jobs(self) -> int:
        """Bulk API 2.0 query jobs (reads) and ingest jobs (writes) of the apply."""
        return self.activity_query_jobs + sum(s.query_jobs + s.ingest_jobs for s in self.slices)

    @property
    def upload_bytes(self) -> int:
        """Bytes of request bodies the writes upload."""
        return sum(s.upload_bytes for s in self.slices)

    def describe(self, *, read_threshold: int, write_threshold: int) -> list[tuple[str, str, str]]:
        """`(what, number, how it is computed)` rows for people."""
        read_calls = self.activity_read_calls + sum(s.read_calls for s in self.slices)
        write_calls = sum(s.write_calls for s in self.slices)
        query_jobs = self.activity_query_jobs + sum(s.query_jobs for s in self.slices)
        ingest_jobs = sum(s.ingest_jobs for s in self.slices)
        scope = f"WHERE {self.where}" if self.where else "(no --where)"
        return [
            (
                "leads in scope",
                f"{self.leads_in_scope:,}",
                f"COUNT() of Lead {scope}; converted leads are counted, never written",
            ),
            (
                "leads that would change",
                f"{self.changed:,}",
                f"read in {len(self.slices)} slice(s), qualified at {self.now} and diffed "
                f"against the org's values ({self.field_changes:,} field values)",
            ),
            (
                "API calls",
                f"{self.api_calls:,}",
                f"{QUERY_CALL} COUNT() + {read_calls:,} reads (measured in the dry read) + "
                f"{write_calls:,} writes (1 per {COLLECTION_LIMIT} changes, "
                f"{INGEST_JOB_CALLS} per Bulk job)",
            ),
            (
                "Bulk API 2.0 jobs",
                f"{query_jobs + ingest_jobs:,}",
                f"{query_jobs} query (reads above {read_threshold:,} rows), {ingest_jobs} "
                f"ingest (over {write_threshold:,} changes per write)",
            ),
            (
                "MB to upload",
                f"{self.upload_bytes / 1_000_000:,.2f}",
                "size of the Collections JSON / Bulk CSV bodies built from the new values",
            ),
        ]

    def as_dict(self) -> dict[str, Any]:
        """The estimate as JSON data, totals included."""
        return {
            **asdict(self),
            "changed": self.changed,
            "field_changes": self.field_changes,
            "api_calls": self.api_calls,
            "bulk_jobs": self.bulk_jobs,
            "upload_bytes": self.upload_bytes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Estimate:
        """The estimate `as_dict` gave."""
        known = {f for f in cls.__dataclass_fields__ if f != "slices"}
        return cls(
            **{k: v for k, v in data.items() if k in known},
            slices=[SliceEstimate(**s) for s in data.get("slices", [])],
        )
