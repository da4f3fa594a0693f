"""Fit: account and person criteria, free-mail, caps, unknowns and disqualifiers."""

from __future__ import annotations

from typing import Any

import pytest

from sfsync.scoring import qualify
from tests.scoring.factories import NOW, default_definition, make_lead


def fit_of(**fields: Any) -> tuple[int, tuple[str, ...], str]:
    """Fit, reasons and status of the default lead with *fields* overridden and no activity."""
    q = qualify(make_lead(**fields), {}, default_definition(), now=NOW)
    return q.fit, q.reasons, q.status


@pytest.mark.parametrize(
    ("industry", "points"),
    [
        ("Software", 20),
        ("technology", 20),
        (" Financial Services ", 20),
        ("Healthcare", 20),
        ("Manufacturing", 20),
        ("Retail", 0),
        ("", 0),
        (None, 0),
        (42, 0),
    ],
)
def test_industry(industry: Any, points: int) -> None:
    """A target industry (any case, padded) scores 20; others, blanks and wrong types score 0."""
    fit, _, _ = fit_of(Industry=industry)
    assert 55 + points == fit


@pytest.mark.parametrize(
    ("employees", "points"),
    [
        (49, 0),
        (50, 10),
        (199, 10),
        (200, 15),
        ("250", 15),
        (999, 15),
        (1000, 20),
        (250000, 20),
        ("1,200", 20),
        ("lots", 0),
        (None, 0),
        (" ", 0),
    ],
)
def test_company_size(employees: Any, points: int) -> None:
    """Employees bands are inclusive, read numbers given as text, and score unknowns 0."""
    fit, _, _ = fit_of(NumberOfEmployees=employees)
    assert 60 + points == fit


@pytest.mark.parametrize(
    ("revenue", "points"),
    [(4_999_999, 0), (5_000_000, 5), ("49999999.5", 5), (50_000_000, 10), (None, 0)],
)
def test_revenue(revenue: Any, points: int) -> None:
    """Revenue scores 5 from 5M and 10 from 50M."""
    fit, _, _ = fit_of(AnnualRevenue=revenue)
    assert 75 + points == fit


@pytest.mark.parametrize(
    ("title", "person"),
    [
        ("Chief Executive Officer", 30),
        ("Co-Founder", 30),
        ("President", 30),
        ("VP Sales", 45),
        ("Head of Marketing", 45),
        ("Director of Operations", 40),
        ("Marketing Manager", 30),
        ("Team Lead, Growth", 30),
        ("Accountant", 5),
        ("IT Analyst", 25),
        ("Pilot", 5),
    ],
)
def test_seniority_and_function(title: str, person: int) -> None:
    """Seniority takes the first matching band and the buying function adds 20, matched as words."""
    fit, _, _ = fit_of(Title=title)
    assert 35 + person == fit


def test_person_fit_is_capped() -> None:
    """A C-level title in a buying function is capped at the person maximum of 50 and says so."""
    fit, reasons, _ = fit_of(Title="Chief Marketing Officer")
    assert fit == 85
    assert "0 Title: unknown" not in reasons
    assert "+30 Title: C-level/owner/founder (decision maker)" in reasons
    assert "+20 Function: buying function" in reasons


@pytest.mark.parametrize(
    ("email", "penalty"),
    [
        ("jo@gmail.com", -10),
        ("JO@Yahoo.com ", -10),
        ("jo@mail.yahoo.com", -10),
        ("jo@acme.com", 0),
        ("not-an-email", 0),
        (None, 0),
    ],
)
def test_free_mail(email: Any, penalty: int) -> None:
    """A free-mail domain (or its subdomain) takes 10 points off; anything else takes nothing."""
    fit, reasons, _ = fit_of(Email=email)
    assert 75 + penalty == fit
    assert ("-10 Free-mail address" in reasons) is (penalty != 0)


def test_unknown_inputs_are_said_in_reasons() -> None:
    """A blank or unreadable input scores 0 and the reasons say it is unknown, and why."""
    _, reasons, _ = fit_of(Industry="  ", NumberOfEmployees="many")
    assert "0 Industry: unknown" in reasons
    assert "0 Employees: unknown (not a number)" in reasons


def test_fit_is_clamped_at_zero() -> None:
    """Fit never goes below 0, even with a free-mail penalty and nothing else."""
    fit, _, _ = fit_of(
        Industry="Retail", NumberOfEmployees=3, AnnualRevenue=1, Title="Pilot", Email="x@gmail.com"
    )
    assert fit == 0


@pytest.mark.parametrize(
    "title", ["Student", "Marketing Intern", "Internship candidate", "Retired CFO", "unemployed"]
)
def test_not_a_buyer_is_disqualified(title: str) -> None:
    """Student, intern, retired and unemployed titles make the lead Disqualified, said first."""
    _, reasons, status = fit_of(Title=title)
    assert status == "Disqualified"
    assert reasons[0] == "Disqualified: Title is student/intern/retired/unemployed"


def test_internal_is_not_intern() -> None:
    """Disqualifier words match whole words only: an Internal Auditor is not an intern."""
    _, _, status = fit_of(Title="Internal Auditor")
    assert status != "Disqualified"


@pytest.mark.parametrize(
    ("key", "value", "field", "lead_value"),
    [
        ("excluded_industry", ["Gambling"], "Industry", "gambling"),
        ("excluded_country", ["North Korea"], "Country", "North Korea"),
        ("competitor", ["rival.com"], "Email", "spy@rival.com"),
    ],
)
def test_configured_disqualifiers(key: str, value: list[str], field: str, lead_value: str) -> None:
    """Excluded industries, countries and competitor domains disqualify once configured."""
    from sfsync.definition.compile import compile_definition
    from sfsync.definition.model import Definition
    from tests.scoring.factories import default_data

    data = default_data()
    for rule in data["fit"]["disqualifiers"]:
        if rule["name"] == key:
            op = next(iter(rule["when"]))
            rule["when"] = {op: value}
    compiled = compile_definition(Definition.model_validate(data))
    q = qualify(make_lead(**{field: lead_value}), {}, compiled, now=NOW)
    assert q.status == "Disqualified"
    q_default = qualify(make_lead(**{field: lead_value}), {}, default_definition(), now=NOW)
    assert q_default.status != "Disqualified"
