"""
Writing the changes to the org and recording what happened: what was written, its history,
and the records the org rejected (retried by the next pass).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.errors import SalesforceError
from sfsync.salesforce.records import WriteResult
from sfsync.spool import Spool
from sfsync.state import HistoryEntry, Reject, StateStore
from sfsync.state.database import chunks
from sfsync.sync.changes import LeadChange
from sfsync.sync.client import OrgClient
from sfsync.sync.context import PassContext, PassInterruptedError, PassReport
from sfsync.values.datetimes import format_sf_datetime

log = structlog.get_logger(__name__)

RECORD_CHUNK = 2000
"""Results recorded per store transaction."""


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

    A process killed between the write and its recording leaves the watermarks where they
    were: the next pass re-reads those leads, finds they already hold the values, and
    writes nothing (the killed pass's history entries for them are lost, never doubled).

    Raises:
        PassInterruptedError: the stop event was set before the write.
        SalesforceError: the write failed as a whole, or answered the wrong number of
            results.
        StateStoreError: SQLite failed.
    """
    with changes:
        if not changes:
            return
        if ctx.should_stop():
            raise PassInterruptedError
        at = format_sf_datetime(ctx.now)
        results = client.write("Lead", changes.map(LeadChange.record))
        if len(results) != len(changes):
            msg = f"the org answered {len(results)} results for {len(changes)} records"
            raise SalesforceError(msg, resource="write")
        done = 0
        for chunk, chunk_results in zip(
            chunks(changes, RECORD_CHUNK), chunks(results, RECORD_CHUNK), strict=True
        ):
            record_results(store, definition, report, at, chunk, chunk_results)
            done += len(chunk)
            ctx.progress("write", done, len(changes))


def record_results(
    store: StateStore,
    definition: CompiledDefinition,
    report: PassReport,
    at: str,
    chunk: Sequence[LeadChange],
    results: Sequence[WriteResult],
) -> None:
    """Record one chunk's outcome in one transaction: what was written, its history, and
    the rejects."""
    ok_rows: dict[str, dict[str, Any]] = {}
    history: list[HistoryEntry] = []
    rejects: list[Reject] = []
    for change, result in zip(chunk, results, strict=True):
        if result.success:
            ok_rows[change.lead_id] = change.fields
            history.extend(
                HistoryEntry(
                    lead_id=change.lead_id,
                    at=at,
                    field=name,
                    old=old,
                    new=new,
                    reasons=tuple(change.reasons),
                    definition_version=definition.version,
                )
                for name, (old, new) in change.diff.items()
            )
        else:
            rejects.append(
                Reject(
                    lead_id=change.lead_id,
                    error_code=result.error_code or "UNKNOWN",
                    message=result.message or "",
                    fields=tuple(result.fields),
                )
            )
    with store.transaction():
        store.save_written(report.run_id, ok_rows)
        store.upsert_records("Lead", _merged_leads(store, ok_rows), lead_field=None)
        store.append_history(report.run_id, history)
        store.record_rejects(report.run_id, rejects)
        store.clear_rejects(ok_rows)
    report.written += len(ok_rows)
    report.rejected += len(rejects)
    for reject in rejects:
        log.warning(
            "sfsync.record.rejected",
            record_id=reject.lead_id,
            error_code=reject.error_code,
            error=reject.message,
        )


def _merged_leads(
    store: StateStore, rows: Mapping[str, Mapping[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The mirror's lead rows with what we just wrote, so explain/report see it at once."""
    stored = store.get_records("Lead", rows)
    for lead_id, fields in rows.items():
        lead = stored.get(lead_id)
        if lead is not None:
            yield {**lead, **fields}
