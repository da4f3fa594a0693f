"""
Describe results for the demo org's schema, in the shape of Salesforce's
`/sobjects/` (describeGlobal) and `/sobjects/{type}/describe` (describeSObject).
"""

from __future__ import annotations

from typing import Any

from sfsync.sandbox import schema
from sfsync.sandbox.schema import FieldDef, ObjectDef
from sfsync.sandbox.sobject import is_groupable

_SOAP_TYPES = {
    schema.ID: "tns:ID",
    schema.REFERENCE: "tns:ID",
    schema.DOUBLE: "xsd:double",
    schema.CURRENCY: "xsd:double",
    schema.INT: "xsd:int",
    schema.BOOLEAN: "xsd:boolean",
    schema.DATETIME: "xsd:dateTime",
    schema.DATE: "xsd:date",
}
# Child relationship names as Salesforce spells them (standard ones are fixed plurals).
_CHILD_NAMES = {
    ("Task", "WhoId"): "Tasks",
    ("Event", "WhoId"): "Events",
    ("CampaignMember", "LeadId"): "CampaignMembers",
    ("CampaignMember", "CampaignId"): "CampaignMembers",
    ("Web_Activity__c", "Lead__c"): "Web_Activities__r",
    ("CampaignMember", "ContactId"): "CampaignMembers",
    ("PermissionSetAssignment", "AssigneeId"): "PermissionSetAssignments",
    ("PermissionSetAssignment", "PermissionSetId"): "Assignments",
    ("User", "ProfileId"): "Users",
}


def label_plural(obj: ObjectDef) -> str:
    """The object's plural label (`Web Activities`, `Leads`)."""
    if obj.label.endswith("y"):
        return obj.label[:-1] + "ies"
    if obj.label.endswith("s"):
        return obj.label + "es"
    return obj.label + "s"


def _urls(obj: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def _picklist(fdef: FieldDef) -> list[dict[str, Any]]:
    return [
        {
            "active": True,
            "defaultValue": i == 0 and not fdef.nillable,
            "label": value,
            "validFor": None,
            "value": value,
        }
        for i, value in enumerate(fdef.picklist)
    ]


def describe_field(fdef: FieldDef) -> dict[str, Any]:
    """One field entry with the keys Salesforce's describe returns."""
    textual = fdef.type in (
        schema.STRING,
        schema.TEXTAREA,
        schema.EMAIL,
        schema.PICKLIST,
        schema.URL,
        schema.ID,
        schema.REFERENCE,
    )
    long_text = fdef.type == schema.TEXTAREA and fdef.length > 255
    length = fdef.length if textual else 0
    is_int = fdef.type == schema.INT
    return {
        "aggregatable": not long_text,
        "autoNumber": False,
        "byteLength": length * 3 if fdef.type not in (schema.ID, schema.REFERENCE) else length,
        "calculated": False,
        "cascadeDelete": False,
        "caseSensitive": False,
        "controllerName": None,
        "createable": fdef.createable,
        "custom": fdef.custom,
        "defaultValue": False if fdef.type == schema.BOOLEAN else None,
        "defaultedOnCreate": fdef.type == schema.BOOLEAN
        or fdef.name
        in (
            "Id",
            "OwnerId",
            "CreatedDate",
            "CreatedById",
            "LastModifiedDate",
            "LastModifiedById",
            "SystemModstamp",
            "IsDeleted",
        ),
        "dependentPicklist": False,
        "digits": fdef.precision if is_int else 0,
        "externalId": False,
        "filterable": not long_text,
        "groupable": is_groupable(fdef),
        "htmlFormatted": False,
        "idLookup": fdef.type == schema.ID,
        "inlineHelpText": None,
        "label": fdef.label or fdef.name,
        "length": length,
        "name": fdef.name,
        "nameField": fdef.name == "Name",
        "namePointing": fdef.name == "OwnerId",
        "nillable": fdef.nillable,
        "permissionable": fdef.nillable and fdef.createable,
        "picklistValues": _picklist(fdef) if fdef.type == schema.PICKLIST else [],
        "precision": 0 if is_int else fdef.precision,
        "referenceTo": list(fdef.reference_to),
        "relationshipName": fdef.relationship_name,
        "relationshipOrder": None,
        "restrictedPicklist": False,
        "scale": fdef.scale,
        "soapType": _SOAP_TYPES.get(fdef.type, "xsd:string"),
        "sortable": not long_text,
        "type": fdef.type,
        "unique": False,
        "updateable": fdef.updateable,
        "writeRequiresMasterRead": False,
    }


def _child_relationships(obj: ObjectDef) -> list[dict[str, Any]]:
    children = []
    for child in schema.active_objects().values():
        for fdef in child.fields:
            if obj.name in fdef.reference_to and fdef.name not in (
                "CreatedById",
                "LastModifiedById",
            ):
                children.append(
                    {
                        "cascadeDelete": child.name in ("CampaignMember", "Task", "Event"),
                        "childSObject": child.name,
                        "deprecatedAndHidden": False,
                        "field": fdef.name,
                        "junctionIdListNames": [],
                        "junctionReferenceTo": [],
                        "relationshipName": _CHILD_NAMES.get((child.name, fdef.name)),
                        "restrictedDelete": False,
                    }
                )
    return children


def sobject_summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    """The per-object entry of describeGlobal (also `/sobjects/{type}/`'s objectDescribe)."""
    return {
        "activateable": False,
        "createable": obj.createable,
        "custom": obj.custom,
        "customSetting": False,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": label_plural(obj),
        "layoutable": True,
        "mergeable": obj.name == "Lead",
        "mruEnabled": True,
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": True,
        "updateable": obj.updateable,
        "urls": _urls(obj, version),
    }


def describe_global(version: str) -> dict[str, Any]:
    """The `/sobjects/` answer."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [sobject_summary(o, version) for o in schema.active_objects().values()],
    }


def describe_sobject(
    obj: ObjectDef, version: str, overrides: dict[str, dict[str, Any] | None] | None = None
) -> dict[str, Any]:
    """
    The `/sobjects/{type}/describe` answer.

    *overrides* (field name -> None to hide the field, or describe keys to replace) lets a
    test present an org whose schema differs from the demo org's (`POST /__sandbox/describe`).
    """
    fields = [describe_field(f) for f in obj.fields]
    if overrides:
        changes = {name.lower(): value for name, value in overrides.items()}
        fields = [
            {**f, **(changes.get(f["name"].lower()) or {})}
            for f in fields
            if f["name"].lower() not in changes or changes[f["name"].lower()] is not None
        ]
    out = sobject_summary(obj, version)
    out.update(
        {
            "actionOverrides": [],
            "childRelationships": _child_relationships(obj),
            "compactLayoutable": True,
            "fields": fields,
            "lookupLayoutable": True,
            "networkScopeFieldName": None,
            "recordTypeInfos": [],
            "searchLayoutable": True,
            "supportedScopes": [{"label": "All leads", "name": "everything"}],
        }
    )
    return out
