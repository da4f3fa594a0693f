"""
Recording a write's results in the state store: what was written (and its history) and the
records the org rejected (retried by the next pass). Shared by the write step and by the
recovery of an interrupted run's Bulk jobs (`journal`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import structlog

from sfsync.salesforce.records import WriteResult
from sfsync.state import HistoryEntry, Reject, StateStore
from sfsync.sync.changes import LeadChange

log = structlog.get_logger(__name__)

RECORD_CHUNK = 2000
"""Results recorded per store transaction."""


def record_results(
    store: StateStore,
    *,
    run_id: str,
    version: str,
    at: str,
    chunk: Sequence[LeadChange],
    results: Sequence[WriteResult],
) -> tuple[int, int]:
    """
    Record one chunk's outcome in one transaction: what was written, its history (under the
    writing run's *run_id*, definition *version* and time *at*), and the rejects. Returns
    `(written, rejected)`.

    Raises:
        StateStoreError: SQLite failed.
    """
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
                    definition_version=version,
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
        store.save_written(run_id, ok_rows)
        store.upsert_records("Lead", _merged_leads(store, ok_rows), lead_field=None)
        store.append_history(run_id, history)
        store.record_rejects(run_id, rejects)
        store.clear_rejects(ok_rows)
    for reject in rejects:
        log.warning(
            "sfsync.record.rejected",
            record_id=reject.lead_id,
            error_code=reject.error_code,
            error=reject.message,
        )
    return len(ok_rows), len(rejects)


def _merged_leads(
    store: StateStore, rows: Mapping[str, Mapping[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The mirror's lead rows with what we just wrote, so explain/report see it at once."""
    stored = store.get_records("Lead", rows)
    for lead_id, fields in rows.items():
        lead = stored.get(lead_id)
        if lead is not None:
            yield {**lead, **fields}
