"""
Running a backfill: plan, dry read, apply and resume (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from sfsync.backfill.estimate import Estimate, SliceEstimate, plan_writes
from sfsync.backfill.options import BackfillOptions, BackfillResult
from sfsync.backfill.scope import Slice, combine_where, month_slices
from sfsync.definition import CompiledDefinition
from sfsync.errors import ConfigError, SalesforceError
from sfsync.salesforce.soql import build_select
from sfsync.scoring.outputs import normalize_value
from sfsync.state import StateStore
from sfsync.stop import Stop
from sfsync.sync import OrgClient, PassContext, PassReport, run_pass
from sfsync.values.datetimes import format_sf_datetime, parse_sf_datetime

log = structlog.get_logger(__name__)

CHECKPOINT = "backfill"
"""State-store checkpoint of an apply in progress."""
PLAN = "backfill.plan"
"""State-store checkpoint holding the last dry run's plan and estimate."""
PLAN_MAX_AGE = timedelta(hours=24)
"""An apply reuses a dry run's plan (instead of reading twice) only this soon after it."""
FORMAT = 1

Progress = Callable[[str, int, int | None], None]


class BackfillClient(OrgClient, Protocol):
    """What the backfill needs from the Salesforce layer beyond a pass's needs."""

    def count(
        self, sobject: str, where: str | None = None, *, include_deleted: bool = False
    ) -> int: ...

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]: ...


@dataclass
class _Run:
    client: BackfillClient
    store: StateStore
    definition: CompiledDefinition
    options: BackfillOptions
    stop: Stop
    on_progress: Progress | None
    on_changes: Callable[[list[dict[str, Any]]], None] | None
    on_estimate: Callable[[Estimate, BackfillResult], None] | None
    result: BackfillResult

    def context(self, **kwargs: Any) -> PassContext:
        return PassContext(
            now=self.options.now,
            mode="full",
            stop=self.stop,
            on_progress=self.on_progress,
            exact_writes=True,  # fill every lead once, exact (no write-policy tolerance)
            **kwargs,
        )

    def activity_objects(self) -> frozenset[str]:
        return frozenset({"User", *self.definition.activity_objects()})

    def stopped(self, report: PassReport) -> bool:
        """Record a pass that ended early; True when the backfill must stop here."""
        self.result.recovered += report.recovered
        if report.outcome == "success":
            return False
        self.result.outcome = report.outcome
        self.result.error = report.error
        return True


def run_backfill(
    client: BackfillClient,
    store: StateStore,
    definition: CompiledDefinition,
    options: BackfillOptions,
    *,
    stop: Stop | None = None,
    on_progress: Progress | None = None,
    on_estimate: Callable[[Estimate, BackfillResult], None] | None = None,
    on_changes: Callable[[list[dict[str, Any]]], None] | None = None,
) -> BackfillResult:
    """
    Plan, dry-read and (with `options.apply`) write a backfill; see the module docstring.

    *on_estimate* is called once the estimate is known, before anything is written;
    *on_changes* receives each slice's changes (`{"Id", "changes": {field: {old, new}}}`):
    all computed ones in a dry run, the ones now in the org in an apply.

    Raises:
        ConfigError: the org rejected the `--where` condition, or an unfinished backfill
            with another scope or definition is in the state store.
        SalesforceError, StateStoreError: as `run_pass` (the checkpoint stays for a rerun).
    """
    calls_before = client.calls
    run = _Run(
        client,
        store,
        definition,
        options,
        stop or Stop(),
        on_progress,
        on_changes,
        on_estimate,
        BackfillResult(dry_run=not options.apply, now=format_sf_datetime(options.now)),
    )
    try:
        _run(run)
    finally:
        run.result.api_calls = client.calls - calls_before
        log.info("sfsync.backfill.completed", **_summary(run.result))
    return run.result


