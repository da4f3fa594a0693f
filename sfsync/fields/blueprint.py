"""
What the Salesforce metadata must contain for one definition: the output fields, and the
least access the integration user needs (read what the definition reads, edit the outputs).

Pure: built from a compiled definition, no files, no network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sfsync.definition import CompiledDefinition
from sfsync.fields.catalog import OutputField, output_fields

LEAD = "Lead"

# Field permissions that Salesforce rejects in a permission set ("You cannot deploy to a
# required field", unknown field permission): system and audit fields, required fields and
# relationship ids that every user who can read the record already sees. Granting them would
# fail the whole deploy, and leaving them out costs nothing.
_ALWAYS_VISIBLE = frozenset(
    {
        "Id",
        "Name",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
        "OwnerId",
        "RecordTypeId",
    }
)
_NOT_PERMISSIONABLE: dict[str, frozenset[str]] = {
    "Lead": frozenset(
        {
            "FirstName",
            "LastName",
            "Salutation",
            "Company",
            "Status",
            "IsConverted",
            "ConvertedDate",
            "ConvertedAccountId",
            "ConvertedContactId",
            "ConvertedOpportunityId",
            "IsUnreadByOwner",
        }
    ),
    "Task": frozenset(
        {
            "WhoId",
            "WhatId",
            "Subject",
            "Status",
            "Priority",
            "IsClosed",
            "TaskSubtype",
            "ActivityDate",
        }
    ),
    "Event": frozenset(
        {
            "WhoId",
            "WhatId",
            "Subject",
            "StartDateTime",
            "EndDateTime",
            "ActivityDateTime",
            "ActivityDate",
            "DurationInMinutes",
            "EventSubtype",
        }
    ),
    "CampaignMember": frozenset(
        {"LeadId", "ContactId", "CampaignId", "Status", "HasResponded", "FirstRespondedDate"}
    ),
}
# Address components share one field permission: the compound field.
_COMPOUND: dict[str, dict[str, str]] = {
    "Lead": dict.fromkeys(
        (
            "Street",
            "City",
            "State",
            "StateCode",
            "PostalCode",
            "Country",
            "CountryCode",
            "Latitude",
            "Longitude",
            "GeocodeAccuracy",
        ),
        "Address",
    ),
}
# Objects without object permissions of their own: activities follow the record they are
# logged on, campaign members follow Campaign and Lead read access. Salesforce rejects
# objectPermissions for them.
_NO_OBJECT_PERMISSIONS = frozenset({"Task", "Event", "CampaignMember"})
# Custom fields on Task and Event are defined once on Activity, and permissioned there.
_ACTIVITY = frozenset({"Task", "Event"})
# Polymorphic or user lookups: a relationship path through them names no object to grant.
_NOT_AN_OBJECT = frozenset({"Who", "What", "Owner", "CreatedBy", "LastModifiedBy"})


@dataclass(frozen=True)
class FieldAccess:
    """One field permission: `Object.Field`, read-only or editable."""

    field: str
    editable: bool


@dataclass(frozen=True)
class Blueprint:
    """Everything the generated metadata says, derived from one definition."""

    version: str
    outputs: tuple[OutputField, ...]
    field_access: tuple[FieldAccess, ...]  # sorted by field
    readable_objects: tuple[str, ...]  # sorted; Lead is also editable
    track_history: bool

    def output(self, key: str) -> OutputField:
        """The output field for *key* (e.g. "status")."""
        for field in self.outputs:
            if field.key == key:
                return field
        raise KeyError(key)


def _relationship_object(name: str) -> str | None:
    if name in _NOT_AN_OBJECT:
        return None
    if name.endswith("__r"):
        return name.removesuffix("__r") + "__c"
    return name


def _permission_name(obj: str, field: str) -> str | None:
    """The `Object.Field` a permission set grants for reading *field*, or None if none is needed."""
    if field in _ALWAYS_VISIBLE or field in _NOT_PERMISSIONABLE.get(obj, frozenset()):
        return None
    field = _COMPOUND.get(obj, {}).get(field, field)
    if obj in _ACTIVITY and field.endswith("__c"):
        obj = "Activity"
    return f"{obj}.{field}"


def field_reads(
    inputs: Iterable[str], read_fields: Mapping[str, Iterable[str]]
) -> tuple[dict[str, set[str]], set[str]]:
    """
    Which fields of which objects the definition reads, with parent paths resolved.

    `Campaign.Type` read from CampaignMember becomes a read of Campaign.Type (and of the
    Campaign object). Returns (fields by object, objects read).
    """
    reads: dict[str, set[str]] = {LEAD: set(inputs)}
    objects = {LEAD}
    for obj, names in read_fields.items():
        objects.add(obj)
        for name in names:
            if "." in name:
                head, _, rest = name.partition(".")
                parent = _relationship_object(head)
                if parent is None or "." in rest:
                    continue
                objects.add(parent)
                reads.setdefault(parent, set()).add(rest)
            else:
                reads.setdefault(obj, set()).add(name)
    return reads, objects


def build_blueprint(definition: CompiledDefinition, *, track_history: bool = True) -> Blueprint:
    """Derive the metadata for *definition*: its output fields and the integration user's access."""
    defn = definition.definition
    outputs = output_fields(
        defn.outputs.model_dump(),
        touch_target=defn.touches.target,
        cadence_days=float(defn.touches.cadence_days),
        version=definition.version,
        track_history=track_history,
    )
    reads, objects = field_reads(
        (spec.field for spec in defn.inputs.values()), definition.read_fields()
    )
    editable = {f"{LEAD}.{field.api_name}" for field in outputs}
    status = defn.status.standard_status
    if status.enabled and (name := _permission_name(LEAD, status.field)):
        editable.add(name)
    readable = {
        name
        for obj, names in reads.items()
        for field in names
        if (name := _permission_name(obj, field)) is not None
    } - editable
    access = [FieldAccess(name, editable=True) for name in editable]
    access += [FieldAccess(name, editable=False) for name in readable]
    return Blueprint(
        version=definition.version,
        outputs=tuple(outputs),
        field_access=tuple(sorted(access, key=lambda a: a.field)),
        readable_objects=tuple(sorted(objects - _NO_OBJECT_PERMISSIONS)),
        track_history=track_history,
    )
