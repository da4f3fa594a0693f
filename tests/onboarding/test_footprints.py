"""The marketing-automation footprints init recognises, each with a public source."""

from __future__ import annotations

import pytest

from sfsync.onboarding.footprints import (
    ACCOUNT_ENGAGEMENT,
    FOOTPRINTS,
    HUBSPOT,
    MARKETO,
    installed,
    package_fields,
    task_sent,
    task_signal,
)


def test_every_footprint_cites_public_sources_and_has_a_docs_page() -> None:
    """Every field name and pattern rests on a URL; the admin's page exists in docs/."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for footprint in FOOTPRINTS:
        assert footprint.sources
        assert all(s.startswith("https://") for s in footprint.sources)
        assert all(p.source.startswith("https://") for p in (*footprint.tasks, *footprint.sent))
        assert {p.source for p in (*footprint.tasks, *footprint.sent)} <= set(footprint.sources)
        assert (root / footprint.doc).is_file(), footprint.doc


@pytest.mark.parametrize(
    ("fields", "found"),
    [
        ({"Industry", "pi__score__c", "pi__grade__c"}, [ACCOUNT_ENGAGEMENT]),
        ({"mkto71_Lead_Score__c"}, [MARKETO]),
        ({"mkto_si__Last_Interesting_Moment_Date__c", "HubSpot_Score__c"}, [MARKETO, HUBSPOT]),
        ({"Industry", "Budget__c", "Pipeline__c"}, []),
    ],
)
def test_a_package_is_recognised_by_its_lead_fields(fields: set[str], found: list[object]) -> None:
    """A namespace prefix or the score field's name shows the package is installed."""
    assert found == installed(fields)


@pytest.mark.parametrize(
    ("subject", "signal"),
    [
        ("Filled Out Form: Request a Demo", "content_form_fill"),
        ("Opened Email: Newsletter - May", "email_engagement"),
        ("Clicked Link in Email: Newsletter - May", "email_engagement"),
        ("Visited Web Page: Pricing", "pricing_page_view"),
        ("Visited Web Page: Competitor Comparison", "competitor_research"),
        ("Visited Web Page: Blog", "site_visit"),
        ("Form submission: eBook Download", "content_form_fill"),
        ("Marketing email clicked: Newsletter", "email_engagement"),
        ("Email Opened: Newsletter - May", "email_engagement"),
        ("Call: discovery", None),
    ],
)
def test_logged_task_subjects_name_their_signal(subject: str, signal: str | None) -> None:
    """Packages' patterns first, then sfsync's generic verbs; a rep's call is no signal."""
    found = task_signal(subject, [MARKETO, HUBSPOT])
    assert signal == (found.signal if found else None)


@pytest.mark.parametrize(
    ("subject", "sent"),
    [
        ("Pardot List Email: Newsletter - May 2026", True),
        ("pardot list email:Spring Webinar Invite", True),
        ("Email Opened: Pardot List Email: Newsletter", False),
        ("Email: pricing information", False),
    ],
)
def test_account_engagement_s_list_email_tasks_are_sends_not_signals(
    subject: str, sent: bool
) -> None:
    """A "Pardot List Email:" Task logs an email sent: never engagement, by any pattern."""
    assert sent == (task_sent(subject, [ACCOUNT_ENGAGEMENT]) is not None)
    if sent:
        assert task_signal(subject, [ACCOUNT_ENGAGEMENT]) is None


def test_a_package_s_fields_include_its_related_ones() -> None:
    """HubSpot's lifecycle stage has no prefix but belongs to its sync."""
    fields = {"HubSpot_ID__c", "Lifecycle_Stage__c", "Industry"}
    assert ["HubSpot_ID__c", "Lifecycle_Stage__c"] == package_fields(HUBSPOT, fields)
