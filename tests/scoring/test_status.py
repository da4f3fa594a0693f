"""Status rules, the Sales Ready state machine and the articles' cases."""

from __future__ import annotations

from typing import Any

import pytest

from sfsync.scoring import qualify
from sfsync.values.datetimes import format_sf_datetime as format_datetime
from tests.scoring.factories import (
    INTEGRATION,
    MARKETING,
    NOW,
    USERS,
    activities,
    days_ago,
    default_definition,
    make_event,
    make_lead,
    make_member,
    make_task,
    make_web,
)


def run(lead: dict[str, Any], *records: dict[str, Any], now: Any = NOW) -> Any:
    """Qualify *lead* with *records* under the default definition."""
    return qualify(
        lead,
        activities(*records),
        default_definition(),
        now=now,
        users=USERS,
        integration_user_id=INTEGRATION,
    )


def test_hand_raiser_with_poor_fit_is_not_sales_ready() -> None:
    """A fresh form fill from a lead that doesn't fit stays Nurture, and says why."""
    q = run(
        make_lead(Industry="Retail", NumberOfEmployees=5, Title="Pilot"), make_member(days_ago(1))
    )
    assert q.status == "Nurture"
    assert q.reasons[0].startswith("Nurture: fit 5 < 50")


def test_hand_raiser_with_good_fit_is_sales_ready_since_the_hand_raise() -> None:
    """A fitting lead's form fill makes it Sales Ready since the form fill."""
    q = run(make_lead(), make_member(days_ago(2)))
    assert q.status == "Sales Ready"
    assert days_ago(2).date() == q.sales_ready_since.date()
    assert (
        f"Sales Ready: fit 75 >= 50 and hand-raise {days_ago(2).date().isoformat()}" == q.reasons[0]
    )


def test_well_fitting_lead_with_only_year_old_activity_is_nurture() -> None:
    """A year-old form fill has decayed away and is out of the hand-raise window."""
    q = run(make_lead(), make_member(days_ago(365)), make_web(days_ago(365), url="/pricing"))
    assert q.status == "Nurture"
    assert q.engagement == 0


def test_student_is_disqualified_even_when_engaged() -> None:
    """Disqualifiers win over any engagement."""
    q = run(make_lead(Title="Student"), make_member(days_ago(1)))
    assert q.status == "Disqualified"


def test_unknown_data_lead_is_insufficient_data() -> None:
    """A lead with only a title known is Insufficient Data, naming the missing groups."""
    q = run(
        make_lead(Industry=None, NumberOfEmployees=None, AnnualRevenue=" "),
        make_member(days_ago(1)),
    )
    assert q.status == "Insufficient Data"
    assert "industry unknown, company size or revenue unknown" in q.reasons[0]


def test_engagement_alone_makes_sales_ready_at_the_crossing_signal() -> None:
    """Sales Ready since is the signal at which decayed engagement first reached 40."""
    records = [
        make_web(days_ago(3), url="/pricing"),
        make_web(days_ago(2), url="/compare"),
        make_web(days_ago(1), url="/pricing/x"),
    ]
    q = run(make_lead(), *records)
    assert q.status == "Sales Ready"
    assert days_ago(1) == q.sales_ready_since


def test_hand_raise_window_expires_into_nurture() -> None:
    """A lead whose only hand-raise is 31+ days old is Nurture: no Sales Ready since now."""
    q = run(make_lead(), make_member(days_ago(40)))
    assert q.status == "Nurture"
    assert q.sales_ready_since is None
    assert days_ago(40).date() == q.episode_start.date()  # kept for the report, not written


def test_previous_sales_ready_since_is_kept_while_ready() -> None:
    """A lead already Sales Ready keeps the since value it carries."""
    previous = days_ago(5)
    lead = make_lead(
        SFS_Status__c="Sales Ready", SFS_Sales_Ready_Since__c=format_datetime(previous)
    )
    q = run(lead, make_member(days_ago(2)))
    assert previous == q.sales_ready_since


