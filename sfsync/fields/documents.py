"""
The metadata documents, rendered to bytes: custom fields, the Lead object settings, the
integration permission set, the reps' list views, package.xml and sfdx-project.json.

Salesforce's Metadata API reads these as XML in the `http://soap.sforce.com/2006/04/metadata`
namespace and expects each type's elements in its WSDL order: `fullName` first, then the
rest alphabetically (the order `sf project retrieve` writes). Rendering is deterministic:
the same blueprint gives byte-identical files.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Union

from sfsync.fields.blueprint import LEAD, Blueprint
from sfsync.fields.catalog import OutputField

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
PERMISSION_SET = "SFSync_Integration"
REP_PERMISSION_SET = "SFSync_Lead_Score_Read"
FOLLOW_UP_LISTS = (
    "the Lead list views \u201cSFS Needs Follow-Up\u201d and \u201cSFS My Sales Ready "
    "Leads\u201d (managers: \u201cSFS All Sales Ready Leads\u201d), and the report "
    "\u201cSFSync Follow-Up by Owner\u201d (created by `sfsync fields`)"
)
"""Where reps and managers find every Sales Ready lead in Salesforce (the report points there)."""
PROJECT_NAME = "sfsync-metadata"

Value = Union[str, int, bool, "Pairs"]
Pairs = Sequence[tuple[str, Value]]


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ET.Element, pairs: Pairs) -> None:
    # Stable sort: repeated elements (fieldPermissions, values, columns) keep their order.
    for tag, value in sorted(pairs, key=lambda p: (p[0] != "fullName", p[0])):
        child = ET.SubElement(parent, tag)
        if isinstance(value, str | int | bool):
            child.text = _text(value)
        else:
            _fill(child, value)


def render_xml(root_tag: str, pairs: Pairs) -> bytes:
    """A metadata document: UTF-8 declaration, the metadata namespace, 4-space indents."""
    root = ET.Element(root_tag, xmlns=NAMESPACE)
    _fill(root, pairs)
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode()


def custom_field_xml(field: OutputField) -> bytes:
    """One CustomField in DX source format (objects/Lead/fields/<name>.field-meta.xml)."""
    ftype = field.field_type
    pairs: list[tuple[str, Value]] = [
        ("fullName", field.api_name),
        ("label", field.label),
        ("description", field.description),
        ("inlineHelpText", field.help_text),
        ("type", ftype.type),
        ("externalId", False),
    ]
    if ftype.type != "Checkbox":
        pairs.append(("required", False))
    if field.track_history:
        pairs.append(("trackHistory", True))
    if ftype.type == "Number":
        pairs += [("precision", ftype.precision or 0), ("scale", ftype.scale or 0)]
    elif ftype.type == "Text":
        pairs += [("length", ftype.length or 0), ("unique", False)]
    elif ftype.type == "LongTextArea":
        pairs += [("length", ftype.length or 0), ("visibleLines", ftype.visible_lines or 0)]
    elif ftype.type == "Checkbox":
        pairs.append(("defaultValue", False))
    elif ftype.type == "Picklist":
        values: list[tuple[str, Value]] = [("sorted", False)]
        values += [
            ("value", [("fullName", v), ("default", False), ("label", v)]) for v in ftype.values
        ]
        pairs.append(("valueSet", [("restricted", True), ("valueSetDefinition", values)]))
    return render_xml("CustomField", pairs)


def lead_object_xml(
    *, track_history: bool, compact_layout: str | None = None, record_page: str | None = None
) -> bytes:
    """
    Lead's object settings: field history tracking on (the fields' trackHistory needs it),
    and only when the admin asked for it by name, the compact layout assigned as the Lead
    default (`compactLayoutAssignment`) and the record page made the org default for desktop
    (`actionOverrides`: View, type Flexipage, formFactor Large).

    For a standard object only the settings named here are deployed; the rest stay as they are.
    Metadata API: CustomObject (compactLayoutAssignment, enableHistory) and ActionOverride,
    https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customobject.htm
    """
    pairs: list[tuple[str, Value]] = []
    if track_history:
        pairs.append(("enableHistory", True))
    if compact_layout:
        pairs.append(("compactLayoutAssignment", compact_layout))
    if record_page:
        pairs.append(
            (
                "actionOverrides",
                [
                    ("actionName", "View"),
                    ("content", record_page),
                    ("formFactor", "Large"),
                    ("skipRecordTypeSelect", False),
                    ("type", "Flexipage"),
                ],
            )
        )
    return render_xml("CustomObject", pairs)


def permission_set_xml(blueprint: Blueprint) -> bytes:
    """
    The integration user's permission set: read what the definition reads, edit the outputs,
    API Enabled; no View All, no Modify All (which leads it sees still follows sharing).
    """
    pairs: list[tuple[str, Value]] = [
        ("label", "SFSync Integration"),
        (
            "description",
            "For the sfsync integration user only: reads the Lead fields and activity the agreed "
            f"lead definition ({blueprint.version}) uses and writes the sfsync output fields. "
            "No View All or Modify All: the leads it sees follow your sharing settings.",
        ),
        ("hasActivationRequired", False),
    ]
    for access in blueprint.field_access:
        pairs.append(
            (
                "fieldPermissions",
                [("editable", access.editable), ("field", access.field), ("readable", True)],
            )
        )
    for obj in blueprint.readable_objects:
        pairs.append(
            (
                "objectPermissions",
                [
                    ("allowCreate", False),
                    ("allowDelete", False),
                    ("allowEdit", obj == LEAD),
                    ("allowRead", True),
                    ("modifyAllRecords", False),
                    ("object", obj),
                    ("viewAllRecords", False),
                ],
            )
        )
    pairs.append(("userPermissions", [("enabled", True), ("name", "ApiEnabled")]))
    return render_xml("PermissionSet", pairs)


def rep_permission_set_xml(blueprint: Blueprint) -> bytes:
    """
    Reps' and managers' permission set: read (never edit) every sfsync output field, and read
    Lead. Without field-level read a rep sees none of the fields, whatever the page shows.
    """
    pairs: list[tuple[str, Value]] = [
        ("label", "SFSync Lead Scores (read)"),
        (
            "description",
            "For sales reps and managers: read-only access to the sfsync lead score fields "
            f"(definition {blueprint.version}) on the Lead, so record pages, list views, reports "
            "and dashboards can show them. Grants no edit, create or delete; which leads a user "
            "sees still follows your sharing settings.",
        ),
        ("hasActivationRequired", False),
    ]
    for field in blueprint.outputs:
        pairs.append(
            (
                "fieldPermissions",
                [("editable", False), ("field", f"{LEAD}.{field.api_name}"), ("readable", True)],
            )
        )
    pairs.append(
        (
            "objectPermissions",
            [
                ("allowCreate", False),
                ("allowDelete", False),
                ("allowEdit", False),
                ("allowRead", True),
                ("modifyAllRecords", False),
                ("object", LEAD),
                ("viewAllRecords", False),
            ],
        )
    )
    return render_xml("PermissionSet", pairs)


def package_xml(members: Mapping[str, Sequence[str]], api_version: str) -> bytes:
    """A package.xml manifest: every type with its members, both sorted."""
    pairs: list[tuple[str, Value]] = []
    for type_name in sorted(members):
        inner: list[tuple[str, Value]] = [("members", m) for m in sorted(members[type_name])]
        inner.append(("name", type_name))
        pairs.append(("types", inner))
    pairs.append(("version", api_version))
    return render_xml("Package", pairs)


def sfdx_project_json(api_version: str) -> bytes:
    """The sfdx-project.json that makes the directory a project `sf project deploy` accepts."""
    project = {
        "packageDirectories": [{"path": "force-app", "default": True}],
        "name": PROJECT_NAME,
        "namespace": "",
        "sfdcLoginUrl": "https://login.salesforce.com",
        "sourceApiVersion": api_version,
    }
    return (json.dumps(project, indent=2) + "\n").encode()
