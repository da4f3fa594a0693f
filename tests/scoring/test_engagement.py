"""Engagement: sources, URL rules, decay, caps, deleted and future activity."""

from __future__ import annotations

from typing import Any

import pytest

from sfsync.scoring import qualify
from tests.scoring.factories import (
    NOW,
    activities,
    days_ago,
    default_definition,
    make_lead,
    make_member,
    make_task,
    make_web,
)


def signals_of(*records: dict[str, Any]) -> dict[str, float]:
    """Signal name -> capped total for the default lead with *records*."""
    q = qualify(make_lead(), activities(*records), default_definition(), now=NOW)
    return {t.signal: t.capped for t in q.explanation.signal_totals}


@pytest.mark.parametrize(
    ("url", "signal"),
    [
        ("https://www.example.com/pricing", "pricing_page_view"),
        ("https://www.example.com/pricing/enterprise?x=1", "pricing_page_view"),
        ("/pricing#plans", "pricing_page_view"),
        ("https://www.example.com/pricingfoo", "site_visit"),
        ("https://www.example.com/compare", "competitor_research"),
        ("https://www.example.com/vs-rival", "competitor_research"),
        ("https://www.example.com/blog/vs-rival", "site_visit"),
        ("https://www.example.com/", "site_visit"),
        (None, "site_visit"),
    ],
)
def test_web_activity_url_rules(url: Any, signal: str) -> None:
    """/pricing is a pricing view, /compare and /vs- competitor research, else a site visit."""
    assert [signal] == list(signals_of(make_web(NOW, url=url)))


@pytest.mark.parametrize(
    ("campaign_type", "responded", "signal"),
    [
        ("Content Download", True, "content_form_fill"),
        ("Webinar", True, "content_form_fill"),
        ("Paid Ads", True, "ad_click"),
        ("Content Syndication", True, "third_party_content"),
        ("Trade Show", True, None),
        ("Webinar", False, None),
        ("Webinar", "true", "content_form_fill"),
    ],
)
def test_campaign_member_sources(campaign_type: str, responded: Any, signal: str | None) -> None:
    """Responded campaign members count by Campaign.Type; trade shows and non-responders don't."""
    got = signals_of(make_member(NOW, campaign_type, HasResponded=responded))
    assert ([signal] if signal else []) == list(got)


@pytest.mark.parametrize(
    ("subject", "signal"),
    [
        ("Email Opened: Webinar invite", "email_engagement"),
        ("email clicked: pricing", "email_engagement"),
        ("Re: Email Opened", None),
    ],
)
def test_email_engagement_tasks(subject: str, signal: str | None) -> None:
    """Tasks whose subject starts with Email Opened/Clicked are email engagement."""
    got = signals_of(make_task(NOW, Subject=subject, Type="Email", Status="Not Started"))
    assert ([signal] if signal else []) == list(got)


@pytest.mark.parametrize(("age", "expected"), [(0, 15.0), (30, 7.5), (60, 3.75), (90, 1.875)])
def test_decay_halves_every_half_life(age: float, expected: float) -> None:
    """An occurrence is worth its points halved every 30 days."""
    got = signals_of(make_web(days_ago(age), url="/pricing"))
    assert expected == pytest.approx(got["pricing_page_view"])


def test_cap_per_signal() -> None:
    """Ten fresh site visits earn at most the site-visit cap of 20."""
    visits = [make_web(days_ago(i / 10), url=f"/page{i}") for i in range(10)]
    assert signals_of(*visits)["site_visit"] == 20


def test_engagement_is_capped_at_100_and_rounded_half_up() -> None:
    """Engagement is the capped signal sum, at most 100, rounded half up."""
    records = [make_web(NOW, url=f"/pricing/{i}") for i in range(2)]
    records += [make_web(NOW, url=f"/compare/{i}") for i in range(2)]
    records += [make_member(days_ago(i), "Webinar", Id=f"00vW{i}") for i in range(2)]
    records += [make_web(NOW, url=f"/p{i}") for i in range(4)]
    q = qualify(make_lead(), activities(*records), default_definition(), now=NOW)
    assert q.engagement == 100


def test_deleted_and_future_activity_never_count() -> None:
    """Deleted records and records dated after now are ignored."""
    assert (
        signals_of(
            make_web(NOW, url="/pricing", IsDeleted=True), make_web(days_ago(-1), url="/pricing")
        )
        == {}
    )


def test_engagement_never_rises_as_now_moves_forward() -> None:
    """Scoring later never raises engagement: future-dated activity does not count yet."""
    acts = activities(make_web(days_ago(2), url="/pricing"), make_web(days_ago(-3), url="/compare"))
    earlier = qualify(make_lead(), acts, default_definition(), now=NOW).engagement
    later = qualify(make_lead(), acts, default_definition(), now=days_ago(-1)).engagement
    assert later <= earlier


def test_undated_records_are_noted() -> None:
    """A record without a readable date is ignored and said in the reasons."""
    q = qualify(
        make_lead(),
        activities(make_web(NOW, Visited_At__c="yesterday")),
        default_definition(),
        now=NOW,
    )
    assert q.engagement == 0
    assert "Note: 1 Web_Activity__c record without a valid Visited_At__c ignored" in q.reasons


def test_messy_records_never_raise() -> None:
    """Non-record entries, wrong types and nulls anywhere are skipped, not raised."""
    acts: dict[str, Any] = {
        "Task": [None, 3, "x", {"Id": None, "Subject": 42, "CreatedDate": None}],
        "Web_Activity__c": "not a list",
        "CampaignMember": [{"Campaign": None, "HasResponded": None}],
        "Unknown__c": [{"Id": 1}],
    }
    q = qualify(make_lead(), acts, default_definition(), now=NOW)
    assert q.engagement == 0
