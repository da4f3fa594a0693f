"""The report's words match its numbers (see tests/report/wording.py), on the demo org and on
small hand-made samples where a careless page would overclaim."""

from __future__ import annotations

from sfsync.report.analysis import build_report
from sfsync.report.page import render_page
from tests.report.conftest import DemoOrg
from tests.report.test_analysis import cold_lead, converted_lead, ready_lead
from tests.report.wording import page_text, wording_problems
from tests.scoring.factories import NOW, default_definition


def test_the_demo_report_says_what_its_numbers_are(demo: DemoOrg) -> None:
    """Every rate, interval, tile and count on the demo report agrees with the numbers."""
    report = demo.report()
    text = page_text(demo.page.read_text(encoding="utf-8"))

    assert wording_problems(text, report) == []
    assert report.sales_ready > len(report.follow_ups)  # the truncation note was exercised
    assert "SFS Needs Follow-Up" in text  # the truncated table points to the list views


def test_one_conversion_is_no_ratio() -> None:
    """1 conversion in the bottom band: both rates with intervals, no ratio; the page says so."""
    leads = [cold_lead(f"00Q0000000000{i:02d}AAA") for i in range(40)]
    bought, _ = cold_lead("00Q000000000B01AAA", IsConverted=True, ConvertedDate="2026-10-01")
    leads.append((bought, {}))  # a cold lead that bought anyway: 1 of 41 in the 0-19 band
    leads += [converted_lead(f"00Q00000000C{i:02d}AAA", converted_days=30 + i) for i in range(12)]
    report = build_report(leads, default_definition(), now=NOW)
    assert report.lift is not None
    assert report.lift.bottom.converted == 1

    text = page_text(render_page(report))

    assert wording_problems(text, report) == []
    assert "converts x" not in text
    assert "No ratio is claimed: the 0-19 band has 1 conversion" in text
    assert "95% CI" in text


def test_a_short_follow_up_table_says_it_is_complete() -> None:
    """Three Sales Ready leads: the table shows all and says so."""
    leads = [ready_lead(f"00Q00000000R{i:02d}AAA") for i in range(3)]
    leads += [cold_lead(f"00Q0000000000{i:02d}AAA") for i in range(12)]
    report = build_report(leads, default_definition(), now=NOW)

    text = page_text(render_page(report))

    assert "All 3 Sales Ready leads, overdue first." in text
    assert [p for p in wording_problems(text, report) if "lift" not in p] == []