def _run(run: _Run) -> None:
    options, result = run.options, run.result
    checkpoint = _resumable(run)
    if checkpoint is not None:
        result.resumed = True
        if checkpoint["now"] != format_sf_datetime(options.now):
            result.notes.append(
                f"continuing the backfill started {checkpoint['started_at']}: qualifying at "
                f"its time, {checkpoint['now']}"
            )
        options.now = parse_sf_datetime(checkpoint["now"])
        result.now = checkpoint["now"]
    leads_in_scope = _count_scope(run)
    plan = None if checkpoint or not options.apply else _reusable_plan(run)
    if checkpoint is not None:
        estimate = Estimate.from_dict(checkpoint["estimate"])
        estimate.slices = [
            s for i, s in enumerate(estimate.slices) if i not in set(checkpoint["done"])
        ]
        result.slices_total = len(checkpoint["slices"])
        result.slices_done = len(checkpoint["done"])
    elif plan is not None:
        estimate = Estimate.from_dict(plan["estimate"])
        result.plan_reused = True
        result.notes.append(f"estimate from the dry run of {plan['created_at']}")
        if estimate.leads_in_scope != leads_in_scope:
            result.notes.append(
                f"the scope holds {leads_in_scope:,} leads now, "
                f"{estimate.leads_in_scope:,} at the dry run"
            )
        result.slices_total = len(estimate.slices)
    else:
        slices = _plan_slices(run, leads_in_scope)
        result.slices_total = len(slices)
        found = _dry_read(run, slices, leads_in_scope)
        if found is None:
            return
        estimate = found
    estimate.leads_in_scope = leads_in_scope
    result.estimate = estimate
    if run.on_estimate is not None:
        run.on_estimate(estimate, result)
    if options.apply:
        _apply(run, checkpoint or _new_checkpoint(run, estimate))


def _same_scope(saved: Mapping[str, Any], run: _Run) -> bool:
    return (
        saved.get("format") == FORMAT
        and saved.get("where") == run.options.where
        and saved.get("definition_version") == run.definition.version
    )


def _resumable(run: _Run) -> dict[str, Any] | None:
    """The unfinished apply to continue, if any (an apply with another scope refuses)."""
    saved = run.store.load_checkpoint(CHECKPOINT)
    if saved is None:
        return None
    progress = f"{len(saved.get('done', []))} of {len(saved.get('slices', []))} slices done"
    if not run.options.apply:
        run.result.notes.append(
            f"an unfinished backfill is in the state store ({progress}); "
            "`sfsync backfill --apply` continues it"
        )
        return None
    if run.options.restart:
        run.store.clear_checkpoint(CHECKPOINT)
        run.result.notes.append(f"discarded the unfinished backfill ({progress}; --restart)")
        return None
    if not _same_scope(saved, run):
        msg = (
            "an unfinished backfill is in the state store (scope "
            f"{saved.get('where') or 'all leads'!r}, definition "
            f"{saved.get('definition_version')}, {progress}): rerun with the same --where "
            "and definition to finish it, or add --restart to discard it"
        )
        raise ConfigError(msg)
    return saved


def _count_scope(run: _Run) -> int:
    try:
        return run.client.count("Lead", run.options.where)
    except SalesforceError as exc:
        if run.options.where and exc.status == 400:
            msg = f"--where: the org rejected the condition: {exc}"
            raise ConfigError(msg) from None
        raise


def _reusable_plan(run: _Run) -> dict[str, Any] | None:
    plan = run.store.load_checkpoint(PLAN)
    if plan is None or not _same_scope(plan, run):
        return None
    created = datetime.fromisoformat(plan["created_at"])
    if run.options.wall_clock - created > PLAN_MAX_AGE:
        run.result.notes.append(f"the dry run of {plan['created_at']} is too old; reading again")
        return None
    return plan


def _plan_slices(run: _Run, leads_in_scope: int) -> list[Slice]:
    if leads_in_scope <= run.options.slice_threshold:
        return [Slice()]
    bounds = []
    for direction in ("ASC", "DESC"):
        soql = build_select(
            "Lead",
            ["CreatedDate"],
            where=run.options.where,
            order_by=f"CreatedDate {direction}",
            limit=1,
        )
        rows = list(run.client.query(soql))
        if not rows or not rows[0].get("CreatedDate"):
            return [Slice()]
        bounds.append(parse_sf_datetime(str(rows[0]["CreatedDate"])))
    return month_slices(bounds[0], bounds[1])


def _dry_read(run: _Run, slices: list[Slice], leads_in_scope: int) -> Estimate | None:
    """Read and qualify every slice without writing; save and return the estimate."""
    calls_before = run.client.calls
    activities = run_pass(
        run.client,
        run.store,
        run.definition,
        run.context(dry_run=True, lead_ids=frozenset(), objects=run.activity_objects()),
    )
    if run.stopped(activities):
        return None
    estimate = Estimate(
        now=format_sf_datetime(run.options.now),
        where=run.options.where,
        leads_in_scope=leads_in_scope,
        activity_read_calls=activities.api_calls,
        activity_query_jobs=_query_jobs(activities, run.options.bulk_read_threshold),
        slices=[],
    )
    for index, part in enumerate(slices):
        _progress(run, index, len(slices))
        report = run_pass(
            run.client,
            run.store,
            run.definition,
            run.context(
                dry_run=True,
                lead_where=combine_where(run.options.where, part.condition()),
                objects=frozenset({"Lead"}),
                keep_changes=True,
            ),
        )
        if run.stopped(report):
            return None
        estimate.slices.append(_slice_estimate(run, part, report))
        if run.on_changes is not None:
            run.on_changes(report.changes)
    _progress(run, len(slices), len(slices))
    estimate.dry_run_calls = run.client.calls - calls_before
    run.store.save_checkpoint(
        PLAN,
        {
            "format": FORMAT,
            "where": run.options.where,
            "definition_version": run.definition.version,
            "created_at": run.options.wall_clock.isoformat(),
            "estimate": estimate.as_dict(),
            "slices": [s.to_json() for s in slices],
        },
    )
    return estimate


