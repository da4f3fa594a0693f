"""
What the sandbox org checks in a metadata-API deploy before it changes anything: the zip's
shape (package.xml, folders, file names), and every component's XML (required elements,
types, lengths, picklist values, references to fields and objects), with Salesforce's
wording where we know it.

Pure: the zip's files and the org's current schema in, a plan of components out, each with
its problems. `sandbox/metadata.py` applies a plan that has none.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field

from sfsync.sandbox import schema
from sfsync.sandbox.schema import FieldDef, ObjectDef

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
NS = "{" + NAMESPACE + "}"
SUPPORTED_TYPES = (
    "CompactLayout",
    "CustomField",
    "CustomObject",
    "Dashboard",
    "FlexiPage",
    "ListView",
    "PermissionSet",
    "Report",
)
MAX_TRACKED_FIELDS = 20
MIN_API_VERSION, MAX_API_VERSION = 31, 64

DEVELOPER_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
_STANDARD_COLUMN = re.compile(r"^[A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)*$")
_BOOL = {"true": True, "false": False}
# Lead fields a real org has that the sandbox's schema leaves out (references to them are fine).
_LEAD_OTHER_FIELDS = frozenset(
    {"Address", "Street", "City", "State", "PostalCode", "Phone", "MobilePhone", "Fax",
     "Website", "Rating", "Description", "Salutation", "Latitude", "Longitude"}
)  # fmt: skip
_OTHER_STANDARD_FIELDS: dict[str, frozenset[str]] = {"Lead": _LEAD_OTHER_FIELDS}
_SYSTEM_FIELDS = frozenset(
    {"Id", "Name", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
     "LastModifiedById", "SystemModstamp"}
)  # fmt: skip
_FIELD_ELEMENTS = frozenset(
    {"fullName", "label", "type", "description", "inlineHelpText", "required", "unique",
     "externalId", "trackHistory", "trackTrending", "trackFeedHistory", "precision", "scale",
     "length", "visibleLines", "defaultValue", "valueSet", "caseSensitive",
     "securityClassification", "businessStatus", "complianceGroup"}
)  # fmt: skip
_OBJECT_ELEMENTS = frozenset(
    {"fullName", "enableHistory", "enableFeeds", "enableReports", "enableActivities",
     "description", "fields", "listViews", "compactLayouts", "compactLayoutAssignment",
     "actionOverrides"}
)  # fmt: skip
_LIST_VIEW_ELEMENTS = frozenset(
    {"fullName", "label", "columns", "filterScope", "filters", "booleanFilter", "queue",
     "sharedTo", "language"}
)  # fmt: skip
_PERMSET_ELEMENTS = frozenset(
    {"fullName", "label", "description", "hasActivationRequired", "license", "fieldPermissions",
     "objectPermissions", "userPermissions", "classAccesses", "tabSettings"}
)  # fmt: skip
_FILTER_SCOPES = frozenset(
    {"Everything", "Mine", "MineAndMyGroups", "Queue", "Delegated", "MyTerritory",
     "MyTeamTerritory", "Team"}
)  # fmt: skip
_FILTER_OPERATIONS = frozenset(
    {"equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual",
     "contains", "notContain", "startsWith", "includes", "excludes", "within"}
)  # fmt: skip
_USER_PERMISSIONS = frozenset(
    {"ApiEnabled", "ViewSetup", "ViewAllData", "ModifyAllData", "ModifyMetadata",
     "CustomizeApplication", "ManageUsers", "AuthorApex", "EditTask", "EditEvent",
     "RunReports", "ExportReport", "ViewRoles", "ApiUserOnly"}
)  # fmt: skip
# Metadata-API field types the sandbox can create, and the describe type each becomes.
FIELD_TYPES: dict[str, str] = {
    "Number": schema.DOUBLE,
    "Currency": schema.CURRENCY,
    "Text": schema.STRING,
    "TextArea": schema.TEXTAREA,
    "LongTextArea": schema.TEXTAREA,
    "Email": schema.EMAIL,
    "Url": schema.URL,
    "Picklist": schema.PICKLIST,
    "Checkbox": schema.BOOLEAN,
    "Date": schema.DATE,
    "DateTime": schema.DATETIME,
}
# Types Salesforce has that the sandbox org does not (a clear "not supported" beats a parse error).
_UNSUPPORTED_FIELD_TYPES = frozenset(
    {"Percent", "Phone", "MultiselectPicklist", "Html", "EncryptedText", "Lookup",
     "MasterDetail", "AutoNumber", "Formula", "Summary", "Location", "Time"}
)  # fmt: skip


@dataclass
class Component:
    """One component of the deploy, with what it would change and its problems."""

    type: str
    full_name: str
    file_name: str
    element: ET.Element | None = None
    problems: list[str] = field(default_factory=list)
    created: bool = False
    changed: bool = False
    field_def: FieldDef | None = None  # CustomField: what describe shows once it is deployed

    @property
    def object_name(self) -> str:
        """The object a field or list view belongs to (the first part of its full name)."""
        return self.full_name.split(".", 1)[0]

    @property
    def member_name(self) -> str:
        """The part after the object name (a field's or list view's own name)."""
        return self.full_name.split(".", 1)[-1]


@dataclass
class OrgMetadata:
    """What the org has now, as far as a deploy needs to know."""

    objects: Mapping[str, ObjectDef]
    deployed: Mapping[tuple[str, str], bytes]  # (type, full name) -> XML
    history_enabled: Mapping[str, bool]  # object -> field history tracking on
    fields_with_data: frozenset[str] = frozenset()  # "Obj.Field" holding non-null values


@dataclass
class Plan:
    """The validated deploy: package.xml's problems, and every component found."""

    api_version: str | None
    problems: list[Component] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    history: dict[str, bool] = field(default_factory=dict)  # object settings being deployed

    @property
    def failed(self) -> list[Component]:
        """Every component (package.xml included) with a problem."""
        return [c for c in (*self.problems, *self.components) if c.problems]


