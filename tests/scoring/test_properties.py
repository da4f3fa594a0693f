from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.loader import load_compiled
from sfsync.definition.terms import STATUSES
from sfsync.scoring import Qualification, qualify

ROOT = Path(__file__).resolve().parents[2]
COMPILED: CompiledDefinition = load_compiled(ROOT / "mappings" / "default.yaml")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MARKETING = "005000000000009AAA"
INTEGRATION = "005000000000010AAA"
REP = "005000000000001AAA"
USERS = {REP: "Dave Apthorp", MARKETING: "Marketing Automation", INTEGRATION: "sfsync"}

PROPERTIES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- values as Salesforce (and the people typing into it) produce them -------------------------

blank = st.sampled_from([None, "", "   "])
odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
titles = st.one_of(
    blank,
    st.sampled_from(
        [
            "CEO", "VP Sales", "Head of Marketing Ops", "Director, IT", "Sales Manager",
            "Student", "intern (summer)", "RETIRED", "Co-Founder & CTO", "Chief Happiness Officer",
            "Vice-President", "  director  ", "Engineer", "VP\nSales", "ÉDirectrice", "IT",
        ]
    ),
    odd_text,
)  # fmt: skip
industries = st.one_of(
    blank,
    st.sampled_from(["Software", "software ", "Technology", "Healthcare", "Retail", "Energy"]),
    odd_text,
)
numbers = st.one_of(
    blank,
    st.integers(min_value=-10, max_value=10**7),
    st.integers(min_value=0, max_value=10**7).map(str),
    st.floats(min_value=-1e9, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.sampled_from(["1,000", "lots", "12.5", "1e3", " 250 "]),
)
emails = st.one_of(
    blank,
    st.sampled_from(
        ["a@acme.example", "b@gmail.com", "c@mail.yahoo.com", "no-at-sign", "x@", "@gmail.com"]
    ),
)


def sf_datetime(moment: datetime) -> str:
    """Format like Salesforce's JSON."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def dates(*, future: bool = True) -> st.SearchStrategy[Any]:
    """Datetimes as Salesforce text (past, and future when *future*), dates, and junk."""
    hours = st.integers(min_value=-24 * 400, max_value=24 * 30 if future else 0)
    moments = hours.map(lambda h: NOW + timedelta(hours=h))
    values = [moments.map(sf_datetime), moments.map(lambda m: m.date().isoformat())]
    if future:
        values.append(st.sampled_from([None, "", "not a date", "2026-13-45"]))
    else:
        # A date-only value is midnight: never after NOW when the day is not after today.
        values = [moments.map(sf_datetime)]
    return st.one_of(*values)


@st.composite
def leads(draw: st.DrawFn) -> dict[str, Any]:
    """A Lead in REST shape, with nulls, blanks, numbers as text and odd titles."""
    return {
        "Id": "00Q000000000001AAA",
        "Title": draw(titles),
        "Industry": draw(industries),
        "NumberOfEmployees": draw(numbers),
        "AnnualRevenue": draw(numbers),
        "Email": draw(emails),
        "Country": draw(st.one_of(blank, st.sampled_from(["Germany", "US"]))),
        "Budget__c": draw(st.one_of(blank, st.sampled_from(["Approved", "Planned", "None"]))),
        "Purchase_Timeframe__c": draw(
            st.one_of(blank, st.sampled_from(["0-3 months", "12+ months", "Unknown"]))
        ),
        "Pain_Points__c": draw(st.one_of(blank, odd_text)),
        "IsConverted": draw(st.sampled_from([False, True, None, "false"])),
        "CreatedDate": sf_datetime(NOW - timedelta(days=draw(st.integers(0, 800)))),
        "SFS_Status__c": draw(st.sampled_from([None, *STATUSES, "junk"])),
        "SFS_Sales_Ready_Since__c": draw(st.one_of(st.none(), dates())),
    }


@st.composite
def activities(draw: st.DrawFn, *, future: bool = True) -> dict[str, list[dict[str, Any]]]:
    """A lead's activity in REST shape, each record with a unique Id."""
    when = dates(future=future)
    counter = iter(range(10_000))

    def rid(prefix: str) -> str:
        return f"{prefix}{next(counter):012d}AAA"

    web = st.builds(
        lambda url, at: {"Id": rid("a01"), "Lead__c": "x", "Url__c": url, "Visited_At__c": at},
        st.one_of(blank, st.sampled_from(["/", "/pricing", "/compare/x", "/vs-rival", "/blog"])),
        when,
    )
    members = st.builds(
        lambda responded, ctype, at: {
            "Id": rid("00v"),
            "HasResponded": responded,
            "FirstRespondedDate": at,
            "Campaign": {"Type": ctype} if ctype is not None else None,
        },
        st.sampled_from([True, False, None, "true"]),
        st.sampled_from([None, "Webinar", "Content Download", "Paid Ads", "Content Syndication"]),
        when,
    )
    tasks = st.builds(
        lambda kind, status, subject, by, at: {
            "Id": rid("00T"),
            "Type": kind,
            "TaskSubtype": kind,
            "Status": status,
            "Subject": subject,
            "CreatedById": by,
            "CreatedDate": at,
        },
        st.sampled_from([None, "Call", "Email", "Other"]),
        st.sampled_from(["Completed", "Not Started", None]),
        st.sampled_from(["Call", "Email Opened: News", "email clicked: offer", "", None]),
        st.sampled_from([REP, MARKETING, INTEGRATION, None]),
        when,
    )
    events = st.builds(
        lambda by, at: {"Id": rid("00U"), "CreatedById": by, "StartDateTime": at},
        st.sampled_from([REP, MARKETING, None]),
        when,
    )
    return {
        "Web_Activity__c": draw(st.lists(web, max_size=6)),
        "CampaignMember": draw(st.lists(members, max_size=4)),
        "Task": draw(st.lists(tasks, max_size=6)),
        "Event": draw(st.lists(events, max_size=3)),
    }


def run(
    lead: dict[str, Any], acts: dict[str, list[dict[str, Any]]], now: datetime = NOW
) -> Qualification:
    return qualify(lead, acts, COMPILED, now=now, users=USERS, integration_user_id=INTEGRATION)


def dump(q: Qualification) -> str:
    return json.dumps(q.to_fields())


# --- properties -------------------------------------------------------------------------------


@PROPERTIES
@given(lead=leads(), acts=activities())
def test_scores_stay_in_range_and_status_is_known(lead: dict[str, Any], acts: Any) -> None:
    """Score, fit and engagement are always 0-100 and the status is one of the five."""
    q = run(lead, acts)

    assert 0 <= q.score <= 100
    assert 0 <= q.fit <= 100
    assert 0 <= q.engagement <= 100
    assert q.status in STATUSES
    assert 0 <= q.bant <= 4


@PROPERTIES
@given(
    lead=leads(),
    acts=activities(),
    url=st.sampled_from(["/", "/pricing", "/compare/rival"]),
    hours_ago=st.integers(min_value=0, max_value=24 * 365),
)
def test_a_new_signal_never_lowers_engagement(
    lead: dict[str, Any], acts: Any, url: str, hours_ago: int
) -> None:
    """Adding one more positive signal (a web visit in the past) never lowers engagement."""
    before = run(lead, acts)
    visit = {
        "Id": "a01999999999999AAA",
        "Lead__c": "x",
        "Url__c": url,
        "Visited_At__c": sf_datetime(NOW - timedelta(hours=hours_ago)),
    }
    more = {**acts, "Web_Activity__c": [*acts["Web_Activity__c"], visit]}

    after = run(lead, more)

    assert after.engagement >= before.engagement


@PROPERTIES
@given(
    lead=leads(),
    acts=activities(future=False),
    later=st.integers(min_value=0, max_value=24 * 400),
)
def test_engagement_never_rises_as_time_passes(lead: dict[str, Any], acts: Any, later: int) -> None:
    """With no new signals, engagement later is never higher than engagement now."""
    now_q = run(lead, acts)
    later_q = run(lead, acts, NOW + timedelta(hours=later))

    assert later_q.engagement <= now_q.engagement


@PROPERTIES
@given(lead=leads(), acts=activities(), data=st.data())
def test_output_is_deterministic_under_activity_order(
    lead: dict[str, Any], acts: Any, data: st.DataObject
) -> None:
    """The same lead gives byte-identical fields, whatever the order of its activities."""
    first = dump(run(lead, acts))
    shuffled = {
        obj: data.draw(st.permutations(records), label=obj)
        for obj, records in reversed(list(acts.items()))
    }

    assert first == dump(run(lead, acts))
    assert first == dump(run(lead, shuffled))


@pytest.mark.parametrize("status", [None, *STATUSES])
def test_an_empty_lead_still_gets_a_status(status: str | None) -> None:
    """A lead with nothing but an Id is scored, whatever its previous status."""
    q = run({"Id": "00Q000000000002AAA", "SFS_Status__c": status}, {})

    assert q.status in STATUSES
    assert (q.fit, q.engagement) == (0, 0)
