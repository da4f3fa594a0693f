"""
The Bulk write journal: what an interrupted run leaves for the next one.

A Bulk API ingest job, once closed, is applied by the org whatever sfsync does next. So
before each job is closed the pass notes it in the state store (a checkpoint naming the job,
the positions of the changes it holds and the spool file they are in, kept beside the state
store); when the job's results are recorded, the note and the file go. A run that dies in
between (a second Ctrl-C, SIGKILL, a power cut) leaves both, and the next writing pass
`recover_bulk_writes` first: it waits for the job, reads its results and records them —
history, written values, rejects — without submitting the records again, then reads and
qualifies as usual (the leads the job wrote now hold their values, so nothing is rewritten).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.spool import Spool
from sfsync.state import StateStore
from sfsync.sync.changes import LeadChange
from sfsync.sync.client import OrgClient
from sfsync.sync.context import PassContext, PassReport
from sfsync.sync.recording import RECORD_CHUNK, record_results

log = structlog.get_logger(__name__)

CHECKPOINT = "write.bulk_jobs"
"""The state store's note of the Bulk jobs a write has closed and not yet recorded."""


def changes_path(store: StateStore) -> Path:
    """Where a writing pass spools its changes: beside the state store, owner-only."""
    return Path(str(store.path) + ".changes")


class BulkJournal:
    """The note of one write's Bulk jobs; `job` is the client's `on_job` callback."""

    def __init__(self, store: StateStore, *, run_id: str, at: str, version: str, spool: Path):
        self._store = store
        self._note: dict[str, Any] = {
            "run_id": run_id,
            "at": at,
            "definition_version": version,
            "spool": str(spool),
            "jobs": [],
        }

    def job(self, job_id: str, start: int, end: int) -> None:
        """Note that the job holding changes[start:end] is about to be closed."""
        self._note["jobs"].append({"id": job_id, "start": start, "end": end})
        self._store.save_checkpoint(CHECKPOINT, self._note)

    @property
    def pending(self) -> bool:
        """True while a noted job's results are not recorded."""
        return bool(self._note["jobs"])

    def recorded(self) -> None:
        """The results of every noted job are recorded: forget them."""
        if self.pending:
            self._store.clear_checkpoint(CHECKPOINT)
            self._note["jobs"] = []


def recover_bulk_writes(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
) -> None:
    """
    Record the results of the Bulk jobs an interrupted run left (see the module docstring);
    counts go to `report.recovered` (and `report.rejected`).

    Raises:
        StopRequestedError: a stop request ended a wait (the note stays for the next run).
        SalesforceError, StateStoreError: as the client and the store raise them.
    """
    note = store.load_checkpoint(CHECKPOINT)
    if note is None:
        return
    jobs = [str(job["id"]) for job in note["jobs"]]
    try:
        spool: Spool[LeadChange] = Spool.reopen(Path(note["spool"]))
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
        # Without the changes the results cannot be recorded; the pass's own read and
        # diff still set the org right (the leads already hold what the job wrote).
        log.warning("sfsync.sync.bulk_jobs_unrecorded", jobs=jobs, error=str(exc))
        store.clear_checkpoint(CHECKPOINT)
        return
    keep = True
    try:
        records = spool.map(LeadChange.record)
        for job in note["jobs"]:
            start, end = int(job["start"]), int(job["end"])
            results = client.resume_update("Lead", records, str(job["id"]), start, end)
            if results is None:  # never applied: this pass writes those leads itself
                continue
            for first in range(start, end, RECORD_CHUNK):
                last = min(end, first + RECORD_CHUNK)
                written, rejected = record_results(
                    store,
                    run_id=str(note["run_id"]),
                    version=str(note["definition_version"]),
                    at=str(note["at"]),
                    chunk=spool[first:last],
                    results=[results[i] for i in range(first, last)],
                )
                report.recovered += written
                report.rejected += rejected
        store.clear_checkpoint(CHECKPOINT)
        keep = False
    finally:
        spool.close(keep=keep)
    log.info("sfsync.sync.bulk_jobs_recovered", jobs=jobs, leads=report.recovered)