# --- small readers ----------------------------------------------------------------------------


def text_of(el: ET.Element, tag: str) -> str | None:
    found = el.find(NS + tag)
    return None if found is None else (found.text or "").strip()


def check_elements(el: ET.Element, allowed: frozenset[str], type_name: str, c: Component) -> None:
    for child in el:
        if child.tag.removeprefix(NS) not in allowed:
            c.problems.append(
                f"Error parsing file: Element {child.tag} invalid at this location in type "
                f"{type_name}"
            )


def read_bool(el: ET.Element, tag: str, c: Component, *, required: bool = False) -> bool | None:
    value = text_of(el, tag)
    if value is None:
        if required:
            c.problems.append(f"Must specify '{tag}'")
        return None
    if value not in _BOOL:
        c.problems.append(f"Error parsing file: '{value}' is not a valid value for {tag} (boolean)")
        return None
    return _BOOL[value]


def read_int(el: ET.Element, tag: str, c: Component, what: str, lo: int, hi: int) -> int | None:
    value = text_of(el, tag)
    if value is None:
        c.problems.append(f"Must specify '{tag}' for a CustomField of type {what}")
        return None
    try:
        number = int(value)
    except ValueError:
        c.problems.append(f"Error parsing file: '{value}' is not a valid value for {tag} (int)")
        return None
    if not lo <= number <= hi:
        c.problems.append(f"{tag} must be between {lo} and {hi} for a {what} field, not {number}")
        return None
    return number


def check_length(el: ET.Element, tag: str, limit: int, c: Component) -> None:
    value = text_of(el, tag)
    if value is not None and len(value) > limit:
        c.problems.append(f"{tag} is {len(value)} characters long; the limit is {limit}")


# --- the zip's shape -------------------------------------------------------------------------


def parse_xml(name: str, content: bytes, root_tag: str, c: Component) -> ET.Element | None:
    try:
        # expat resolves no external entities and caps entity expansion (billion laughs).
        root = ET.fromstring(content)  # noqa: S314
    except ET.ParseError as exc:
        line, column = exc.position
        c.problems.append(f"Error parsing file: {name} is not well-formed XML (line {line}, "
                          f"column {column})")  # fmt: skip
        return None
    if root.tag != NS + root_tag:
        c.problems.append(
            f"Error parsing file: expected the root element {{{NAMESPACE}}}{root_tag}, "
            f"found {root.tag}"
        )
        return None
    return root


# --- components ------------------------------------------------------------------------------


