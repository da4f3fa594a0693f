"""Compiling the definition: fields to read, activity objects, and every operator's predicate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from sfsync.definition.compile import compile_definition
from sfsync.definition.condition_model import Condition
from sfsync.definition.conditions import compile_record_test, compile_value_test
from sfsync.definition.model import Definition

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def compiled() -> Any:
    """The default definition, compiled."""
    return compile_definition(
        Definition.model_validate(yaml.safe_load((ROOT / "mappings/default.yaml").read_text()))
    )


def test_read_fields_of_the_default_definition() -> None:
    """The sync selects the Lead's inputs, system fields and outputs, and each activity's fields."""
    fields = compiled().read_fields()
    assert list(fields) == ["Lead", "Web_Activity__c", "CampaignMember", "Task", "Event"]
    lead = fields["Lead"]
    assert lead[0] == "Id"
    assert {
        "Industry",
        "Budget__c",
        "IsConverted",
        "SystemModstamp",
        "SFS_Status__c",
        "SFS_Sales_Ready_Since__c",
    } <= set(lead)
    assert fields["CampaignMember"] == (
        "Id",
        "LeadId",
        "FirstRespondedDate",
        "HasResponded",
        "Campaign.Type",
        "CreatedById",
        "CreatedDate",
        "SystemModstamp",
        "IsDeleted",
    )
    assert fields["Task"] == (
        "Id",
        "WhoId",
        "CreatedDate",
        "Subject",
        "Status",
        "Type",
        "TaskSubtype",
        "CreatedById",
        "SystemModstamp",
        "IsDeleted",
    )
    assert len(lead) == len(set(lead))


def test_lead_fields_objects_and_outputs() -> None:
    """Each activity object knows its lead field; outputs keep DESIGN's order."""
    c = compiled()
    assert c.activity_objects() == ("Web_Activity__c", "CampaignMember", "Task", "Event")
    assert tuple(c.lead_field(o) for o in c.activity_objects()) == (
        "Lead__c",
        "LeadId",
        "WhoId",
        "WhoId",
    )
    assert c.output_fields[0] == "SFS_Score__c"
    assert c.output_fields[-1] == "SFS_Definition_Version__c"
    with pytest.raises(KeyError):
        c.lead_field("Opportunity")


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ({"equals": "Approved"}, " approved ", True),
        ({"equals": 250}, "250.0", True),
        ({"equals": True}, "true", True),
        ({"not_equals": "A"}, "b", True),
        ({"not_equals": "A"}, None, False),
        ({"in": ["A", "B"]}, "b", True),
        ({"in": []}, "b", False),
        ({"not_in": ["A"]}, "c", True),
        ({"contains": "ops"}, "DevOps lead", True),
        ({"contains_any": ["x", "ops"]}, "DevOps", True),
        ({"matches": r"\bvp\b"}, "SVP, VP Sales", True),
        ({"matches": r"\bvp\b"}, 42, False),
        ({"starts_with": "head"}, " Head of IT", True),
        ({"gte": 10}, "10", True),
        ({"gte": 10}, "nine", False),
        ({"lte": 10}, 10.5, False),
        ({"between": [1, 2]}, 2, True),
        ({"known": True}, "  ", False),
        ({"known": False}, None, True),
        ({"email_domain_in": ["gmail.com"]}, "A@GMAIL.COM", True),
        ({"email_domain_in": ["gmail.com"]}, "a@notgmail.com", False),
        ({"within_days": 7}, "2026-11-15T10:00:00.000+0000", True),
        ({"within_days": 7}, "2026-11-01", False),
        ({"within_days": 7}, "2026-11-21", False),
        ({"all": [{"gte": 1}, {"lte": 3}]}, 2, True),
        ({"any": [{"gte": 5}, {"lte": 1}]}, 2, False),
        ({"not": {"equals": "x"}}, "y", True),
    ],
)
def test_value_operators(condition: dict[str, Any], value: Any, expected: bool) -> None:
    """Every operator reads values leniently and never raises."""
    assert expected is compile_value_test(Condition.model_validate(condition))(value, NOW)


def test_record_test_reads_nested_parent_fields() -> None:
    """An activity condition reads parent fields such as Campaign.Type."""
    test = compile_record_test(
        Condition.model_validate({"field": "Campaign.Type", "equals": "Webinar"})
    )
    assert test({"Campaign": {"Type": "webinar"}}, NOW) is True
    assert test({"Campaign": None}, NOW) is False
    assert test({}, NOW) is False
