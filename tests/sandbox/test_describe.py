"""
Describe answers on their own, checked against Salesforce's shapes: a field entry
(tests/fixtures/salesforce/describe_lead_response_trimmed.json, a copy of
/work/shared/salesforce-payloads/describe_lead_response_trimmed.json), describeGlobal's object
list, plural labels and child relationships.
"""

from __future__ import annotations

from sfsync.sandbox import schema
from sfsync.sandbox.describe import (
    describe_field,
    describe_global,
    describe_sobject,
    label_plural,
    sobject_summary,
)
from sfsync.sandbox.schema import FieldDef, ObjectDef
from tests.sandbox.conftest import payload


def test_lead_fields_match_salesforces_describe_entries() -> None:
    """For every standard Lead field in the recorded describe (Id, a reference, a picklist, a
    datetime), each key Salesforce returns has the same value in the sandbox's entry."""
    recorded = payload("describe_lead_response_trimmed.json")
    compared = []
    for entry in recorded["fields"]:
        fdef = schema.LEAD.get(entry["name"])
        if fdef is None:  # custom fields invented for the fixture
            continue
        ours = describe_field(fdef)
        assert {k: ours.get(k, "<absent>") for k in entry} == entry, entry["name"]
        compared.append(entry["name"])
    assert compared == ["Id", "OwnerId", "Status", "SystemModstamp"]
    summary = sobject_summary(schema.LEAD, "59.0")
    assert {k: summary[k] for k in recorded if k != "fields"} == {
        k: v for k, v in recorded.items() if k != "fields"
    }


def test_picklist_values_and_the_default_of_a_required_picklist() -> None:
    """A picklist lists its values in order, active, with `validFor` null; only a required
    picklist's first value is the default (Lead.Status), an optional one has none."""
    status = describe_field(schema.LEAD.by_name["status"])
    assert [v["value"] for v in status["picklistValues"]] == list(schema.LEAD_STATUSES)
    assert [v["defaultValue"] for v in status["picklistValues"]] == [True, False, False, False]
    assert all(v["active"] and v["label"] == v["value"] for v in status["picklistValues"])
    industry = describe_field(schema.LEAD.by_name["industry"])
    assert industry["nillable"]
    assert not any(v["defaultValue"] for v in industry["picklistValues"])
    assert (industry["type"], industry["soapType"], industry["byteLength"]) == (
        "picklist", "xsd:string", 255 * 3)  # fmt: skip


def test_reference_fields_name_their_targets_and_relationship() -> None:
    """A lookup carries referenceTo and relationshipName (polymorphic Task.WhoId: Contact and
    Lead, `Who`; a custom lookup: `Lead__r`), type `reference`, soapType `tns:ID`."""
    who = describe_field(schema.TASK.by_name["whoid"])
    assert (who["type"], who["referenceTo"], who["relationshipName"]) == (
        "reference", ["Contact", "Lead"], "Who")  # fmt: skip
    assert (who["soapType"], who["length"], who["byteLength"]) == ("tns:ID", 18, 18)
    lead = describe_field(schema.WEB_ACTIVITY.by_name["lead__c"])
    assert (lead["referenceTo"], lead["relationshipName"], lead["custom"]) == (
        ["Lead"], "Lead__r", True)  # fmt: skip
    company = describe_field(schema.LEAD.by_name["company"])
    assert (company["referenceTo"], company["relationshipName"]) == ([], None)


def test_long_text_cannot_be_filtered_sorted_or_grouped() -> None:
    """A long text area (over 255 characters) is neither filterable, sortable, groupable nor
    aggregatable; its length is its own."""
    reasons = describe_field(schema.LEAD.by_name["sfs_reasons__c"])
    assert reasons["length"] == 32768
    assert not any(reasons[k] for k in ("filterable", "sortable", "groupable", "aggregatable"))


