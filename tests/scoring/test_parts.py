"""The engine's parts, each on its own: inputs as read, activity as matched, signals as summed."""

from __future__ import annotations

from datetime import timedelta

from sfsync.scoring.activity import HUMAN, INTEGRATION_USER, collect_activities
from sfsync.scoring.engagement import signal_reason, sum_engagement
from sfsync.scoring.fit import read_inputs, shown_value
from tests.scoring.factories import (
    INTEGRATION,
    NOW,
    USERS,
    activities,
    days_ago,
    default_definition,
    make_lead,
    make_task,
    make_web,
)


def test_inputs_are_read_as_their_conditions_expect_and_bad_ones_are_named() -> None:
    """Numbers given as text read as numbers; text that is no number is unknown, with why."""
    values, unreadable = read_inputs(
        make_lead(NumberOfEmployees="1,200", AnnualRevenue="lots"), default_definition()
    )
    assert 1200.0 == values["employees"]
    assert values["revenue"] is None
    assert {"revenue": "not a number"} == unreadable


def test_long_values_are_cut_in_reasons() -> None:
    """A reason never quotes more than 40 characters of a value; floats lose `.0`."""
    assert ("250", "2.50") == (shown_value(250.0), shown_value(2.5))
    assert 40 == len(shown_value("x" * 100))


def test_activity_is_matched_once_and_the_integration_users_touches_are_marked() -> None:
    """Deleted and future activity never counts; a touch logged by sfsync is not human."""
    records = activities(
        make_web(days_ago(1), "https://www.example.com/pricing"),
        make_web(days_ago(2), "https://www.example.com/pricing", IsDeleted=True),
        make_web(NOW + timedelta(days=1), "https://www.example.com/pricing"),
        make_task(days_ago(3)),
        make_task(days_ago(4), CreatedById=INTEGRATION),
    )
    ignored: list[str] = []
    occurrences, touches = collect_activities(
        records, default_definition(), NOW, USERS, INTEGRATION, ignored
    )
    assert 1 == len(occurrences)
    assert [INTEGRATION_USER, HUMAN] == [t[5] for t in touches]
    assert [] == ignored


def test_engagement_decays_with_the_half_life_and_explains_each_signal() -> None:
    """A signal one half-life old counts half its points; the items say the same."""
    definition = default_definition()
    half_life = timedelta(days=definition.half_life_days)
    rank = next(s.rank for s in definition.signals if s.name == "pricing_page_view")
    items: list = []
    raw, decayed, counts, latest, _ = sum_engagement(
        [(NOW - half_life, "a00", "Web_Activity__c", rank)], definition, NOW, items
    )
    points = definition.signals[rank].points
    assert (points, points / 2, 1, NOW - half_life) == (
        raw[rank],
        decayed[rank],
        counts[rank],
        latest[rank],
    )
    assert [points / 2] == [item.decayed for item in items]


def test_signal_reasons_say_count_latest_day_and_decay() -> None:
    """Reasons are stable text: points shown, occurrences, the latest date, no relative words."""
    assert "+8 Pricing page viewed 2026-11-19 (15 pts, decayed)" == signal_reason(
        "Pricing page viewed", 1, 15, 7.5, 7.5, 30, days_ago(1)
    )
    assert "+30 Pricing page viewed 3x, latest 2026-11-19 (capped at 30)" == signal_reason(
        "Pricing page viewed", 3, 45, 45, 30, 30, days_ago(1)
    )
