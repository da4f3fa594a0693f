from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from sfsync.report.analysis import band_label, build_report
from sfsync.report.page import render_page
from sfsync.state import HistoryEntry
from tests.scoring.factories import (
    NOW,
    activities,
    days_ago,
    default_definition,
    make_lead,
    make_member,
    make_task,
    make_web,
    sf_time,
)

Lead = tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]


def ready_lead(lead_id: str, *, hand_raise_days: float = 2, **fields: Any) -> Lead:
    """A well-fitting lead that raised its hand *hand_raise_days* ago (Sales Ready now)."""
    lead = make_lead(Id=lead_id, Name=f"Lead {lead_id}", Company="Acme", **fields)
    return lead, activities(make_member(days_ago(hand_raise_days), Id=f"00v{lead_id}"))


def cold_lead(lead_id: str, **fields: Any) -> Lead:
    """A lead with an unknown industry, a junior title and no activity (Nurture, low score)."""
    lead = make_lead(Id=lead_id, Title="Assistant", Industry=None, NumberOfEmployees=5, **fields)
    return lead, {}


def converted_lead(lead_id: str, *, converted_days: float, created_days: float = 120) -> Lead:
    """Bought *converted_days* ago after a hand-raise and pricing views the week before."""
    lead = make_lead(
        Id=lead_id,
        IsConverted=True,
        ConvertedDate=days_ago(converted_days).date().isoformat(),
        CreatedDate=sf_time(days_ago(created_days)),
    )
    before = converted_days + 5
    records = [
        make_member(days_ago(before), Id=f"00v{lead_id}"),
        make_web(days_ago(before), url="https://x.example/pricing", Id=f"a00{lead_id}"),
        make_task(days_ago(before - 1), Id=f"00T{lead_id}"),
    ]
    return lead, activities(*records)


@pytest.mark.parametrize(
    ("score", "band"), [(0, "0-19"), (19, "0-19"), (20, "20-39"), (79, "60-79"), (100, "80-100")]
)
def test_band_label(score: int, band: str) -> None:
    """Scores fall into bands of 20, with 100 in the top band."""
    assert band_label(score) == band


def test_converted_leads_are_scored_before_converting() -> None:
    """A converted lead counts in the band of its score at conversion, with its signals."""
    leads = [converted_lead("00Q000000000C01AAA", converted_days=60)]

    report = build_report(leads, default_definition(), now=NOW)

    assert (report.leads, report.converted, report.open_leads) == (1, 1, 0)
    band = next(b for b in report.score_bands if b.converted)
    assert band.label in ("40-59", "60-79", "80-100")
    shares = {s.signal: s.converted_share for s in report.signals}
    assert shares["content_form_fill"] == 1.0
    assert shares["pricing_page_view"] == 1.0
    assert report.status_counts == {}


def test_lift_compares_the_top_and_bottom_bands_with_enough_leads() -> None:
    """Lift uses the highest and lowest bands with 10+ leads; a band of 1 is left out."""
    leads = [cold_lead(f"00Q0000000000{i:02d}AAA") for i in range(12)]
    leads += [converted_lead(f"00Q00000000C{i:02d}AAA", converted_days=30 + i) for i in range(10)]
    leads += [ready_lead(f"00Q00000000R{i:02d}AAA") for i in range(3)]

    report = build_report(leads, default_definition(), now=NOW)

    assert report.lift is not None
    assert report.lift.bottom.rate == 0.0
    assert report.lift.ratio is None
    assert report.lift.top.leads >= 10
    assert report.lift.top.rate > 0.5
    assert report.lift.points > 50


def test_lift_with_no_conversion_in_either_band_is_not_called_infinite() -> None:
    """0% vs 0% (a --since window too recent for anyone to have bought) is no lift at all."""
    from rich.console import Console

    from sfsync.report.summary import print_summary

    leads = [cold_lead(f"00Q0000000000{i:02d}AAA") for i in range(12)]
    leads += [ready_lead(f"00Q00000000R{i:02d}AAA") for i in range(12)]
    report = build_report(leads, default_definition(), now=NOW)
    assert report.lift is not None
    assert report.lift.top.rate == report.lift.bottom.rate == 0.0

    console = Console(record=True, width=120)
    print_summary(report, console)
    summary = " ".join(console.export_text().split())
    page = " ".join(render_page(report).split())

    for text in (summary, page):
        assert "infinite" not in text
        assert "No ratio is claimed" in text
        assert "The 95% intervals overlap: this sample cannot tell the bands apart." in text
        assert "0.0% (0 of 12; 95% CI 0.0\u201324.2%)" in text