def test_plural_labels() -> None:
    """`Lead` -> `Leads`, `Web Activity` -> `Web Activities`, a label ending in s -> `-es`."""
    assert label_plural(schema.LEAD) == "Leads"
    assert label_plural(schema.WEB_ACTIVITY) == "Web Activities"
    assert label_plural(schema.CAMPAIGN_MEMBER) == "Campaign Members"
    assert label_plural(ObjectDef("Address__c", "a0A", "Address", (), custom=True)) == "Addresses"


def test_describe_global_lists_every_object_with_its_urls() -> None:
    """`/sobjects/`: UTF-8, maxBatchSize 200, one entry per object of the org with the same
    keys, the urls under the asked version."""
    answer = describe_global("62.0")
    assert (answer["encoding"], answer["maxBatchSize"]) == ("UTF-8", 200)
    entries = {o["name"]: o for o in answer["sobjects"]}
    assert set(entries) == {o.name for o in schema.OBJECTS.values()}
    assert len({frozenset(o) for o in answer["sobjects"]}) == 1
    lead = entries["Lead"]
    assert (lead["keyPrefix"], lead["labelPlural"], lead["mergeable"]) == ("00Q", "Leads", True)
    assert lead["urls"] == {
        "sobject": "/services/data/v62.0/sobjects/Lead",
        "describe": "/services/data/v62.0/sobjects/Lead/describe",
        "rowTemplate": "/services/data/v62.0/sobjects/Lead/{ID}",
    }
    assert entries["Web_Activity__c"]["custom"]


def test_child_relationships_of_lead() -> None:
    """Lead's children are the lookups to it with Salesforce's names (Tasks, Events,
    CampaignMembers, Web_Activities__r); activities and members cascade; audit fields
    (CreatedById) are never children."""
    children = {
        (c["childSObject"], c["field"]): (c["relationshipName"], c["cascadeDelete"])
        for c in describe_sobject(schema.LEAD, "62.0")["childRelationships"]
    }
    assert children == {
        ("Task", "WhoId"): ("Tasks", True),
        ("Event", "WhoId"): ("Events", True),
        ("CampaignMember", "LeadId"): ("CampaignMembers", True),
        ("Web_Activity__c", "Lead__c"): ("Web_Activities__r", False),
    }
    user_children = describe_sobject(schema.USER, "62.0")["childRelationships"]
    assert not {c["field"] for c in user_children} & {"CreatedById", "LastModifiedById"}
    assert {"OwnerId"} <= {c["field"] for c in user_children}


def test_overrides_hide_or_change_fields_in_describe_only() -> None:
    """describe_sobject's overrides (case-insensitive names) drop a field (None) or replace
    keys of its entry; the other fields are untouched."""
    plain = describe_sobject(schema.LEAD, "62.0")
    changed = describe_sobject(
        schema.LEAD, "62.0", {"sfs_score__c": None, "Company": {"updateable": False}}
    )
    names = [f["name"] for f in changed["fields"]]
    assert names == [f["name"] for f in plain["fields"] if f["name"] != "SFS_Score__c"]
    company = next(f for f in changed["fields"] if f["name"] == "Company")
    assert company == {**describe_field(schema.LEAD.by_name["company"]), "updateable": False}


def test_field_defaults_that_describe_reports() -> None:
    """A checkbox defaults to false and is defaulted on create; Id and audit fields are
    defaulted on create; an integer has digits, not precision."""
    checkbox = describe_field(FieldDef("Opt_In__c", schema.BOOLEAN, "Opt In", custom=True))
    assert (checkbox["defaultValue"], checkbox["defaultedOnCreate"], checkbox["soapType"]) == (
        False, True, "xsd:boolean")  # fmt: skip
    assert describe_field(schema.LEAD.by_name["createddate"])["defaultedOnCreate"]
    employees = describe_field(schema.LEAD.by_name["numberofemployees"])
    assert (employees["digits"], employees["precision"], employees["soapType"]) == (
        8, 0, "xsd:int")  # fmt: skip
