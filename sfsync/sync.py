"""
One pass of the sync: extract -> qualify -> diff -> write -> record (DESIGN §2).

`run_pass` takes its collaborators as arguments (a Salesforce client, the state store, the
compiled definition, the clock's reading), so tests can pass fakes and the daemon, the CLI
and the backfill share one implementation.

Three modes:
- ``incremental``: read what changed since each object's watermark (minus an overlap
  window), re-qualify the leads it touches, write the ones whose outputs changed.
- ``full``: read everything, rebuild the mirror, re-qualify every lead.
- ``rescore``: the nightly pass. An incremental read, then every lead in the mirror is
  re-qualified so that decay is applied without re-reading the org.

Guarantees:
- Watermarks advance only after the pass has been applied (read, qualified, written and
  recorded); a pass that stops early (budget, SIGTERM, crash) leaves them where they were,
  so the next pass re-reads the same window. Every step is idempotent (the mirror is keyed
  by record Id, touches are counted from it), so re-reading never counts anything twice.
- Only leads whose output values differ from what the org holds are written, and only
  sfsync's own fields (plus the opt-in, guarded standard Status). Our writes bump the
  lead's SystemModstamp; the next pass reads that echo, finds nothing to change, and
  the echo ends there.
- Converted leads are mirrored (they feed the report) but never written.
- A record the org rejects is recorded with its error and retried next pass; it never
  blocks the others.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.errors import QuotaExceededError, RecordError
from sfsync.salesforce.soql import build_select, format_soql
from sfsync.scoring import qualify
from sfsync.state import HistoryEntry, Reject, StateStore

log = structlog.get_logger(__name__)

Mode = Literal["incremental", "full", "rescore"]
USER_FIELDS = ("Id", "Name", "IsActive", "SystemModstamp")
# Read for people (explain, demo, report), never scored: every org's Lead has them.
LEAD_DISPLAY_FIELDS = ("Name", "Company")
SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f"


class WriteOutcome(Protocol):
    """One record's result, in request order (see salesforce.client.WriteResult)."""

    id: str | None
    success: bool
    error_code: str | None
    message: str | None


class OrgClient(Protocol):
    """What the pass needs from the Salesforce layer (salesforce.client.SalesforceClient)."""

    calls: int

    def read(
        self,
        object_name: str,
        fields: Sequence[str],
        *,
        where: str | None = None,
        include_deleted: bool = False,
    ) -> Iterator[dict[str, Any]]: ...

    def write(self, object_name: str, records: Sequence[Mapping[str, Any]]) -> Sequence[Any]: ...

    def user_id(self) -> str: ...

    def start_budget(self) -> Any: ...


@dataclass
class PassReport:
    """What one pass did: the canonical summary line and the CLI's --json output."""

    run_id: str
    mode: str
    dry_run: bool
    outcome: str = "success"
    read: dict[str, int] = field(default_factory=dict)
    qualified: int = 0
    changed: int = 0
    written: int = 0
    rejected: int = 0
    skipped_converted: int = 0
    skipped_invalid: int = 0
    status_mapping_blocked: int = 0
    api_calls: int = 0
    duration_seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def partial(self) -> bool:
        """True when the pass ended early or left rejected records behind (exit code 3)."""
        return self.outcome in ("partial", "interrupted") or self.rejected > 0

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data, without the per-lead change list."""
        data = asdict(self)
        data.pop("changes")
        data["partial"] = self.partial
        return data


class PassInterruptedError(Exception):
    """Raised inside a pass when the stop event is set; the pass ends without advancing."""


# --- pure helpers ---------------------------------------------------------------------


def parse_sf_datetime(value: str) -> datetime:
    """Parse Salesforce's `2024-05-01T10:00:00.000+0000` (or ISO 8601 forms) into UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_sf_datetime(value: datetime) -> str:
    """Format a datetime as Salesforce serialises it: UTC, milliseconds, `+0000`."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def window_start(watermark: str | None, overlap: timedelta) -> datetime | None:
    """Where the next incremental read starts: the watermark minus the overlap window."""
    if watermark is None:
        return None
    return parse_sf_datetime(watermark) - overlap


def next_watermark(current: str | None, seen: Iterable[str | None]) -> str | None:
    """The newest SystemModstamp among `seen` and `current` (text order is time order)."""
    best = current
    for stamp in seen:
        if stamp and (best is None or parse_sf_datetime(stamp) > parse_sf_datetime(best)):
            best = stamp
    return best


def normalize_value(value: Any) -> Any:
    """
    Normalise a field value for comparison between what we computed and what the org holds.

    Salesforce returns Number fields as floats (75.0), may return Long Text with `\\r\\n`,
    and serialises datetimes with milliseconds; two values that mean the same must compare
    equal, or every pass would rewrite every lead.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return None if math.isnan(number) else round(number, 4)
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").rstrip()
        if len(text) >= 19 and text[4] == "-" and text[10] == "T":
            try:
                return format_sf_datetime(parse_sf_datetime(text))
            except ValueError:
                return text
        return text
    return value


