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

import hashlib
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, Literal, Protocol

import structlog

from sfsync.definition import CompiledDefinition
from sfsync.errors import ConfigError, QuotaExceededError, RecordError, SalesforceError
from sfsync.salesforce.soql import build_select, format_soql
from sfsync.scoring import qualify
from sfsync.spool import Spool
from sfsync.state import HistoryEntry, Reject, StateStore

log = structlog.get_logger(__name__)

Mode = Literal["incremental", "full", "rescore"]
USER_FIELDS = ("Id", "Name", "IsActive", "SystemModstamp")
# Read for people (explain, demo, report), never scored: every org's Lead has them.
LEAD_DISPLAY_FIELDS = ("Name", "Company")
SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f"
# State meta key: the definition (version and content) the leads were last qualified with.
DEFINITION_META = "definition_fingerprint"
# State meta key prefix: the fields every mirrored record of an object holds.
MIRRORED_FIELDS_META = "mirrored_fields:"


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

    def write(self, object_name: str, records: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        """Update *records*, results in their order; *records* may be disk-backed."""
        ...

    def user_id(self) -> str: ...

    def org_id(self) -> str | None: ...

    def start_budget(self) -> Any: ...

    def describe(self, sobject: str) -> dict[str, Any]: ...


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


def definition_fingerprint(definition: CompiledDefinition) -> str:
    """The definition's version and a digest of its content: an edit changes it."""
    content = definition.definition.model_dump_json().encode()
    return f"{definition.version}:{hashlib.sha256(content).hexdigest()[:16]}"


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
    # A SOQL condition ANDed into the Lead read (the backfill's scope and CreatedDate
    # slice): the pass then qualifies only the leads that read returned, keeps the mirror's
    # other leads and leaves the Lead watermark alone (a slice says nothing about the rest).
    lead_where: str | None = None
    # Read only these objects (None: every object the definition needs).
    objects: frozenset[str] | None = None


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
    check_same_org(client, store)
    run_id = store.start_run(ctx.mode, dry_run=ctx.dry_run, definition_version=definition.version)
    report = PassReport(run_id=run_id, mode=ctx.mode, dry_run=ctx.dry_run)
    structlog.contextvars.bind_contextvars(run_id=run_id)
    try:
        client.start_budget()
        integration_user = _integration_user(client, store)
        users_before = store.users()
        pending = _extract(client, store, definition, ctx, report)
        affected = _affected_leads(store, definition, ctx, pending, users_before)
        changes = _qualify_and_diff(store, definition, ctx, report, affected, integration_user)
        if ctx.dry_run:
            changes.close()
        else:
            _write(client, store, definition, ctx, report, changes)
            with store.transaction():
                for object_name, stamp in pending.watermarks.items():
                    store.set_watermark(object_name, stamp)
                if ctx.lead_ids is None and ctx.lead_where is None:
                    store.set_meta(DEFINITION_META, definition_fingerprint(definition))
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


def check_same_org(client: OrgClient, store: StateStore) -> None:
    """
    Refuse to run a state store against another org than the one it mirrors: its
    watermarks, mirror and cached integration user would be wrong there, and leads would be
    scored with another org's activity. The org Id comes free with JWT and client
    credentials logins (the identity URL); without it (session auth) nothing is checked.

    Raises:
        ConfigError: the store was filled from another org.
    """
    org_id = client.org_id()
    if not org_id:
        return
    known = store.get_meta("org_id")
    if known is None:
        store.set_meta("org_id", org_id)
    elif known != org_id:
        msg = (
            f"the state store {store.path} mirrors org {known}, but this connection is to "
            f"org {org_id}; give each org its own SFSYNC_STATE_PATH"
        )
        raise ConfigError(msg)


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


def _mirrored_fields(store: StateStore, object_name: str) -> frozenset[str] | None:
    """The fields (lower case) every mirrored record of *object_name* holds; None if unknown."""
    text = store.get_meta(f"{MIRRORED_FIELDS_META}{object_name}")
    return None if text is None else frozenset(filter(None, text.split(",")))


def _record_mirrored_fields(
    store: StateStore, object_name: str, fields: Sequence[str], *, every_record: bool
) -> None:
    """After a read of *fields*: what every mirrored record now holds (dry runs too: the
    mirror was written)."""
    read = frozenset(f.lower() for f in fields)
    before = _mirrored_fields(store, object_name)
    held = read if every_record or before is None else read & before
    store.set_meta(f"{MIRRORED_FIELDS_META}{object_name}", ",".join(sorted(held)))


def _without_missing_optional(
    client: OrgClient,
    definition: CompiledDefinition,
    object_name: str,
    fields: tuple[str, ...],
    exc: SalesforceError,
) -> tuple[str, ...]:
    """
    After the org refused a Lead query's field (INVALID_FIELD): *fields* without the optional
    inputs the org lacks, which are then scored as unknown (DESIGN §3). Costs a describe
    only on that path. Re-raises *exc* when no optional input is missing.
    """
    if object_name != "Lead" or exc.error_code != "INVALID_FIELD":
        raise exc
    present = {str(f.get("name", "")).lower() for f in client.describe("Lead").get("fields", [])}
    missing = {
        i.field
        for i in definition.inputs
        if i.optional and "." not in i.field and i.field.lower() not in present
    }
    if not missing:
        raise exc
    log.warning("sfsync.sync.optional_inputs_missing", object=object_name, fields=sorted(missing))
    return tuple(f for f in fields if f not in missing)


def _extract(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
) -> _Pending:
    pending = _Pending()
    # Every read is started before any is consumed: a read large enough for a Bulk query
    # job returns once the job is created, so the org runs all of them side by side (and
    # one poll can check them all) instead of one after another. Reads answered by REST
    # are consumed first, while the jobs run and before their query cursors could idle.
    started = []
    for object_name, fields, lead_field in _read_objects(definition):
        if ctx.objects is not None and object_name not in ctx.objects:
            continue
        sliced = object_name == "Lead" and ctx.lead_where is not None
        watermark = store.get_watermark(object_name)
        mirrored = _mirrored_fields(store, object_name)
        # A field the mirror does not hold for every record (a definition that reads more
        # than the last one did) is read for every record, or leads would be re-qualified
        # with it unknown.
        new_fields = [f for f in fields if mirrored is not None and f.lower() not in mirrored]
        if new_fields and watermark is not None and ctx.mode != "full":
            log.info("sfsync.sync.new_fields_read", object=object_name, fields=new_fields)
        full = ctx.mode == "full" or watermark is None or bool(new_fields)
        where = None
        if not full:
            start = window_start(watermark, ctx.overlap)
            assert start is not None
            where = format_soql("SystemModstamp > {}", start)
            me = store.get_meta("integration_user_id")
            if object_name == "Lead" and me and watermark:
                # The overlap window is there for records committed late, after the last
                # read. Our own writes were committed before this pass began, and the mirror
                # already holds what we wrote, so inside the window only other users' changes
                # are re-read: a large write's echo is read once, not twice. (SOQL compares
                # whole seconds, so the watermark's own second is still read in full: a
                # change made there after the last read is never missed.)
                where = format_soql(
                    "SystemModstamp > {} OR (SystemModstamp > {} AND LastModifiedById != {})",
                    parse_sf_datetime(watermark),
                    start,
                    me,
                )
        if sliced:
            where = f"({where}) AND ({ctx.lead_where})" if where else ctx.lead_where
        # Users are never deleted, only deactivated; every other object is read with
        # queryAll so that deleted activity lowers the counters it fed.
        include_deleted = object_name != "User"
        try:
            records = client.read(object_name, fields, where=where, include_deleted=include_deleted)
        except SalesforceError as exc:
            fewer = _without_missing_optional(client, definition, object_name, fields, exc)
            records = client.read(object_name, fewer, where=where, include_deleted=include_deleted)
        started.append((object_name, lead_field, sliced, watermark, full, fields, records))
    order = [read[0] for read in started]  # the report lists objects in this order
    started.sort(key=lambda read: getattr(read[-1], "job_id", None) is not None)
    for object_name, lead_field, sliced, watermark, full, fields, records in started:
        # Records stream from the org into the mirror. The Ids read are kept only where
        # they pick the leads to re-qualify (an incremental pass, a slice of leads): a full
        # or nightly pass re-qualifies every lead, and a full read's deletion sweep keeps
        # its Ids in SQLite, so reading a large org takes bounded memory.
        keep_ids = ctx.mode == "incremental" or sliced
        seen_ids: set[str] = set()
        newest = _NewestStamp(watermark)

        def tracked(
            records: Iterator[dict[str, Any]],
            seen_ids: set[str] = seen_ids,
            newest: _NewestStamp = newest,
            object_name: str = object_name,
            keep_ids: bool = keep_ids,
        ) -> Iterator[dict[str, Any]]:
            for n, record in enumerate(records, start=1):
                if ctx.should_stop():
                    raise PassInterruptedError
                if keep_ids:
                    seen_ids.add(record["Id"])
                newest.add(record.get("SystemModstamp"))
                if ctx.on_progress and n % 1000 == 0:
                    ctx.on_progress(f"read {object_name}", n, None)
                yield record

        with store.transaction():
            if full and ctx.mode == "full" and not sliced:
                count, _ = store.replace_records(
                    object_name, tracked(records), lead_field=lead_field
                )
            else:
                count = store.upsert_records(object_name, tracked(records), lead_field=lead_field)
            _record_mirrored_fields(store, object_name, fields, every_record=full and not sliced)
        report.read[object_name] = count
        pending.changed_ids[object_name] = seen_ids
        new_mark = newest.value
        if new_mark is not None and new_mark != watermark and not sliced:
            pending.watermarks[object_name] = new_mark
    report.read = {name: report.read[name] for name in sorted(report.read, key=order.index)}
    return pending


def _affected_leads(
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    pending: _Pending,
    users_before: Mapping[str, Mapping[str, Any]] | None = None,
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
        return sorted(pending.changed_ids.get("Lead", ()))
    if ctx.mode in ("full", "rescore"):
        return None
    if store.get_meta(DEFINITION_META) != definition_fingerprint(definition):
        # A new or edited definition (or none applied yet): every lead's outputs may change,
        # and the version stamp must too. Re-qualifying the mirror costs no API calls.
        log.info("sfsync.sync.definition_changed", definition_version=definition.version)
        return None
    affected = set(pending.changed_ids.get("Lead", ()))
    for object_name in definition.activity_objects():
        ids = pending.changed_ids.get(object_name)
        if ids:
            affected |= store.lead_ids_for_activities(object_name, ids)
    user_ids = pending.changed_ids.get("User")
    if user_ids:
        users_now = store.users()
        before = users_before if users_before is not None else {}
        if any(before.get(uid) != users_now.get(uid) for uid in user_ids):
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
) -> Spool[_Change]:
    users = {uid: str(u.get("Name") or "") for uid, u in store.users().items()}
    outputs = definition.definition.outputs
    status_cfg = definition.definition.status.standard_status
    # On disk, not in a list: a full pass may change every lead of the org.
    changes: Spool[_Change] = Spool()
    statuses: Counter[str] = Counter()
    written_cache: dict[str, dict[str, Any]] = {}
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
        status_baselines: dict[str, dict[str, Any]] = {}
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
                still_pending.add(str(lead.get("Id")))
                report.skipped_invalid += 1
                log.warning("sfsync.record.skipped", record_id=lead.get("Id"), error=str(exc))
                continue
            report.qualified += 1
            if is_truthy(lead.get("IsConverted")):
                report.skipped_converted += 1
                continue
            statuses[q.status] += 1
            desired = q.to_fields()
            if status_cfg.enabled and q.standard_status is None:
                current_status = lead.get(status_cfg.field)
                if (
                    status_cfg.map.get(q.status) is not None
                    and current_status in status_cfg.order
                    and status_cfg.field not in (written_cache.get(lead["Id"]) or {})
                ):
                    status_baselines[lead["Id"]] = {status_cfg.field: current_status}
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
                if lead["Id"] in pending:
                    still_pending.add(lead["Id"])
        if status_baselines and not ctx.dry_run:
            store.save_written(report.run_id, status_baselines)
        done += len(batch)
        if ctx.on_progress:
            ctx.on_progress("qualify", done, total)
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
    del outputs
    return changes


def _write(
    client: OrgClient,
    store: StateStore,
    definition: CompiledDefinition,
    ctx: PassContext,
    report: PassReport,
    changes: Spool[_Change],
) -> None:
    """
    Write *changes* in one `client.write` call, so a large pass is one Bulk API job (the
    client picks sObject Collections below its bulk threshold), then record the results
    chunk by chunk, each chunk in one transaction, reading the spool and the results side
    by side so memory stays bounded whatever the number of changes.

    A process killed between the write and its recording leaves the watermarks where they
    were: the next pass re-reads those leads, finds they already hold the values, and
    writes nothing (the killed pass's history entries for them are lost, never doubled).
    """
    with changes:
        if not changes:
            return
        if ctx.should_stop():
            raise PassInterruptedError
        at = format_sf_datetime(ctx.now)
        results = client.write("Lead", changes.map(_change_record))
        if len(results) != len(changes):
            msg = f"the org answered {len(results)} results for {len(changes)} records"
            raise SalesforceError(msg, resource="write")
        done = 0
        for chunk, chunk_results in zip(
            _chunked(changes, _RECORD_CHUNK), _chunked(results, _RECORD_CHUNK), strict=True
        ):
            _record_results(store, definition, report, at, chunk, chunk_results)
            done += len(chunk)
            if ctx.on_progress:
                ctx.on_progress("write", done, len(changes))


_RECORD_CHUNK = 2000  # results recorded per store transaction


def _change_record(change: _Change) -> dict[str, Any]:
    return {"Id": change.lead_id, **change.fields}


def _chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _record_results(
    store: StateStore,
    definition: CompiledDefinition,
    report: PassReport,
    at: str,
    chunk: Sequence[_Change],
    results: Sequence[Any],
) -> None:
    """Record one chunk's outcome: what was written, its history, and the rejects."""
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


def _merged_leads(
    store: StateStore, rows: Mapping[str, Mapping[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The mirror's lead rows with what we just wrote, so explain/report see it at once."""
    stored = store.get_records("Lead", rows)
    for lead_id, fields in rows.items():
        lead = stored.get(lead_id)
        if lead is not None:
            yield {**lead, **fields}


class _NewestStamp:
    """
    `next_watermark` over a stream: the newest SystemModstamp seen so far, in O(1) memory.
    Salesforce's UTC stamps (`…T10:00:00.000+0000` or `…Z`) compare by their first 23
    characters; any other form is parsed.
    """

    def __init__(self, current: str | None) -> None:
        self.value = current
        self._key = _stamp_key(current) if current else None

    def add(self, stamp: str | None) -> None:
        if not stamp:
            return
        key = _stamp_key(stamp)
        if self._key is None or key > self._key:
            self.value, self._key = stamp, key


def _stamp_key(stamp: str) -> str:
    if len(stamp) in (24, 28) and stamp[10] == "T" and stamp.endswith(("Z", "+0000")):
        return stamp[:23]
    return format_sf_datetime(parse_sf_datetime(stamp))[:23]


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
