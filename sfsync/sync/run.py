"""
One pass: plan and extract → qualify and diff → write → record (DESIGN §2).
"""

from __future__ import annotations

import time

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.definition.fingerprint import definition_fingerprint
from sfsync.errors import OrgMismatchError, QuotaExceededError, StopRequestedError
from sfsync.state import StateStore
from sfsync.sync.client import OrgClient
from sfsync.sync.context import PassContext, PassReport
from sfsync.sync.extract import affected_leads, extract
from sfsync.sync.journal import recover_bulk_writes
from sfsync.sync.qualify import qualify_and_diff
from sfsync.sync.version_guard import sign_version
from sfsync.sync.write import write_changes

log = structlog.get_logger(__name__)


def run_pass(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
) -> PassReport:
    """
    Run one pass and return its report; the pass is recorded in the store's runs table.

    A writing pass first records the results of Bulk jobs an interrupted run left to the
    org (`journal`). QuotaExceededError ends the pass as "partial" (resumable: watermarks
    stay put), a stop request as "interrupted" (what was written is recorded first); any
    other error propagates after the run is recorded as "failed".

    Raises:
        OrgMismatchError: the state store mirrors another org.
        DefinitionVersionError: a writing pass whose definition version was applied here
            with other content (nothing is read or written).
        SalesforceError, StateStoreError: as the client and the store raise them.
    """
    started = time.monotonic()
    calls_before = client.calls
    check_same_org(client, store)
    if not ctx.dry_run:
        # Before anything is read or written: a version stands for one content.
        sign_version(store, definition)
    run_id = store.start_run(ctx.mode, dry_run=ctx.dry_run, definition_version=definition.version)
    report = PassReport(run_id=run_id, mode=ctx.mode, dry_run=ctx.dry_run)
    structlog.contextvars.bind_contextvars(run_id=run_id)
    try:
        client.start_budget()
        if not ctx.dry_run:
            recover_bulk_writes(client, store, definition, ctx, report)
        remember_integration_user(client, store)
        users_before = store.users()
        with ctx.stop.doing(
            "reading from the org; nothing is written yet, sfsync stops after the request in flight"
        ):
            extracted = extract(client, store, definition, ctx, report)
        affected = affected_leads(store, definition, ctx, extracted, users_before)
        with ctx.stop.doing("qualifying leads; nothing is written yet, sfsync stops at once"):
            changes = qualify_and_diff(store, definition, ctx, report, affected)
        if ctx.dry_run:
            changes.close()
        else:
            write_changes(client, store, definition, ctx, report, changes)
            with store.transaction():
                for object_name, stamp in extracted.watermarks.items():
                    store.set_watermark(object_name, stamp)
                if ctx.whole_org:
                    store.set_definition_fingerprint(definition_fingerprint(definition))
            report.watermarks = dict(extracted.watermarks)
    except QuotaExceededError as exc:
        report.outcome = "partial"
        report.error = str(exc)
        log.warning("sfsync.sync.budget_stopped", error=str(exc))
    except StopRequestedError:
        report.outcome = "interrupted"
        report.error = f"{ctx.stop.reason or 'a stop request'}; the next run carries on"
        log.warning("sfsync.sync.interrupted", written=report.written)
    except BaseException as exc:
        report.outcome = "failed"
        report.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        report.api_calls = client.calls - calls_before
        report.duration_seconds = round(time.monotonic() - started, 3)
        outcome = report.outcome
        if outcome == "success" and report.rejected:
            outcome = "partial"
        store.finish_run(
            run_id,
            outcome=outcome,
            counts=report.counts(),
            api_calls=report.api_calls,
            error=report.error,
        )
        log.info("sfsync.sync.completed", **report.as_dict())
        structlog.contextvars.unbind_contextvars("run_id")
    return report


def check_same_org(client: OrgClient, store: StateStore) -> None:
    """
    Refuse to run a state store against another org than the one it mirrors: its
    watermarks, mirror and cached integration user would be wrong there, and leads would be
    scored with another org's activity. The org Id costs no request: the identity URL of a
    JWT or client-credentials login, or the session Id's own prefix (session auth); with
    neither (a JWT-shaped access token) nothing is checked. The 15-character Id decides (the
    3-character suffix is only its checksum).

    Raises:
        OrgMismatchError: the store was filled from another org.
    """
    org_id = client.org_id()
    if not org_id:
        return
    known = store.org_id()
    if known is None:
        store.bind_org(org_id)
    elif known[:15] != org_id[:15]:
        msg = (
            f"the state store {store.path} mirrors org {known}, but this connection is to "
            f"org {org_id}; give each org its own SFSYNC_STATE_PATH"
        )
        raise OrgMismatchError(msg)


def remember_integration_user(client: OrgClient, store: StateStore) -> str | None:
    """The integration user's Id: kept in the store after the first pass asked the org."""
    cached = store.integration_user_id()
    if cached:
        return cached
    user_id = client.user_id()
    if user_id:
        store.set_integration_user_id(user_id)
    return user_id or None
