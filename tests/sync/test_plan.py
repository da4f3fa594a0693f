"""The read plan (pure): what each pass reads, and from where on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sfsync.sync.plan import (
    LEAD_DISPLAY_FIELDS,
    USER_FIELDS,
    NewestStamp,
    held_fields,
    missing_optional_inputs,
    plan_read,
    read_objects,
    stamp_key,
    window_start,
)
from tests.scoring.factories import default_definition

WATERMARK = "2026-11-20T10:00:00.000+0000"
FIVE_MINUTES = timedelta(minutes=5)


def test_read_objects_lists_users_and_leads_first_then_activity() -> None:
    """User and Lead come first (display fields included); activity carries its lead field."""
    objects = read_objects(default_definition())
    names = [name for name, _, _ in objects]
    assert ["User", "Lead"] == names[:2]
    assert {"CampaignMember", "Task", "Event", "Web_Activity__c"} == set(names[2:])
    assert ("User", USER_FIELDS, None) == objects[0]
    assert set(LEAD_DISPLAY_FIELDS) <= set(objects[1][1])
    assert "Lead__c" == {n: f for n, _, f in objects}["Web_Activity__c"]


@pytest.mark.parametrize(
    ("mode", "watermark", "mirrored", "full"),
    [
        ("incremental", None, None, True),  # first pass
        ("full", WATERMARK, frozenset({"id", "title"}), True),
        ("incremental", WATERMARK, frozenset({"id", "title"}), False),
        ("rescore", WATERMARK, frozenset({"id", "title"}), False),
        ("incremental", WATERMARK, frozenset({"id"}), True),  # Title is new to the mirror
    ],
)
def test_a_read_is_full_on_the_first_pass_in_full_mode_and_for_new_fields(
    mode: str, watermark: str | None, mirrored: frozenset[str] | None, full: bool
) -> None:
    """Incremental reads need a watermark and a mirror that holds every field for every record."""
    plan = plan_read(
        "Task",
        ("Id", "Title"),
        "WhoId",
        mode=mode,  # type: ignore[arg-type]
        watermark=watermark,
        mirrored=mirrored,
        overlap=FIVE_MINUTES,
    )
    assert full == plan.full
    assert (plan.where is None) == full


def test_an_incremental_read_starts_an_overlap_window_before_the_watermark() -> None:
    """Activity is read from the watermark minus the overlap, in whole SOQL seconds."""
    plan = plan_read(
        "Task",
        ("Id",),
        "WhoId",
        mode="incremental",
        watermark=WATERMARK,
        mirrored=frozenset({"id"}),
        overlap=FIVE_MINUTES,
    )
    assert "SystemModstamp > 2026-11-20T09:55:00Z" == plan.where
    assert plan.include_deleted


def test_the_lead_window_skips_our_own_echo_but_not_the_watermarks_second() -> None:
    """Inside the window only other users' lead changes are re-read; after the watermark, all."""
    plan = plan_read(
        "Lead",
        ("Id",),
        None,
        mode="incremental",
        watermark=WATERMARK,
        mirrored=frozenset({"id"}),
        overlap=FIVE_MINUTES,
        integration_user="005000000000INTAAA",
    )
    assert (
        "SystemModstamp > 2026-11-20T10:00:00Z OR (SystemModstamp > 2026-11-20T09:55:00Z"
        " AND LastModifiedById != '005000000000INTAAA')"
    ) == plan.where


def test_a_slice_of_leads_is_anded_into_the_lead_read_only() -> None:
    """The backfill's CreatedDate slice narrows the Lead read; other objects ignore it."""
    lead = plan_read(
        "Lead",
        ("Id",),
        None,
        mode="full",
        watermark=WATERMARK,
        mirrored=None,
        overlap=FIVE_MINUTES,
        lead_where="CreatedDate < 2026-01-01T00:00:00Z",
    )
    task = plan_read(
        "Task",
        ("Id",),
        "WhoId",
        mode="full",
        watermark=WATERMARK,
        mirrored=None,
        overlap=FIVE_MINUTES,
        lead_where="CreatedDate < 2026-01-01T00:00:00Z",
    )
    assert (True, "CreatedDate < 2026-01-01T00:00:00Z") == (lead.sliced, lead.where)
    assert (False, None) == (task.sliced, task.where)


def test_users_are_read_without_deleted_rows() -> None:
    """Users are deactivated, never deleted: read with query, not queryAll."""
    plan = plan_read(
        "User",
        USER_FIELDS,
        None,
        mode="full",
        watermark=None,
        mirrored=None,
        overlap=FIVE_MINUTES,
    )
    assert not plan.include_deleted


def test_window_start_is_the_watermark_minus_the_overlap() -> None:
    """The window opens `overlap` before the watermark."""
    assert datetime(2026, 11, 20, 9, 55, tzinfo=UTC) == window_start(WATERMARK, FIVE_MINUTES)


def test_held_fields_narrow_after_a_partial_read_and_reset_after_a_full_one() -> None:
    """A read of every record defines what the mirror holds; a partial read only narrows it."""
    before = frozenset({"id", "title", "industry"})
    assert frozenset({"id", "title"}) == held_fields(
        ["Id", "Title", "Email"], before, every_record=False
    )
    assert frozenset({"id", "email"}) == held_fields(["Id", "Email"], before, every_record=True)
    assert frozenset({"id"}) == held_fields(["Id"], None, every_record=False)


def test_missing_optional_inputs_are_the_optional_fields_the_describe_lacks() -> None:
    """Only optional inputs count; a field the describe lists is present."""
    describe = {"fields": [{"name": "Budget__c"}, {"name": "Title"}]}
    assert {"Purchase_Timeframe__c", "Pain_Points__c"} == missing_optional_inputs(
        default_definition(), describe
    )


def test_newest_stamp_keeps_the_latest_in_any_form() -> None:
    """`Z`, `+0000` and other offsets compare as instants; blanks are ignored."""
    newest = NewestStamp(WATERMARK)
    for stamp in ("2026-11-20T09:00:00.000Z", None, "", "2026-11-20T10:30:00.000+0100"):
        newest.add(stamp)
    assert WATERMARK == newest.value
    newest.add("2026-11-20T10:00:00.001Z")
    assert "2026-11-20T10:00:00.001Z" == newest.value
    assert stamp_key("2026-11-20T11:00:00.000+0100") == stamp_key(WATERMARK)