def check_components(plan: Plan, org: OrgMetadata) -> FieldIndex:
    """Check the objects, fields, list views and permission sets; the fields known after."""
    for c in plan.components:
        if c.type == "CustomObject":
            _check_object(c, org, plan)
    new_fields: dict[str, Component] = {}
    for c in plan.components:
        if c.type == "CustomField":
            _check_field(c, org)
            new_fields[c.full_name.lower()] = c
    tracked = {
        obj: sum(1 for k, v in org.deployed.items() if k[0] == "CustomField"
                 and k[1].startswith(obj + ".") and b"<trackHistory>true<" in v)
        for obj in {c.object_name for c in new_fields.values()}
    }  # fmt: skip
    for c in new_fields.values():
        if c.element is not None and text_of(c.element, "trackHistory") == "true":
            obj = c.object_name
            enabled = plan.history.get(obj, org.history_enabled.get(obj, False))
            if not enabled:
                c.problems.append(
                    f"Field history tracking is not enabled for {obj}: deploy {obj} with "
                    "<enableHistory>true</enableHistory> too, or leave trackHistory out"
                )
            old = org.deployed.get(("CustomField", c.full_name), b"")
            if b"<trackHistory>true<" not in old:
                tracked[obj] = tracked.get(obj, 0) + 1
                if tracked[obj] > MAX_TRACKED_FIELDS:
                    c.problems.append(
                        f"You can track history on at most {MAX_TRACKED_FIELDS} fields of {obj}"
                    )
    known = FieldIndex(org.objects, new_fields)
    for c in plan.components:
        if c.type not in ("CustomObject", "CustomField"):
            c.created = (c.type, c.full_name) not in org.deployed
            c.changed = not c.created
        if c.type == "ListView":
            _check_list_view(c, org, known)
        elif c.type == "PermissionSet":
            _check_permission_set(c, org, known)
    return known


def _check_object(c: Component, org: OrgMetadata, plan: Plan) -> None:
    assert c.element is not None
    if c.full_name.lower() not in org.objects:
        c.problems.append(
            f"The sandbox org cannot create the object {c.full_name}; it has "
            + ", ".join(o.name for o in org.objects.values())
        )
        return
    check_elements(c.element, _OBJECT_ELEMENTS, "CustomObject", c)
    enable = read_bool(c.element, "enableHistory", c)
    if enable is not None:
        plan.history[c.full_name] = enable
    c.changed = True


def _check_field(c: Component, org: OrgMetadata) -> None:
    el = c.element
    assert el is not None
    obj = org.objects.get(c.object_name.lower())
    name = c.member_name
    if obj is None:
        c.problems.append(f"Entity of type 'CustomObject' named '{c.object_name}' cannot be found")
        return
    if not name.endswith("__c"):
        c.problems.append(
            f"{c.full_name}: only custom fields (API names ending in __c) can be deployed"
        )
        return
    body = name.removesuffix("__c")
    if not DEVELOPER_NAME.match(body) or len(body) > 40:
        c.problems.append(
            f"{name}: a field name must begin with a letter, contain only letters, digits and "
            "single underscores, not end with an underscore, and have at most 40 characters"
        )
    check_elements(el, _FIELD_ELEMENTS, "CustomField", c)
    label = text_of(el, "label")
    if not label:
        c.problems.append("Must specify a label for a CustomField")
    elif len(label) > 40:
        c.problems.append(f"label is {len(label)} characters long; the limit is 40")
    check_length(el, "inlineHelpText", 510, c)
    check_length(el, "description", 1000, c)
    for tag in ("required", "unique", "externalId", "trackHistory"):
        read_bool(el, tag, c)
    ftype = text_of(el, "type")
    if ftype is None:
        c.problems.append("Must specify a type for a CustomField")
        return
    if ftype in _UNSUPPORTED_FIELD_TYPES:
        c.problems.append(f"The sandbox org cannot create {ftype} fields")
        return
    if ftype not in FIELD_TYPES:
        c.problems.append(f"Error parsing file: '{ftype}' is not a valid value for the enum "
                          "'FieldType'")  # fmt: skip
        return
    label = label or name
    new = _field_def(c, el, ftype, name, label)
    if new is None:
        return
    existing = obj.get(name)
    c.created = existing is None
    c.changed = not c.created
    if (
        existing is not None
        and existing.type != new.type
        and f"{obj.name}.{name}" in org.fields_with_data
    ):
        c.problems.append(
            f"Cannot change the type of {obj.name}.{name} from {existing.type} to "
            f"{new.type}: the field holds data that cannot be converted"
        )
    c.field_def = new