def test_nurture_on_arrival_that_later_converted_is_counted() -> None:
    """A lead that arrived cold and bought months later is an invisible-pipeline conversion."""
    leads = [converted_lead("00Q000000000C01AAA", converted_days=20, created_days=300)]
    leads += [cold_lead("00Q000000000N01AAA")]

    report = build_report(leads, default_definition(), now=NOW)

    assert report.arrival["Nurture"].leads == 2
    assert report.arrival["Nurture"].converted == 1
    assert report.later_converted == 1


def test_follow_up_counts_overdue_untouched_and_target() -> None:
    """Sales Ready leads: untouched for longer than the cadence is overdue; touches are counted."""
    touched = make_lead(Id="00Q000000000T01AAA", Name="Touched", Company="Acme")
    touched_acts = activities(
        make_member(days_ago(10), Id="00vT01"),
        *(make_task(days_ago(9 - i), Id=f"00TT01{i}") for i in range(6)),
    )
    leads = [
        ready_lead("00Q000000000R01AAA", hand_raise_days=10),  # overdue, untouched
        ready_lead("00Q000000000R02AAA", hand_raise_days=1),  # within the cadence
        (touched, touched_acts),
    ]

    report = build_report(leads, default_definition(), now=NOW)

    assert report.sales_ready == 3
    assert report.overdue == 1
    assert report.untouched_sales_ready == 2
    assert report.at_target == 1
    assert report.touches == {0: 2, 6: 1}
    assert report.compliance == pytest.approx(2 / 3)
    assert report.follow_ups[0].lead_id == "00Q000000000R01AAA"
    # The hand-raise is dated by FirstRespondedDate (midnight), the first call 9 days ago at noon.
    assert report.first_touch_median_hours == pytest.approx(36.0)
    assert sum(report.aging.values()) == 3


def test_since_keeps_only_leads_created_on_or_after_the_date() -> None:
    """--since filters by CreatedDate."""
    leads = [
        cold_lead("00Q000000000O01AAA", CreatedDate=sf_time(days_ago(100))),
        cold_lead("00Q000000000N01AAA", CreatedDate=sf_time(days_ago(5))),
    ]

    report = build_report(
        leads, default_definition(), now=NOW, since=(NOW - timedelta(days=30)).date()
    )

    assert report.leads == 1
    assert report.since == (NOW - timedelta(days=30)).date()


def test_history_counts_recorded_nurture_before_conversion() -> None:
    """A Nurture status sfsync wrote before the conversion date is counted from the history."""
    lead_id = "00Q000000000C01AAA"
    history = [
        HistoryEntry(lead_id, sf_time(days_ago(90)), "SFS_Status__c", None, "Nurture", (), "v1"),
        HistoryEntry(
            lead_id, sf_time(days_ago(10)), "SFS_Status__c", "Nurture", "Disqualified", (), "v1"
        ),
    ]

    report = build_report(
        [converted_lead(lead_id, converted_days=60)], default_definition(), now=NOW, history=history
    )

    assert report.recorded_before_conversion == {"Nurture": 1}


def test_page_escapes_values_from_the_org() -> None:
    """Lead names and companies with markup are shown as text, never as HTML."""
    name = "<script>alert('x')</script>"
    lead, acts = ready_lead("00Q000000000X01AAA")
    lead.update(Name=name, Company='"><img src=x onerror=alert(1)>')

    page = render_page(build_report([(lead, acts)], default_definition(), now=NOW))

    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_page_is_self_contained() -> None:
    """No script, no external URL to load, and a CSP that forbids fetching anything."""
    leads = [
        ready_lead("00Q000000000R01AAA"),
        converted_lead("00Q000000000C01AAA", converted_days=9),
    ]
    page = render_page(build_report(leads, default_definition(), now=NOW, since=date(2020, 1, 1)))

    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "default-src 'none'" in page
    # Only in-page references: #ids (the SVG's markers) and data: URIs (the grade heat map).
    assert re.findall(r'(?:src|href)\s*=\s*"(?!#|data:)[^"]*"', page) == []
    assert re.findall(r"url\((?!#)", page) == []
    assert page.count("<svg") == 8
