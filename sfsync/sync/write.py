"""
Writing the changes to the org and recording what happened (`recording`), with the Bulk
jobs journaled while the org applies them (`journal`).
"""

from __future__ import annotations

from itertools import islice

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.errors import SalesforceError
from sfsync.spool import Spool
from sfsync.state import StateStore
from sfsync.state.database import chunks
from sfsync.sync.changes import LeadChange
from sfsync.sync.client import OrgClient
from sfsync.sync.context import PassContext, PassInterruptedError, PassReport
from sfsync.sync.journal import BulkJournal
from sfsync.sync.recording import RECORD_CHUNK, record_results
from sfsync.values.datetimes import format_sf_datetime

log = structlog.get_logger(__name__)

__all__ = ["RECORD_CHUNK", "record_results", "write_changes"]


def write_changes(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
    changes: Spool[LeadChange],
) -> None:
    """
    Write *changes* in one `client.write` call, so a large pass is one Bulk API job (the
    client picks sObject Collections below its bulk threshold), then record the results
    chunk by chunk, each chunk in one transaction, reading the spool and the results side
    by side so memory stays bounded whatever the number of changes.

    A stop request ends the write after the request in flight (or once the org has applied
    the Bulk job in flight): what was written is recorded, then the pass ends interrupted.
    A Bulk job is journaled before it is closed (when the spool is a named file), so a
    process killed while the org applies it leaves the job for the next pass to record.
    Killed between a Collections write and its recording, the watermarks stay where they
    were: the next pass re-reads those leads, finds they already hold the values, and
    writes nothing (the killed pass's history entries for them are lost, never doubled).

    Raises:
        PassInterruptedError: a stop was requested before or during the write.
        SalesforceError: the write failed as a whole, or answered the wrong number of
            results.
        StateStoreError: SQLite failed.
    """
    journal = None
    try:
        if not changes:
            return
        if ctx.should_stop():
            raise PassInterruptedError
        at = format_sf_datetime(ctx.now)
        if changes.path is not None:
            journal = BulkJournal(
                store, run_id=report.run_id, at=at, version=definition.version, spool=changes.path
            )
        results = client.write(
            "Lead",
            changes.map(LeadChange.record),
            on_job=None if journal is None else journal.job,
        )
        if len(results) > len(changes) or (len(results) < len(changes) and not ctx.should_stop()):
            msg = f"the org answered {len(results)} results for {len(changes)} records"
            raise SalesforceError(msg, resource="write")
        with ctx.stop.doing(
            "recording what was written in the state store; sfsync stops once it is recorded"
        ):
            done = 0
            sent = islice(changes, len(results))
            for chunk, chunk_results in zip(
                chunks(sent, RECORD_CHUNK), chunks(results, RECORD_CHUNK), strict=True
            ):
                written, rejected = record_results(
                    store,
                    run_id=report.run_id,
                    version=definition.version,
                    at=at,
                    chunk=chunk,
                    results=chunk_results,
                )
                report.written += written
                report.rejected += rejected
                done += len(chunk)
                ctx.progress("write", done, len(changes))
        if journal is not None:
            journal.recorded()
        if len(results) < len(changes):
            raise PassInterruptedError
    finally:
        changes.close(keep=journal is not None and journal.pending)