def _field_def(  # noqa: PLR0911 - one return per field type reads as the type table
    c: Component, el: ET.Element, ftype: str, name: str, label: str
) -> FieldDef | None:
    kind = FIELD_TYPES[ftype]
    if ftype in ("Number", "Currency"):
        precision = read_int(el, "precision", c, ftype, 1, 18)
        scale = read_int(el, "scale", c, ftype, 0, 17)
        if precision is None or scale is None:
            return None
        if scale > precision:
            c.problems.append(f"scale {scale} is larger than precision {precision}")
            return None
        return FieldDef(name, kind, label, precision=precision, scale=scale, custom=True)
    if ftype == "Text":
        length = read_int(el, "length", c, ftype, 1, 255)
        return None if length is None else FieldDef(name, kind, label, length=length, custom=True)
    if ftype == "LongTextArea":
        length = read_int(el, "length", c, ftype, 256, 131_072)
        lines = read_int(el, "visibleLines", c, ftype, 2, 50)
        if length is None or lines is None:
            return None
        return FieldDef(name, kind, label, length=length, custom=True)
    if ftype == "Picklist":
        values = _picklist_values(el, c)
        if values is None:
            return None
        return FieldDef(name, kind, label, length=255, custom=True, picklist=values)
    if ftype == "Checkbox":
        if read_bool(el, "defaultValue", c, required=True) is None:
            return None
        return FieldDef(name, kind, label, nillable=False, custom=True)
    lengths = {"TextArea": 255, "Email": 80, "Url": 255}
    return FieldDef(name, kind, label, length=lengths.get(ftype, 0), custom=True)


def field_definition(name: str, el: ET.Element) -> FieldDef | None:
    """What describe shows for a stored CustomField document (None: not a type we create)."""
    ftype = text_of(el, "type")
    if ftype not in FIELD_TYPES:
        return None
    return _field_def(
        Component("CustomField", name, ""), el, ftype, name, text_of(el, "label") or name
    )


def _picklist_values(el: ET.Element, c: Component) -> tuple[str, ...] | None:
    value_set = el.find(NS + "valueSet")
    definition = None if value_set is None else value_set.find(NS + "valueSetDefinition")
    if value_set is not None and value_set.find(NS + "valueSetName") is not None:
        c.problems.append("The sandbox org has no global value sets; list the values in "
                          "<valueSetDefinition>")  # fmt: skip
        return None
    if definition is None:
        c.problems.append("Must specify a valueSet with a valueSetDefinition for a Picklist")
        return None
    if value_set is not None:
        read_bool(value_set, "restricted", c)
    values: list[str] = []
    defaults = 0
    for value in definition.findall(NS + "value"):
        full = text_of(value, "fullName")
        if not full:
            c.problems.append("Every picklist <value> needs a fullName")
            continue
        if len(full) > 255:
            c.problems.append(f"Picklist value {full[:40]!r}...: longer than 255 characters")
        if full.casefold() in {v.casefold() for v in values}:
            c.problems.append(f"Duplicate picklist value: {full}")
        values.append(full)
        defaults += 1 if read_bool(value, "default", c) else 0
    if not values:
        c.problems.append("A Picklist needs at least one value")
        return None
    if defaults > 1:
        c.problems.append("Only one picklist value can be the default")
    return tuple(values)


class FieldIndex:
    """Fields that exist once the deploy is applied: the org's and the deploy's own."""

    def __init__(self, objects: Mapping[str, ObjectDef], new: Mapping[str, Component]) -> None:
        self.objects = objects
        self.new = {k: c for k, c in new.items() if not c.problems}

    def find(self, obj_name: str, field_name: str) -> tuple[FieldDef | None, bool]:
        """(the field's definition when known, whether it exists at all)."""
        obj_name = "Task" if obj_name == "Activity" else obj_name
        obj = self.objects.get(obj_name.lower())
        if obj is None:
            return None, False
        deployed = self.new.get(f"{obj.name}.{field_name}".lower())
        if deployed is not None:
            return deployed.field_def, True
        fdef = obj.get(field_name)
        if fdef is not None:
            return fdef, True
        return None, field_name in _OTHER_STANDARD_FIELDS.get(obj.name, frozenset())


