"""
Field names in SOQL resolved against the org's schema: `Email`, `Owner.Name`, `Who.Owner...`.

A relationship whose reference can point at several objects (Task.Who: Contact or Lead;
Lead.Owner: Group or User) leads to Salesforce's `Name` object, which has only the fields those
records share by name (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_name.htm):
`Who.Name` works, `Who.Company` does not, as in a real org.
"""

from __future__ import annotations

from functools import cache

from sfsync.sandbox import schema
from sfsync.sandbox.sobject import PICKLIST, FieldDef, ObjectDef
from sfsync.sandbox.soql.errors import (
    INVALID_FIELD,
    MALFORMED_QUERY,
    NO_SUCH_COLUMN,
    NO_SUCH_RELATIONSHIP,
)
from sfsync.sandbox.soql.nodes import FieldPath, Relationship

# Salesforce allows five levels of parent relationships in one path.
MAX_RELATIONSHIP_DEPTH = 5
# The Name object's fields the sandbox's objects can answer (Type is the record's object).
NAME_FIELDS = ("Id", "Name", "FirstName", "LastName", "Alias", "Email", "IsActive", "Title",
               "Username", "ProfileId", "Type")  # fmt: skip
NAME_OBJECT = "Name"


class PathError(Exception):
    """Raised when a path does not resolve: the error code and Salesforce's reason."""

    def __init__(self, code: str, text: str) -> None:
        self.code = code
        self.text = text
        super().__init__(text)


def targets(reference: FieldDef) -> tuple[ObjectDef, ...]:
    """The objects a reference can point at, in this org's schema."""
    return tuple(o for o in (schema.get_object(n) for n in reference.reference_to) if o)


@cache
def _name_object(objects: tuple[ObjectDef, ...]) -> ObjectDef:
    fields: list[FieldDef] = []
    for name in NAME_FIELDS:
        if name == "Type":
            kinds = tuple(o.name for o in objects)
            fields.append(FieldDef("Type", PICKLIST, "Object Type", length=40, picklist=kinds,
                                   createable=False, updateable=False))  # fmt: skip
            continue
        found = next((f for o in objects if (f := o.get(name)) is not None), None)
        if found is not None:
            fields.append(found)
    return ObjectDef(NAME_OBJECT, "", "Name", tuple(fields), createable=False, updateable=False,
                     deletable=False)  # fmt: skip


def parent_of(reference: FieldDef) -> ObjectDef | None:
    """The object a relationship leads to: its one target, or the Name object."""
    found = targets(reference)
    if not found:
        return None
    if len(reference.reference_to) > 1:
        return _name_object(found)
    return found[0]


def resolve(obj: ObjectDef, dotted: str) -> FieldPath:
    """
    Resolve a (dotted) field name against *obj* and its parents.

    Raises:
        PathError: an unknown relationship or field, or too deep a path.
    """
    parts = dotted.split(".")
    if len(parts) - 1 > MAX_RELATIONSHIP_DEPTH:
        raise PathError(MALFORMED_QUERY, "Too many levels of parent relationships")
    hops: list[Relationship] = []
    for part in parts[:-1]:
        ref = next(
            (f for f in obj.fields
             if f.relationship_name and f.relationship_name.lower() == part.lower()),
            None,
        )  # fmt: skip
        target = parent_of(ref) if ref is not None else None
        if ref is None or ref.relationship_name is None or target is None:
            raise PathError(INVALID_FIELD, NO_SUCH_RELATIONSHIP.format(name=part))
        hops.append(Relationship(ref.relationship_name, ref, target))
        obj = target
    field = obj.get(parts[-1])
    if field is None:
        raise PathError(INVALID_FIELD, NO_SUCH_COLUMN.format(name=parts[-1], entity=obj.name))
    return FieldPath(tuple(hops), field)