def diff_outputs(
    current: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Return {field: (old, new)} for every output field whose value would change."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, new in desired.items():
        old = current.get(name)
        if normalize_value(old) != normalize_value(new):
            changes[name] = (old, new)
    return changes


def is_truthy(value: Any) -> bool:
    """Salesforce booleans arrive as bools over REST and as 'true'/'false' text elsewhere."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def status_may_be_written(
    *, current: Any, last_written: Any, target: str, order: Sequence[str]
) -> bool:
    """
    Decide whether the opt-in standard Status mapping may write `target` (DESIGN §3).

    Never when a person changed the Status since sfsync last wrote it; only forward in
    `order`; never onto a value outside `order` (a rep's custom status is theirs).
    """
    if last_written is not None and current != last_written:
        return False
    if current == target:
        return False
    if current not in order or target not in order:
        return current is None and target in order
    return order.index(target) > order.index(current)


# --- the pass -------------------------------------------------------------------------


@dataclass
class PassContext:
    """Everything a pass needs that is not the client, the store or the definition."""

    now: datetime
    mode: Mode = "incremental"
    dry_run: bool = False
    overlap: timedelta = timedelta(minutes=5)
    batch_size: int = 2000
    lead_ids: frozenset[str] | None = None
    should_stop: Callable[[], bool] = lambda: False
    on_progress: Callable[[str, int, int | None], None] | None = None
    keep_changes: bool = False


def run_pass(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
) -> PassReport:
    """
    Run one pass and return its report; the pass is recorded in the store's runs table.

    QuotaExceededError ends the pass as "partial" (resumable: watermarks stay put), a stop
    request as "interrupted"; any other error propagates after the run is recorded as
    "failed".
    """
    started = time.monotonic()
    calls_before = client.calls
    run_id = store.start_run(ctx.mode, dry_run=ctx.dry_run, definition_version=definition.version)
    report = PassReport(run_id=run_id, mode=ctx.mode, dry_run=ctx.dry_run)
    structlog.contextvars.bind_contextvars(run_id=run_id)
    try:
        client.start_budget()
        integration_user = _integration_user(client, store)
        pending = _extract(client, store, definition, ctx, report)
        affected = _affected_leads(store, definition, ctx, pending)
        changes = _qualify_and_diff(store, definition, ctx, report, affected, integration_user)
        if not ctx.dry_run:
            _write(client, store, definition, ctx, report, changes)
            with store.transaction():
                for object_name, stamp in pending.watermarks.items():
                    store.set_watermark(object_name, stamp)
            report.watermarks = dict(pending.watermarks)
    except QuotaExceededError as exc:
        report.outcome = "partial"
        report.error = str(exc)
        log.warning("sfsync.sync.budget_stopped", error=str(exc))
    except PassInterruptedError:
        report.outcome = "interrupted"
        log.warning("sfsync.sync.interrupted")
    except BaseException as exc:
        report.outcome = "failed"
        report.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        report.api_calls = client.calls - calls_before
        report.duration_seconds = round(time.monotonic() - started, 3)
        counts = {
            "read": sum(report.read.values()),
            "qualified": report.qualified,
            "changed": report.changed,
            "written": report.written,
            "rejected": report.rejected,
            "skipped_converted": report.skipped_converted,
        }
        outcome = report.outcome
        if outcome == "success" and report.rejected:
            outcome = "partial"
        store.finish_run(
            run_id, outcome=outcome, counts=counts, api_calls=report.api_calls, error=report.error
        )
        log.info("sfsync.sync.completed", **report.as_dict())
        structlog.contextvars.unbind_contextvars("run_id")
    return report


def _integration_user(client: OrgClient, store: StateStore) -> str | None:
    cached = store.get_meta("integration_user_id")
    if cached:
        return cached
    user_id = client.user_id()
    if user_id:
        store.set_meta("integration_user_id", user_id)
    return user_id or None


@dataclass
class _Pending:
    watermarks: dict[str, str] = field(default_factory=dict)
    changed_ids: dict[str, set[str]] = field(default_factory=dict)


def _read_objects(definition: CompiledDefinition) -> list[tuple[str, tuple[str, ...], str | None]]:
    fields = definition.read_fields()
    objects: list[tuple[str, tuple[str, ...], str | None]] = [("User", USER_FIELDS, None)]
    lead_fields = fields["Lead"] + tuple(f for f in LEAD_DISPLAY_FIELDS if f not in fields["Lead"])
    objects.append(("Lead", lead_fields, None))
    objects += [
        (name, fields[name], definition.lead_field(name)) for name in definition.activity_objects()
    ]
    return objects


def _extract(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
) -> _Pending:
    pending = _Pending()
    for object_name, fields, lead_field in _read_objects(definition):
        watermark = store.get_watermark(object_name)
        full = ctx.mode == "full" or watermark is None
        where = None
        if not full:
            start = window_start(watermark, ctx.overlap)
            assert start is not None
            where = format_soql("SystemModstamp > {}", start)
        # Users are never deleted, only deactivated; every other object is read with
        # queryAll so that deleted activity lowers the counters it fed.
        include_deleted = object_name != "User"
        seen_ids: set[str] = set()
        stamps: list[str | None] = []

        def tracked(
            records: Iterator[dict[str, Any]],
            seen_ids: set[str] = seen_ids,
            stamps: list[str | None] = stamps,
            object_name: str = object_name,
        ) -> Iterator[dict[str, Any]]:
            for n, record in enumerate(records, start=1):
                if ctx.should_stop():
                    raise PassInterruptedError
                seen_ids.add(record["Id"])
                stamps.append(record.get("SystemModstamp"))
                if ctx.on_progress and n % 1000 == 0:
                    ctx.on_progress(f"read {object_name}", n, None)
                yield record

        records = client.read(object_name, fields, where=where, include_deleted=include_deleted)
        with store.transaction():
            count = store.upsert_records(object_name, tracked(records), lead_field=lead_field)
            if full and ctx.mode == "full":
                store.delete_missing(object_name, seen_ids)
        report.read[object_name] = count
        pending.changed_ids[object_name] = seen_ids
        new_mark = next_watermark(watermark, stamps)
        if new_mark is not None and new_mark != watermark:
            pending.watermarks[object_name] = new_mark
    return pending


def _affected_leads(
    store: StateStore, definition: CompiledDefinition, ctx: PassContext, pending: _Pending
) -> list[str] | None:
    """Lead Ids to re-qualify; None means every lead in the mirror."""
    if ctx.lead_ids is not None:
        return sorted(ctx.lead_ids)
    if ctx.mode in ("full", "rescore"):
        return None
    affected = set(pending.changed_ids.get("Lead", ()))
    for object_name in definition.activity_objects():
        ids = pending.changed_ids.get(object_name)
        if ids:
            affected |= store.lead_ids_for_activities(object_name, ids)
    if pending.changed_ids.get("User"):
        # A renamed or new user can change who counts as a human sales touch: re-qualify
        # the leads with activity by those users. Rare, so keep it simple: everything.
        return None
    affected |= {reject.lead_id for reject in store.pending_rejects()}
    return sorted(affected)


@dataclass(frozen=True)
class _Change:
    lead_id: str
    fields: dict[str, Any]
    diff: dict[str, tuple[Any, Any]]
    reasons: tuple[str, ...]


def _qualify_and_diff(
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
    affected: list[str] | None,
    integration_user: str | None,
) -> list[_Change]:
    users = {uid: str(u.get("Name") or "") for uid, u in store.users().items()}
    outputs = definition.definition.outputs
    status_cfg = definition.definition.status.standard_status
    changes: list[_Change] = []
    statuses: Counter[str] = Counter()
    written_cache: dict[str, dict[str, Any]] = {}
    total = len(affected) if affected is not None else store.count("Lead")
    done = 0
    for batch in store.iter_leads_with_activities(lead_ids=affected, batch_size=ctx.batch_size):
        if ctx.should_stop():
            raise PassInterruptedError
        if status_cfg.enabled:
            written_cache = store.get_written_many([lead["Id"] for lead, _ in batch])
        for lead, activities in batch:
            try:
                q = qualify(
                    lead,
                    activities,
                    definition,
                    now=ctx.now,
                    users=users,
                    integration_user_id=integration_user,
                )
            except RecordError as exc:
                report.skipped_invalid += 1
                log.warning("sfsync.record.skipped", record_id=lead.get("Id"), error=str(exc))
                continue
            report.qualified += 1
            statuses[q.status] += 1
            if is_truthy(lead.get("IsConverted")):
                report.skipped_converted += 1
                continue
            desired = q.to_fields()
            if status_cfg.enabled and q.standard_status is not None:
                last = (written_cache.get(lead["Id"]) or {}).get(status_cfg.field)
                if status_may_be_written(
                    current=lead.get(status_cfg.field),
                    last_written=last,
                    target=q.standard_status,
                    order=status_cfg.order,
                ):
                    desired[status_cfg.field] = q.standard_status
                else:
                    report.status_mapping_blocked += 1
            diff = diff_outputs(lead, desired)
            if diff:
                changes.append(_Change(lead["Id"], desired, diff, q.reasons))
        done += len(batch)
        if ctx.on_progress:
            ctx.on_progress("qualify", done, total)
    report.changed = len(changes)
    report.statuses = dict(sorted(statuses.items()))
    if ctx.keep_changes:
        report.changes = [
            {"Id": c.lead_id, "changes": {k: {"old": o, "new": n} for k, (o, n) in c.diff.items()}}
            for c in changes
        ]
    del outputs
    return changes


def _write(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
    changes: list[_Change],
) -> None:
    if not changes:
        return
    at = format_sf_datetime(ctx.now)
    # Write in slices so a stop request or a budget stop loses at most one slice of
    # bookkeeping, and so each slice's results are recorded before the next is sent.
    slice_size = 10_000
    for start in range(0, len(changes), slice_size):
        if ctx.should_stop():
            raise PassInterruptedError
        chunk = changes[start : start + slice_size]
        records = [{"Id": c.lead_id, **c.fields} for c in chunk]
        results = client.write("Lead", records)
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
                        fields=tuple(getattr(result, "fields", ()) or ()),
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
        if ctx.on_progress:
            ctx.on_progress("write", start + len(chunk), len(changes))


def _merged_leads(
    store: StateStore, rows: Mapping[str, Mapping[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The mirror's lead rows with what we just wrote, so explain/report see it at once."""
    for lead_id, fields in rows.items():
        lead = store.get_lead(lead_id)
        if lead is not None:
            yield {**lead, **fields}


def refresh_lead(
    client: Any, store: StateStore, definition: CompiledDefinition, lead_id: str
) -> None:
    """Re-read one lead and all its activity from the org into the mirror (explain --live)."""
    for object_name, fields, lead_field in _read_objects(definition):
        if object_name == "User":
            continue
        key = lead_field or "Id"
        soql = build_select(object_name, fields, where=format_soql("{:field} = {}", key, lead_id))
        rows = client.query(soql, include_deleted=True)
        with store.transaction():
            store.upsert_records(object_name, rows, lead_field=lead_field)