def _slice_estimate(run: _Run, part: Slice, report: PassReport) -> SliceEstimate:
    records = [{"Id": c["Id"], **c["fields"]} for c in report.changes]
    writes = plan_writes(records, bulk_write_threshold=run.options.bulk_write_threshold)
    bounds = part.to_json()
    return SliceEstimate(
        start=bounds["start"],
        end=bounds["end"],
        label=part.label,
        leads_read=report.read.get("Lead", 0),
        converted=report.skipped_converted,
        changed=report.changed,
        field_changes=sum(len(c["changes"]) for c in report.changes),
        read_calls=report.api_calls,
        query_jobs=_query_jobs(report, run.options.bulk_read_threshold),
        write_calls=writes.calls,
        ingest_jobs=writes.ingest_jobs,
        upload_bytes=writes.upload_bytes,
    )


def _query_jobs(report: PassReport, threshold: int) -> int:
    # The client reads with Bulk 2.0 when the object's COUNT() is above the threshold, and
    # every row it counted comes back (and is counted in report.read).
    return sum(1 for rows in report.read.values() if rows > threshold)


def _new_checkpoint(run: _Run, estimate: Estimate) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "now": format_sf_datetime(run.options.now),
        "where": run.options.where,
        "definition_version": run.definition.version,
        "started_at": run.options.wall_clock.isoformat(),
        "estimate": estimate.as_dict(),
        "slices": [{"start": s.start, "end": s.end} for s in estimate.slices],
        "done": [],
    }


def _apply(run: _Run, checkpoint: dict[str, Any]) -> None:
    """Read activities, then read, qualify and write each unfinished slice."""
    store, result = run.store, run.result
    store.save_checkpoint(CHECKPOINT, checkpoint)
    slices = [Slice.from_json(s) for s in checkpoint["slices"]]
    done: list[int] = list(checkpoint["done"])
    activities = run_pass(
        run.client,
        run.store,
        run.definition,
        run.context(lead_ids=frozenset(), objects=run.activity_objects()),
    )
    if run.stopped(activities):
        return
    for index, part in enumerate(slices):
        if index in done:
            continue
        if run.stop.is_set():  # the last slice finished after a stop request: end here
            result.outcome = "interrupted"
            return
        _progress(run, len(done), len(slices))
        report = run_pass(
            run.client,
            run.store,
            run.definition,
            run.context(
                lead_where=combine_where(run.options.where, part.condition()),
                objects=frozenset({"Lead"}),
                keep_changes=run.on_changes is not None,
            ),
        )
        result.written += report.written
        result.rejected += report.rejected
        if run.on_changes is not None:
            run.on_changes(_applied(store, report.changes))
        if run.stopped(report):
            return
        done.append(index)
        checkpoint["done"] = sorted(done)
        store.save_checkpoint(CHECKPOINT, checkpoint)
        result.slices_done = len(done)
    _progress(run, len(slices), len(slices))
    store.clear_checkpoint(CHECKPOINT)
    store.clear_checkpoint(PLAN)
    store.set_last_backfill({"finished_at": run.options.wall_clock.isoformat(), **_summary(result)})


def _applied(store: StateStore, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The changes whose new values sfsync has recorded as written."""
    written = store.get_written_many(c["Id"] for c in changes)
    return [
        c
        for c in changes
        if c["Id"] in written
        and all(
            normalize_value(written[c["Id"]].get(name)) == normalize_value(value)
            for name, value in c["fields"].items()
        )
    ]


def _progress(run: _Run, done: int, total: int) -> None:
    if run.on_progress is not None:
        run.on_progress("slices", done, total)


def _summary(result: BackfillResult) -> dict[str, Any]:
    data = result.as_dict()
    estimate = data.pop("estimate")
    if estimate:
        data.update(
            estimated_changed=estimate["changed"],
            estimated_api_calls=estimate["api_calls"],
        )
    return data
