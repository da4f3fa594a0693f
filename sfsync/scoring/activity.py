"""
Activity (pure): each activity record matched once against the definition's sources, as a
signal occurrence or a sales-touch candidate, with who logged it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sfsync.definition.compile import CompiledDefinition
from sfsync.values.booleans import to_bool
from sfsync.values.datetimes import to_datetime

# A signal occurrence: (at, record Id or "", object, signal rank).
Occurrence = tuple[datetime, str, str, int]
# A touch candidate: (at, record Id or "", object, label, created-by name, why code).
Touch = tuple[datetime, str, str, str, str | None, int]
HUMAN, INTEGRATION_USER, EXCLUDED_CREATOR = 0, 1, 2
_BY_TIME_AND_ID = itemgetter(0, 1)


def collect_activities(
    activities: Mapping[str, Sequence[Mapping[str, Any]]],
    c: CompiledDefinition,
    now: datetime,
    users: Mapping[str, str],
    integration_user_id: str | None,
    ignored: list[str],
    lead: Mapping[str, Any] | None = None,
) -> tuple[list[Occurrence], list[Touch]]:
    """
    Signal occurrences and touch candidates, each sorted by (at, Id). Signals a package
    keeps on the *lead* itself (`object: Lead`) count once each, every matching one (each
    reads its own date field), not first-match-wins as activity records do.
    """
    occurrences: list[Occurrence] = []
    touches: list[Touch] = []
    undated: dict[tuple[str, str], int] = {}
    if type(activities) is not dict and not isinstance(activities, Mapping):
        return occurrences, touches
    integration_user = integration_user_id if c.exclude_integration_user else None
    excluded_creators = c.excluded_creators
    fromisoformat = datetime.fromisoformat
    append = occurrences.append
    for plan in c.activity_plan:
        obj = plan.object
        records = activities.get(obj)
        if type(records) is not list and (
            not isinstance(records, Sequence) or isinstance(records, str)
        ):
            continue
        sources = plan.sources
        touch_sources = plan.touch_sources
        for record in records:
            # dict first: isinstance against the Mapping ABC is slow in this hot loop.
            if type(record) is not dict and not isinstance(record, Mapping):
                continue
            deleted = record.get("IsDeleted")
            if deleted is not None and (
                deleted is True or (deleted not in (None, False) and to_bool(deleted) is True)
            ):
                continue
            rid = record.get("Id")
            if type(rid) is not str and not isinstance(rid, str):
                rid = ""
            for test, at_field, rank in sources:
                if test is None or test(record, now):
                    raw = record.get(at_field)
                    at = None
                    if type(raw) is str:  # to_datetime's fast path, inline
                        try:
                            at = fromisoformat(raw)
                        except ValueError:
                            at = to_datetime(raw)
                        else:
                            tz = at.tzinfo
                            if tz is not UTC:
                                at = at.replace(tzinfo=UTC) if tz is None else at.astimezone(UTC)
                    else:
                        at = to_datetime(raw)
                    if at is None:
                        undated[(obj, at_field)] = undated.get((obj, at_field), 0) + 1
                    elif at <= now:
                        append((at, rid, obj, rank))
                    break
            for test, at_field, label in touch_sources:
                if test is None or test(record, now):
                    at = to_datetime(record.get(at_field))
                    if at is None:
                        undated[(obj, at_field)] = undated.get((obj, at_field), 0) + 1
                        break
                    if at > now:
                        break
                    name, why = _creator(record, users, integration_user, excluded_creators)
                    touches.append((at, rid, obj, label, name, why))
                    break
    if lead is not None and c.lead_plan:
        occurrences += _lead_signals(lead, c, now, undated)
    if undated:
        for (obj, at_field), count in sorted(undated.items()):
            plural = "record" if count == 1 else "records"
            ignored.append(f"{count} {obj} {plural} without a valid {at_field} ignored")
    occurrences.sort(key=_BY_TIME_AND_ID)
    touches.sort(key=_BY_TIME_AND_ID)
    return occurrences, touches


def _lead_signals(
    lead: Mapping[str, Any],
    c: CompiledDefinition,
    now: datetime,
    undated: dict[tuple[str, str], int],
) -> list[Occurrence]:
    """Each signal on the lead record itself that matches, once, dated by its own field."""
    lead_id = lead.get("Id")
    rid = lead_id if isinstance(lead_id, str) else ""
    found: list[Occurrence] = []
    for test, at_field, rank in c.lead_plan:
        if test is None or test(lead, now):
            at = to_datetime(lead.get(at_field))
            if at is None:
                undated[("Lead", at_field)] = undated.get(("Lead", at_field), 0) + 1
            elif at <= now:
                found.append((at, rid, "Lead", rank))
    return found


def _creator(
    record: Mapping[str, Any],
    users: Mapping[str, str],
    integration_user: str | None,
    excluded_creators: frozenset[str],
) -> tuple[str | None, int]:
    """Who logged *record*, and why code: integration and marketing users' never count."""
    creator_id = record.get("CreatedById")
    created_by = record.get("CreatedBy")
    name = (
        created_by.get("Name")
        if created_by is not None and isinstance(created_by, Mapping)
        else None
    )
    if not isinstance(name, str) and isinstance(creator_id, str):
        name = users.get(creator_id)
    name = name.strip() if isinstance(name, str) else None
    if integration_user and creator_id == integration_user:
        return name, INTEGRATION_USER
    if name is not None and name.casefold() in excluded_creators:
        return name, EXCLUDED_CREATOR
    return name, HUMAN


def touch_why(why: int, name: str | None) -> str:
    if why == INTEGRATION_USER:
        return "created by the integration user"
    if why == EXCLUDED_CREATOR:
        return f"created by {name}"
    return "human sales touch"