def _check_list_view(c: Component, org: OrgMetadata, known: FieldIndex) -> None:
    el = c.element
    assert el is not None
    if c.object_name.lower() not in org.objects:
        c.problems.append(f"Entity of type 'CustomObject' named '{c.object_name}' cannot be found")
        return
    check_elements(el, _LIST_VIEW_ELEMENTS, "ListView", c)
    if not DEVELOPER_NAME.match(c.member_name) or len(c.member_name) > 40:
        c.problems.append(f"{c.member_name}: not a valid list view name")
    label = text_of(el, "label")
    if not label:
        c.problems.append("Must specify a label for a ListView")
    elif len(label) > 40:
        c.problems.append(f"label is {len(label)} characters long; the limit is 40")
    scope = text_of(el, "filterScope")
    if scope is None or scope not in _FILTER_SCOPES:
        c.problems.append(f"Error parsing file: '{scope}' is not a valid value for the enum "
                          "'FilterScope'")  # fmt: skip
    for column in el.findall(NS + "columns"):
        _list_view_field(c, (column.text or "").strip(), "column", known)
    for flt in el.findall(NS + "filters"):
        name = text_of(flt, "field") or ""
        fdef = _list_view_field(c, name, "filter", known)
        operation = text_of(flt, "operation")
        if operation not in _FILTER_OPERATIONS:
            c.problems.append(f"Error parsing file: '{operation}' is not a valid value for the "
                              "enum 'FilterOperation'")  # fmt: skip
        value = text_of(flt, "value") or ""
        if fdef is not None and fdef.type == schema.PICKLIST and operation == "equals":
            bad = [v for v in value.split(",") if v.strip() and v.strip() not in fdef.picklist]
            if bad:
                c.problems.append(f"Invalid filter value {bad[0]!r} for the picklist {name}")
        if (
            fdef is not None
            and fdef.type == schema.BOOLEAN
            and value not in ("0", "1", "true", "false")
        ):
            c.problems.append(f"Invalid filter value {value!r} for the checkbox {name}")


def _list_view_field(c: Component, name: str, what: str, known: FieldIndex) -> FieldDef | None:
    if not name:
        c.problems.append(f"A list view {what} names no field")
        return None
    if _STANDARD_COLUMN.match(name):  # FULL_NAME, LEAD.COMPANY: standard columns
        return None
    fdef, exists = known.find(c.object_name, name)
    if not exists:
        c.problems.append(f"Invalid {what} {name}: no such field on {c.object_name}")
    return fdef


def _check_permission_set(c: Component, org: OrgMetadata, known: FieldIndex) -> None:
    el = c.element
    if el is None:
        return
    check_elements(el, _PERMSET_ELEMENTS, "PermissionSet", c)
    if not DEVELOPER_NAME.match(c.full_name) or len(c.full_name) > 80:
        c.problems.append(f"{c.full_name}: not a valid permission set name")
    label = text_of(el, "label")
    if not label:
        c.problems.append("Must specify a label for a PermissionSet")
    read_bool(el, "hasActivationRequired", c)
    for perm in el.findall(NS + "fieldPermissions"):
        _field_permission(c, perm, known)
    for perm in el.findall(NS + "objectPermissions"):
        name = text_of(perm, "object") or ""
        if name.lower() not in org.objects:
            c.problems.append(f"In field: object - no CustomObject named {name} found")
            continue
        flags = {t: read_bool(perm, t, c, required=True) for t in (
            "allowCreate", "allowDelete", "allowEdit", "allowRead", "modifyAllRecords",
            "viewAllRecords")}  # fmt: skip
        if (flags["allowEdit"] or flags["allowCreate"] or flags["allowDelete"]) and not flags[
            "allowRead"
        ]:
            c.problems.append(f"Permission to edit {name} depends on permission to read it")
        if flags["modifyAllRecords"] and not flags["viewAllRecords"]:
            c.problems.append(f"Modify All on {name} depends on View All")
    for perm in el.findall(NS + "userPermissions"):
        name = text_of(perm, "name") or ""
        read_bool(perm, "enabled", c, required=True)
        if name not in _USER_PERMISSIONS:
            c.problems.append(f"Unknown user permission: {name}")


def _field_permission(c: Component, perm: ET.Element, known: FieldIndex) -> None:
    target = text_of(perm, "field") or ""
    obj_name, _, field_name = target.partition(".")
    readable = read_bool(perm, "readable", c, required=True)
    editable = read_bool(perm, "editable", c, required=True)
    fdef, exists = known.find(obj_name, field_name) if field_name else (None, False)
    if not exists:
        kind = "CustomField" if field_name.endswith("__c") else "field"
        c.problems.append(f"In field: field - no {kind} named {target} found")
        return
    if editable and not readable:
        c.problems.append(f"{target}: edit access needs read access")
    if fdef is None:
        return
    required = not fdef.nillable and not (fdef.custom and fdef.type == schema.BOOLEAN)
    if fdef.name in _SYSTEM_FIELDS or required or not (fdef.updateable or fdef.custom):
        c.problems.append(f"You cannot deploy to a required field: {target}")
