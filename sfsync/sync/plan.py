"""
The read plan (pure): which objects a pass reads, which fields, and from where on.

Each object is read from its watermark (the newest SystemModstamp applied) minus an overlap
window, or in full: on the first pass, in `full` mode, and when the definition reads a
field the mirror does not hold for every record (else leads would be re-qualified with it
unknown). Inside the window the Lead read skips the integration user's own writes (their
echo), except within the watermark's own second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sfsync.definition import CompiledDefinition
from sfsync.salesforce.soql import format_soql
from sfsync.sync.context import Mode
from sfsync.values.datetimes import format_sf_datetime, parse_sf_datetime

USER_FIELDS = ("Id", "Name", "IsActive", "SystemModstamp")
# Read for people (explain, demo, report), never scored: every org's Lead has them.
LEAD_DISPLAY_FIELDS = ("Name", "Company")


@dataclass(frozen=True)
class ObjectRead:
    """How one object is read in this pass."""

    object_name: str
    fields: tuple[str, ...]
    lead_field: str | None
    """The field linking a record to its lead (None for Lead and User)."""
    where: str | None
    """The SOQL condition (None: every record)."""
    full: bool
    """Every record is read (not only what changed since the watermark)."""
    sliced: bool
    """Only a slice of the leads is read (the backfill's scope)."""
    watermark: str | None
    new_fields: tuple[str, ...]
    """Fields the mirror does not hold for every record: read in full this time."""

    @property
    def include_deleted(self) -> bool:
        """Users are never deleted, only deactivated; every other object is read with
        queryAll, so deleted activity lowers the counters it fed."""
        return self.object_name != "User"


def read_objects(definition: CompiledDefinition) -> list[tuple[str, tuple[str, ...], str | None]]:
    """`(object, fields, lead field)` of every object the definition needs, User and Lead
    first."""
    fields = definition.read_fields()
    lead_fields = fields["Lead"] + tuple(f for f in LEAD_DISPLAY_FIELDS if f not in fields["Lead"])
    objects: list[tuple[str, tuple[str, ...], str | None]] = [
        ("User", USER_FIELDS, None),
        ("Lead", lead_fields, None),
    ]
    objects += [
        (name, fields[name], definition.lead_field(name)) for name in definition.activity_objects()
    ]
    return objects


def plan_read(
    object_name: str,
    fields: tuple[str, ...],
    lead_field: str | None,
    *,
    mode: Mode,
    watermark: str | None,
    mirrored: frozenset[str] | None,
    overlap: timedelta,
    lead_where: str | None = None,
    integration_user: str | None = None,
) -> ObjectRead:
    """
    Plan one object's read.

    Args:
        mirrored: the fields (lower case) every mirrored record holds; None if unknown.
        lead_where: a SOQL condition ANDed into the Lead read (a slice of the leads).
        integration_user: the user sfsync writes as; its echo is skipped in the window.
    """
    sliced = object_name == "Lead" and lead_where is not None
    new_fields = tuple(f for f in fields if mirrored is not None and f.lower() not in mirrored)
    full = mode == "full" or watermark is None or bool(new_fields)
    where = None
    if not full and watermark is not None:
        start = window_start(watermark, overlap)
        where = format_soql("SystemModstamp > {}", start)
        if object_name == "Lead" and integration_user:
            # The overlap window is there for records committed late, after the last read.
            # Our own writes were committed before this pass began, and the mirror already
            # holds what we wrote, so inside the window only other users' changes are
            # re-read: a large write's echo is read once, not twice. (SOQL compares whole
            # seconds, so the watermark's own second is still read in full: a change made
            # there after the last read is never missed.)
            where = format_soql(
                "SystemModstamp > {} OR (SystemModstamp > {} AND LastModifiedById != {})",
                parse_sf_datetime(watermark),
                start,
                integration_user,
            )
    if sliced:
        where = f"({where}) AND ({lead_where})" if where else lead_where
    return ObjectRead(
        object_name=object_name,
        fields=fields,
        lead_field=lead_field,
        where=where,
        full=full,
        sliced=sliced,
        watermark=watermark,
        new_fields=new_fields,
    )


def window_start(watermark: str, overlap: timedelta) -> datetime:
    """Where the next incremental read starts: the watermark minus the overlap window."""
    return parse_sf_datetime(watermark) - overlap


def held_fields(
    read: Sequence[str], before: frozenset[str] | None, *, every_record: bool
) -> frozenset[str]:
    """
    The fields (lower case) every mirrored record holds after a read of *read*: all of
    them after a read of every record (or of a new object), else only those every record
    held before and this read brought too.
    """
    fields = frozenset(f.lower() for f in read)
    return fields if every_record or before is None else fields & before


def missing_optional_inputs(
    definition: CompiledDefinition, describe: Mapping[str, object]
) -> set[str]:
    """The Lead fields of optional inputs that the org's Lead *describe* lacks."""
    listed = describe.get("fields")
    present = {
        str(f.get("name", "")).lower()
        for f in (listed if isinstance(listed, list) else [])
        if isinstance(f, Mapping)
    }
    return {
        i.field
        for i in definition.inputs
        if i.optional and "." not in i.field and i.field.lower() not in present
    }


class NewestStamp:
    """
    The newest SystemModstamp seen so far, in O(1) memory, starting from *current*.
    Salesforce's UTC stamps (`…T10:00:00.000+0000` or `…Z`) compare by their first 23
    characters; any other form is parsed.
    """

    def __init__(self, current: str | None) -> None:
        self.value = current
        self._key = stamp_key(current) if current else None

    def add(self, stamp: str | None) -> None:
        """Keep *stamp* when it is newer than the newest so far."""
        if not stamp:
            return
        key = stamp_key(stamp)
        if self._key is None or key > self._key:
            self.value, self._key = stamp, key


def stamp_key(stamp: str) -> str:
    """A key that orders SystemModstamps in time: the UTC form's first 23 characters."""
    if len(stamp) in (24, 28) and stamp[10] == "T" and stamp.endswith(("Z", "+0000")):
        return stamp[:23]
    return format_sf_datetime(parse_sf_datetime(stamp))[:23]
