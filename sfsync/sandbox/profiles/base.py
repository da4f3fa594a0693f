"""
An org profile: the schema and data of an org with one particular setup (the demo org, a
plain Sales Cloud org, or one running a marketing automation package), as `sandbox seed
--profile NAME` builds it.

A profile is the demo schema (`sandbox.schema`) with fields and objects added or removed,
the name of the user its automation writes as, its campaigns, and a `LeadWriter` that
records the same hidden behaviour (`intent.py`) the way that setup does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from sfsync.sandbox import schema
from sfsync.sandbox.profiles.rows import LeadWriter
from sfsync.sandbox.profiles.timeline import Campaign, campaigns
from sfsync.sandbox.schema import FieldDef, ObjectDef

# The demo org's own custom fields and object: a plain org has none of them.
DEMO_LEAD_FIELDS = frozenset({"budget__c", "purchase_timeframe__c", "pain_points__c"})
DEMO_OBJECTS = frozenset({"web_activity__c"})
_AUDIT = frozenset({"IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                    "LastModifiedById", "SystemModstamp"})  # fmt: skip


@dataclass(frozen=True)
class OrgProfile:
    """One org setup: its schema changes, automation user, campaigns and row writer."""

    name: str
    summary: str
    writer: type[LeadWriter]
    automation_user: tuple[str, str]
    """(first, last) name of the user the automation (or marketing) writes records as."""
    lead_fields: tuple[FieldDef, ...] = ()
    drop_lead_fields: frozenset[str] = frozenset()
    objects: tuple[ObjectDef, ...] = ()
    drop_objects: frozenset[str] = frozenset()
    campaign_types: tuple[str, ...] = ()
    """Campaign.Type values this org adds to the demo org's."""
    org_campaigns: Callable[[int], list[Campaign]] = field(default=campaigns)
    """The org's campaigns, dated relative to its 'now' (epoch seconds)."""

    def schema(self) -> dict[str, ObjectDef]:
        """The org's objects by lower-case name (the demo schema with this profile's changes)."""
        out: dict[str, ObjectDef] = {}
        for key, base in schema.OBJECTS.items():
            if key in self.drop_objects:
                continue
            if key == "lead":
                out[key] = _with_fields(base, self.lead_fields, self.drop_lead_fields)
            elif key == "campaign" and self.campaign_types:
                out[key] = _with_picklist(base, "Type", self.campaign_types)
            else:
                out[key] = base
        out.update({o.name.lower(): o for o in self.objects})
        return out


def custom_field(
    name: str,
    kind: str,
    label: str,
    *,
    length: int = 0,
    precision: int = 0,
    read_only: bool = False,
    picklist: tuple[str, ...] = (),
) -> FieldDef:
    """A custom (or managed package) Lead field; *read_only* as a package's synced fields."""
    return FieldDef(
        name,
        kind,
        label,
        length=length,
        precision=precision,
        custom=True,
        updateable=not read_only,
        createable=not read_only,
        nillable=True,
        picklist=picklist,
    )


def _with_fields(obj: ObjectDef, added: tuple[FieldDef, ...], dropped: frozenset[str]) -> ObjectDef:
    fields = [f for f in obj.fields if f.name.lower() not in dropped]
    first_audit = next(i for i, f in enumerate(fields) if f.name in _AUDIT)
    fields[first_audit:first_audit] = list(added)
    return ObjectDef(obj.name, obj.key_prefix, obj.label, tuple(fields), obj.custom)


def _with_picklist(obj: ObjectDef, name: str, values: tuple[str, ...]) -> ObjectDef:
    fields = tuple(
        replace(f, picklist=(*f.picklist, *values)) if f.name == name else f for f in obj.fields
    )
    return ObjectDef(obj.name, obj.key_prefix, obj.label, fields, obj.custom)


def objects_by_name(objects: Mapping[str, ObjectDef]) -> dict[str, ObjectDef]:
    """The same objects keyed by their API name (for writers that need exact names)."""
    return {o.name: o for o in objects.values()}
