"""
Extraction: read what the plan says from the org into the mirror, and decide which leads
the pass re-qualifies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.definition.fingerprint import definition_fingerprint
from sfsync.errors import SalesforceError
from sfsync.salesforce.records import BulkRecords
from sfsync.state import StateStore
from sfsync.sync.client import OrgClient
from sfsync.sync.context import PassContext, PassInterruptedError, PassReport
from sfsync.sync.plan import (
    NewestStamp,
    ObjectRead,
    held_fields,
    missing_optional_inputs,
    plan_read,
    read_objects,
)

log = structlog.get_logger(__name__)


@dataclass
class Extracted:
    """What the reads found: the watermarks to store once the pass is applied, and the Ids
    read per object where they pick the leads to re-qualify."""

    watermarks: dict[str, str] = field(default_factory=dict)
    changed_ids: dict[str, set[str]] = field(default_factory=dict)


def extract(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
) -> Extracted:
    """
    Read every planned object into the mirror; counts go to `report.read`.

    Every read is started before any is consumed: a read large enough for a Bulk query job
    returns once the job is created, so the org runs all of them side by side (and one
    poll can check them all) instead of one after another. Reads answered by REST are
    consumed first, while the jobs run and before their query cursors could idle.

    Raises:
        PassInterruptedError: the stop event was set.
        SalesforceError, StateStoreError: as the client and the store raise them.
    """
    extracted = Extracted()
    integration_user = store.integration_user_id()
    started: list[tuple[ObjectRead, Iterator[dict[str, Any]]]] = []
    for object_name, fields, lead_field in read_objects(definition):
        if ctx.objects is not None and object_name not in ctx.objects:
            continue
        if ctx.should_stop():
            raise PassInterruptedError
        plan = plan_read(
            object_name,
            fields,
            lead_field,
            mode=ctx.mode,
            watermark=store.get_watermark(object_name),
            mirrored=store.mirrored_fields(object_name),
            overlap=ctx.overlap,
            lead_where=ctx.lead_where,
            integration_user=integration_user,
        )
        if plan.new_fields and plan.watermark is not None and ctx.mode != "full":
            log.info(
                "sfsync.sync.new_fields_read", object=object_name, fields=list(plan.new_fields)
            )
        try:
            records = _start_read(client, plan, plan.fields)
        except SalesforceError as exc:
            fewer = _without_missing_optional(client, definition, plan, exc)
            records = _start_read(client, plan, fewer)
        started.append((plan, records))
    order = [plan.object_name for plan, _ in started]  # the report lists objects in this order
    started.sort(key=lambda read: isinstance(read[1], BulkRecords))
    for plan, records in started:
        _apply_read(store, ctx, report, extracted, plan, records)
    report.read = {name: report.read[name] for name in sorted(report.read, key=order.index)}
    return extracted


def _start_read(
    client: OrgClient, plan: ObjectRead, fields: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    return client.read(
        plan.object_name, fields, where=plan.where, include_deleted=plan.include_deleted
    )


def _without_missing_optional(
    client: OrgClient, definition: CompiledDefinition, plan: ObjectRead, exc: SalesforceError
) -> tuple[str, ...]:
    """
    After the org refused a Lead query's field (INVALID_FIELD): the plan's fields without
    the optional inputs the org lacks, which are then scored as unknown (DESIGN §3). Costs
    a describe only on that path. Re-raises *exc* when no optional input is missing.

    The mirror still counts the missing fields as held (`_apply_read` records the plan's
    fields): they are unknown for every record, so the next pass need not re-read them.
    """
    if plan.object_name != "Lead" or exc.error_code != "INVALID_FIELD":
        raise exc
    missing = missing_optional_inputs(definition, client.describe("Lead"))
    if not missing:
        raise exc
    log.warning(
        "sfsync.sync.optional_inputs_missing", object=plan.object_name, fields=sorted(missing)
    )
    return tuple(f for f in plan.fields if f not in missing)


def _apply_read(
    store: StateStore,
    ctx: PassContext,
    report: PassReport,
    extracted: Extracted,
    plan: ObjectRead,
    records: Iterator[dict[str, Any]],
) -> None:
    """
    Stream one read's records into the mirror. The Ids read are kept only where they pick
    the leads to re-qualify (an incremental pass, a slice of leads): a full or nightly pass
    re-qualifies every lead, and a full read's deletion sweep keeps its Ids in SQLite, so
    reading a large org takes bounded memory.
    """
    keep_ids = ctx.mode == "incremental" or plan.sliced
    seen_ids: set[str] = set()
    newest = NewestStamp(plan.watermark)

    def tracked(records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for n, record in enumerate(records, start=1):
            if ctx.should_stop():
                raise PassInterruptedError
            if keep_ids:
                seen_ids.add(record["Id"])
            newest.add(record.get("SystemModstamp"))
            if n % 1000 == 0:
                ctx.progress(f"read {plan.object_name}", n, None)
            yield record

    every_record = plan.full and not plan.sliced
    with (
        ctx.stop.doing(
            f"reading {plan.object_name} records into the local mirror; nothing is written "
            "to the org yet, sfsync stops after the request in flight"
        ),
        store.transaction(),
    ):
        if plan.full and ctx.mode == "full" and not plan.sliced:
            count, _ = store.replace_records(
                plan.object_name, tracked(records), lead_field=plan.lead_field
            )
        else:
            count = store.upsert_records(
                plan.object_name, tracked(records), lead_field=plan.lead_field
            )
        # What every mirrored record now holds (dry runs too: the mirror was written).
        before = store.mirrored_fields(plan.object_name)
        store.set_mirrored_fields(
            plan.object_name, held_fields(plan.fields, before, every_record=every_record)
        )
    report.read[plan.object_name] = count
    extracted.changed_ids[plan.object_name] = seen_ids
    new_mark = newest.value
    if new_mark is not None and new_mark != plan.watermark and not plan.sliced:
        extracted.watermarks[plan.object_name] = new_mark


def affected_leads(
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    extracted: Extracted,
    users_before: Mapping[str, Mapping[str, Any]],
) -> list[str] | None:
    """
    Lead Ids to re-qualify; None means every lead in the mirror.

    *users_before* is the mirror's User table before this pass's read: the overlap window
    re-reads the newest User on every pass, and only a User that really changed may
    re-qualify everything.
    """
    if ctx.lead_ids is not None:
        return sorted(ctx.lead_ids)
    if ctx.lead_where is not None:
        return sorted(extracted.changed_ids.get("Lead", ()))
    if ctx.mode in ("full", "rescore"):
        return None
    if store.definition_fingerprint() != definition_fingerprint(definition):
        # A new or edited definition (or none applied yet): every lead's outputs may change,
        # and the version stamp must too. Re-qualifying the mirror costs no API calls.
        log.info("sfsync.sync.definition_changed", definition_version=definition.version)
        return None
    affected = set(extracted.changed_ids.get("Lead", ()))
    for object_name in definition.activity_objects():
        ids = extracted.changed_ids.get(object_name)
        if ids:
            affected |= store.lead_ids_for_activities(object_name, ids)
    user_ids = extracted.changed_ids.get("User")
    if user_ids:
        users_now = store.users()
        if any(users_before.get(uid) != users_now.get(uid) for uid in user_ids):
            # A renamed or new user can change who counts as a human sales touch: re-qualify
            # the leads with activity by those users. Rare, so keep it simple: everything.
            return None
    affected |= {reject.lead_id for reject in store.pending_rejects()}
    return sorted(affected)