def worked_lead_records(ready_days_ago: float, touches: int) -> list[dict[str, Any]]:
    """A form fill *ready_days_ago*, then *touches* calls one day apart."""
    records = [make_member(days_ago(ready_days_ago))]
    records += [
        make_task(days_ago(ready_days_ago - 1 - i), Id=f"00Tcall{i}") for i in range(touches)
    ]
    return records


def test_worked_lead_is_recycled() -> None:
    """Sales Ready 35 days, 6 human touches, not converted: Recycled."""
    q = run(make_lead(), *worked_lead_records(35, 6))
    assert q.status == "Recycled"
    assert (q.touches, q.touches_remaining, q.sales_ready_since) == (6, 0, None)
    assert q.reasons[0].startswith(f"Recycled: Sales Ready from {days_ago(35).date()}")
    assert f"Touches: 6 of 6 in the Sales Ready episode from {days_ago(35).date()} (recycled)" in (
        q.reasons
    )


@pytest.mark.parametrize(
    ("ready_days_ago", "touches", "lead_fields", "status"),
    [
        (35, 5, {}, "Nurture"),
        (20, 6, {}, "Sales Ready"),
        (35, 6, {"IsConverted": True}, "Nurture"),
    ],
)
def test_not_recycled_when_a_condition_is_missing(
    ready_days_ago: float, touches: int, lead_fields: dict[str, Any], status: str
) -> None:
    """Too few touches, too little time, or a converted lead is not Recycled."""
    q = run(make_lead(**lead_fields), *worked_lead_records(ready_days_ago, touches))
    assert status == q.status


def test_new_form_fill_brings_a_recycled_lead_back() -> None:
    """A new form fill after the touch target was reached makes the lead Sales Ready again."""
    records = [*worked_lead_records(35, 6), make_member(days_ago(1), "Webinar", Id="00vnew")]
    q = run(make_lead(), *records)
    assert q.status == "Sales Ready"
    assert days_ago(1).date() == q.sales_ready_since.date()
    assert q.touches == 0


def test_marketing_and_integration_touches_never_count() -> None:
    """Activity created by Marketing Automation or the integration user is not a sales touch."""
    records = [make_member(days_ago(35))]
    records += [make_task(days_ago(30 - i), Id=f"00Tm{i}", CreatedById=MARKETING) for i in range(3)]
    records += [
        make_task(days_ago(20 - i), Id=f"00Ti{i}", CreatedById=INTEGRATION) for i in range(3)
    ]
    records += [
        make_event(
            days_ago(10),
            Id="00Unested",
            CreatedById="005x",
            CreatedBy={"Name": "marketing automation"},
        )
    ]
    q = run(make_lead(), *records)
    assert q.status == "Nurture"
    assert q.touches is None  # Nurture: no counters, and no touch line either
    assert not any(line.startswith("Touches") for line in q.reasons)
    assert len([t for t in q.explanation.touches if not t.counted]) == 7


def test_deleted_touches_do_not_count() -> None:
    """A deleted call is not a touch."""
    q = run(make_lead(), make_member(days_ago(3)), make_task(days_ago(1), IsDeleted=True))
    assert q.touches == 0


@pytest.mark.parametrize(
    ("task_fields", "counted"),
    [
        ({}, True),
        ({"Status": "Not Started"}, False),
        ({"Type": "Other", "TaskSubtype": "Task"}, False),
        ({"Type": "Other", "TaskSubtype": "Email"}, True),
        ({"Type": "Email", "Subject": "Email Opened: hello"}, False),
    ],
)
def test_touch_sources(task_fields: dict[str, Any], counted: bool) -> None:
    """Only completed calls, emails and meetings are touches, never email-engagement tasks."""
    q = run(make_lead(), make_member(days_ago(3)), make_task(days_ago(1), **task_fields))
    assert counted == (q.touches == 1)


def test_touch_counters_and_follow_up() -> None:
    """Touch counters count since Sales Ready; follow-up is due after 3 quiet days."""
    ready = days_ago(10)
    q = run(
        make_lead(),
        make_member(ready),
        make_task(days_ago(12), Id="00Tbefore"),
        make_task(days_ago(9)),
        make_event(days_ago(5)),
    )
    assert q.touches == 2
    assert q.touches_remaining == 4
    assert days_ago(5) == q.last_touch
    assert (
        pytest.approx(36.0) == q.first_touch_hours
    )  # form fill dated midnight, call a day later at noon
    assert q.needs_follow_up is True
    fresh = run(make_lead(), make_member(ready), make_event(days_ago(1)))
    assert fresh.needs_follow_up is False


