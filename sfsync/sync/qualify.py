"""
Re-qualifying the affected leads from the mirror: every lead is assessed (`changes`), the
changes go to a disk-backed spool for the write, Status baselines and settled rejects are
recorded.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.scoring.outputs import write_policy
from sfsync.spool import Spool
from sfsync.state import StateStore
from sfsync.sync.changes import LeadChange, assess_lead
from sfsync.sync.context import PassContext, PassInterruptedError, PassReport
from sfsync.sync.journal import changes_path

log = structlog.get_logger(__name__)


def qualify_and_diff(
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
    affected: list[str] | None,
) -> Spool[LeadChange]:
    """
    Qualify *affected* leads (None: every lead in the mirror) at `ctx.now` and return the
    changes to write, on disk (a full pass may change every lead of the org). Counts go to
    *report*.

    Raises:
        PassInterruptedError: the stop event was set.
        StateStoreError: SQLite failed.
    """
    # A writing pass spools beside the state store, where a Bulk job's journal can find
    # its changes after a crash (`journal`); a dry run's spool is anonymous.
    changes: Spool[LeadChange] = Spool(None if ctx.dry_run else changes_path(store))
    try:
        _qualify_into(changes, store, definition, ctx, report, affected)
    except BaseException:
        changes.close()
        raise
    return changes


def _qualify_into(
    changes: Spool[LeadChange],
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
    affected: list[str] | None,
) -> None:
    who = store.user_context()
    status_enabled = definition.definition.status.standard_status.enabled
    policy = write_policy(definition, exact=ctx.exact_writes)
    statuses: Counter[str] = Counter()
    written: dict[str, dict[str, Any]] = {}
    total = len(affected) if affected is not None else store.count("Lead")
    done = 0
    # Pending rejects in this pass's scope: one whose lead no longer needs a write (the org
    # already holds the values, or the lead converted) or is gone is settled, not pending.
    pending = {r.lead_id for r in store.pending_rejects()}
    if affected is not None:
        pending &= set(affected)
    still_pending: set[str] = set()
    for batch in store.iter_leads_with_activities(lead_ids=affected, batch_size=ctx.batch_size):
        if ctx.should_stop():
            raise PassInterruptedError
        # Status values sfsync's mapping agreed with (the lead already stood at or beyond
        # the mapped value, so nothing was written): recorded as if written, so that a
        # person changing that Status afterwards is respected like any other rep change.
        baselines: dict[str, dict[str, Any]] = {}
        if status_enabled:
            written = store.get_written_many([lead["Id"] for lead, _ in batch])
        for lead, activities in batch:
            assessed = assess_lead(
                lead,
                activities,
                definition,
                now=ctx.now,
                users=who.users,
                integration_user_id=who.integration_user_id,
                written=written.get(lead["Id"]),
                policy=policy,
            )
            q = assessed.qualification
            if q is None:  # the lead cannot be qualified at all (no usable Id)
                still_pending.add(assessed.lead_id)
                report.skipped_invalid += 1
                log.warning(
                    "sfsync.record.skipped", record_id=lead.get("Id"), error=str(assessed.error)
                )
                continue
            report.qualified += 1
            if assessed.converted:
                report.skipped_converted += 1
                continue
            statuses[q.status] += 1
            if assessed.status.baseline is not None:
                name, value = assessed.status.baseline
                baselines[assessed.lead_id] = {name: value}
            if assessed.status.blocked:
                report.status_mapping_blocked += 1
            report.held_back += assessed.held
            if assessed.change is not None:
                changes.append(assessed.change)
                if assessed.lead_id in pending:
                    still_pending.add(assessed.lead_id)
        if baselines and not ctx.dry_run:
            store.save_written(report.run_id, baselines)
        done += len(batch)
        ctx.progress("qualify", done, total)
    if not ctx.dry_run and pending - still_pending:
        store.clear_rejects(sorted(pending - still_pending))
    report.changed = len(changes)
    report.statuses = dict(sorted(statuses.items()))
    if ctx.keep_changes:
        report.changes = [
            {
                "Id": c.lead_id,
                "changes": {k: {"old": o, "new": n} for k, (o, n) in c.diff.items()},
                "fields": dict(c.fields),
            }
            for c in changes
        ]
