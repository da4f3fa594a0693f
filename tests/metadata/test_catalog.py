from __future__ import annotations

import pytest

from sfsync.checks import OUTPUT_TYPES
from sfsync.definition import load_compiled
from sfsync.fields import FieldType, field_type_for, output_fields
from sfsync.fields.blueprint import field_reads
from sfsync.fields.catalog import label_for
from tests.metadata.conftest import DEFAULT_DEFINITION


@pytest.mark.parametrize("key", list(OUTPUT_TYPES))
def test_every_output_type_hint_has_a_metadata_type(key: str) -> None:
    """Every hint in sfsync.checks.OUTPUT_TYPES turns into a Metadata API field type."""
    assert field_type_for(key).type in {
        "Number",
        "Text",
        "Picklist",
        "LongTextArea",
        "DateTime",
        "Checkbox",
    }


def test_number_hints_keep_precision_and_scale() -> None:
    """Number(8, 1) becomes precision 8, scale 1."""
    assert FieldType("Number", precision=8, scale=1) == field_type_for("first_touch_hours")


@pytest.mark.parametrize(
    ("api_name", "label"),
    [
        ("SFS_Score__c", "SFS Score"),
        ("SFS_Sales_Ready_Since__c", "SFS Sales Ready Since"),
        ("Lead_Grade", "Lead Grade"),
    ],
)
def test_label_comes_from_the_api_name(api_name: str, label: str) -> None:
    """Labels are the API name without __c and underscores."""
    assert label == label_for(api_name)


def test_help_text_uses_the_touch_plan() -> None:
    """The follow-up help text names the definition's touch target and cadence."""
    outputs = load_compiled(DEFAULT_DEFINITION).definition.outputs.model_dump()
    fields = {
        f.key: f for f in output_fields(outputs, touch_target=8, cadence_days=2.5, version="v1")
    }

    assert "fewer than 8 touches" in fields["needs_follow_up"].help_text
    assert "for 2.5 days" in fields["needs_follow_up"].help_text
    assert "(target: 8)" in fields["touches_remaining"].help_text
    assert not any("{" in f.help_text for f in fields.values())


def test_long_version_stamp_grows_the_version_field() -> None:
    """A version stamp longer than Text(40) gets a field long enough to hold it."""
    outputs = load_compiled(DEFAULT_DEFINITION).definition.outputs.model_dump()
    fields = {
        f.key: f for f in output_fields(outputs, touch_target=6, cadence_days=3, version="v" * 60)
    }

    assert fields["definition_version"].field_type.length == 60


def test_parent_fields_are_read_on_the_parent_object() -> None:
    """A parent path reads the parent's field; polymorphic paths grant nothing."""
    reads, objects = field_reads(
        ["Title"], {"CampaignMember": ["LeadId", "Campaign.Type"], "Task": ["Who.Name"]}
    )

    assert {"Lead", "CampaignMember", "Campaign", "Task"} == objects
    assert {"Type"} == reads["Campaign"]
    assert {"Title"} == reads["Lead"]
    assert "Who" not in reads