def test_no_touch_counters_outside_an_episode() -> None:
    """A lead never Sales Ready has blank counters; its touches are said in the reasons."""
    q = run(make_lead(Industry="Retail", NumberOfEmployees=1), make_task(days_ago(4)))
    assert q.status == "Nurture"
    blank = (q.touches, q.touches_remaining, q.last_touch, q.first_touch_hours)
    assert blank == (None, None, None, None)
    assert (q.sales_ready_since, q.needs_follow_up) == (None, False)
    fields = q.to_fields()
    assert fields["SFS_Touches__c"] is fields["SFS_Last_Touch__c"] is None
    assert f"Touches logged: 1, last {days_ago(4).date()} (counted only while Sales Ready)" in (
        q.reasons
    )


def test_touches_before_the_episode_are_not_its_touches() -> None:
    """A call before the lead became Sales Ready is neither counted nor its last touch."""
    q = run(make_lead(), make_task(days_ago(20)), make_member(days_ago(5)))
    assert q.status == "Sales Ready"
    assert (q.touches, q.touches_remaining, q.last_touch, q.first_touch_hours) == (
        0, 6, None, None,
    )  # fmt: skip
    assert q.needs_follow_up is True
    line = f"Touches: 0 of 6 since Sales Ready {days_ago(5).date()}"
    assert f"{line} (1 before it, last {days_ago(20).date()})" in q.reasons


@pytest.mark.parametrize(
    ("lead_fields", "records", "status"),
    [
        ({"Title": "Student"}, [make_member(days_ago(2)), make_task(days_ago(1))], "Disqualified"),
        ({"Industry": None, "NumberOfEmployees": None, "AnnualRevenue": None},
         [make_member(days_ago(2)), make_task(days_ago(1))], "Insufficient Data"),
        ({}, [make_member(days_ago(60)), make_task(days_ago(50))], "Nurture"),
    ],
)  # fmt: skip
def test_statuses_without_an_episode_carry_no_follow_up_fields(
    lead_fields: dict[str, Any], records: list[dict[str, Any]], status: str
) -> None:
    """Disqualified, Insufficient Data and a lapsed Nurture lead: every follow-up field blank."""
    q = run(make_lead(**lead_fields), *records)
    assert q.status == status
    fields = q.to_fields()
    follow_up = ("SFS_Sales_Ready_Since__c", "SFS_Touches__c", "SFS_Touches_Remaining__c",
                 "SFS_Last_Touch__c", "SFS_First_Touch_Hours__c")  # fmt: skip
    assert [fields[name] for name in follow_up] == [None] * 5
    assert fields["SFS_Needs_Follow_Up__c"] is False


def test_lead_without_id_raises_record_error() -> None:
    """A lead without a usable Id is the only input that raises."""
    from sfsync.errors import RecordError

    for lead_id in (None, "", "   ", 42):
        with pytest.raises(RecordError):
            run(make_lead(Id=lead_id))


def test_standard_status_moves_forward_only() -> None:
    """The optional standard Status mapping writes only forward moves, and only when enabled."""
    from sfsync.definition.compile import compile_definition
    from sfsync.definition.model import Definition
    from tests.scoring.factories import default_data

    data = default_data()
    data["status"]["standard_status"].update(
        enabled=True, map={"Sales Ready": "Working - Contacted"}
    )
    compiled = compile_definition(Definition.model_validate(data))
    acts = activities(make_member(days_ago(1)))
    assert qualify(make_lead(), acts, compiled, now=NOW).standard_status == "Working - Contacted"
    backwards = make_lead(Status="Closed - Not Converted")
    assert qualify(backwards, acts, compiled, now=NOW).standard_status is None
    assert qualify(make_lead(Status="Custom"), acts, compiled, now=NOW).standard_status is None
    assert run(make_lead(), make_member(days_ago(1))).standard_status is None
