"""
The org's Bulk API 2.0 jobs as records on disk: one directory per job under
`DATA_DIR/bulk/`, its `job.json` (written atomically at every state change) beside the job's
files (query results, ingest upload and results). So a job's results never live in memory,
and a restarted org still knows its jobs: finished ones keep their results, unfinished ones
are run again or resumed (sandbox/bulk.py decides which).

Jobs in a final state are deleted seven days after they finished, as Salesforce deletes them
("Results lifespan", Bulk API 2.0 limits:
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_limits.htm).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import structlog

log = structlog.get_logger(__name__)

FINAL_STATES = ("JobComplete", "Failed", "Aborted")
RETENTION_SECONDS = 7 * 24 * 3600
_JOB_FILE = "job.json"

J = TypeVar("J", bound="Job")


@dataclass
class Job:
    """What every Bulk 2.0 job records. Times are wall-clock seconds (they survive restarts)."""

    kind: ClassVar[str] = ""

    id: str
    operation: str
    object: str
    api_version: str
    created: str
    column_delimiter: str
    line_ending: str
    state: str = "Open"
    modstamp: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None  # when the sandbox finished the work
    ready_at: float = 0.0  # not reported complete before this (fault delay, latency model)
    retries: int = 0
    error_message: str | None = None

    def base_info(self) -> dict[str, Any]:
        """The keys every job answer shares."""
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": "",
            "createdDate": self.created,
            "systemModstamp": self.modstamp or self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
        }

    def millis(self) -> int:
        """Processing time so far (or in all, once finished), in milliseconds."""
        end = self.finished if self.finished is not None else time.time()
        return max(0, int((end - self.started) * 1000))

    def due(self) -> bool:
        """Whether the org's clock says the job may be complete now."""
        return time.time() >= self.ready_at

    def refresh(self) -> None:
        """Move a running job to its final state once its work is done and it is due."""
        running = self.state in ("UploadComplete", "InProgress")
        if running and self.finished is not None and self.due():
            self.state = "Failed" if self.error_message else "JobComplete"


@dataclass
class QueryJob(Job):
    """A Bulk 2.0 query job: its SOQL, and the CSV header and row count of its results."""

    kind: ClassVar[str] = "query"

    query: str = ""
    header: str = ""
    rows: int = 0


@dataclass
class IngestJob(Job):
    """A Bulk 2.0 ingest job: its upload (records on disk) and what processing did."""

    kind: ClassVar[str] = "ingest"

    auto_assign: bool = True
    external_id: str | None = None
    raw_header: str = ""
    records: int = 0  # uploaded
    processed: int = 0
    failed: int = 0
    closed: float | None = None  # when UploadComplete arrived


_KINDS: dict[str, type[Job]] = {"query": QueryJob, "ingest": IngestJob}


class JobStore:
    """Every job of one org, in memory for lookups and on disk for everything else."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._load()

    def directory(self, job: Job) -> Path:
        """The job's own directory (created on first use)."""
        path = self.root / job.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def add(self, job: Job) -> None:
        """Keep a new job and write it to disk."""
        with self._lock:
            self._jobs[job.id] = job
        self.save(job)

    def get(self, job_id: str, kind: type[J]) -> J | None:
        """The job with this Id, if it is of that kind."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if isinstance(job, kind) else None

    def all(self, kind: type[J]) -> list[J]:
        """Every job of that kind, oldest first."""
        with self._lock:
            return [j for j in self._jobs.values() if isinstance(j, kind)]

    def save(self, job: Job) -> None:
        """Write the job's record (atomically: a crash leaves the old one or the new one)."""
        path = self.directory(job) / _JOB_FILE
        tmp = path.with_suffix(".tmp")
        data = {"kind": job.kind, **asdict(job)}
        with self._writing:
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, path)

    def remove(self, job: Job) -> None:
        """Forget the job and delete its files."""
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(self.root / job.id, ignore_errors=True)

    def _load(self) -> None:
        if not self.root.is_dir():
            return
        loaded: list[Job] = []
        expired = time.time() - RETENTION_SECONDS
        for path in self.root.glob(f"*/{_JOB_FILE}"):
            job = _read(path)
            if job is None:
                continue
            if job.state in FINAL_STATES and (job.finished or job.started) < expired:
                shutil.rmtree(path.parent, ignore_errors=True)
                continue
            loaded.append(job)
        loaded.sort(key=lambda j: (j.started, j.id))
        self._jobs = {j.id: j for j in loaded}


def _read(path: Path) -> Job | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cls = _KINDS[data.pop("kind")]
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("sfsync.sandbox.bulk_job_unreadable", path=str(path))
        return None
