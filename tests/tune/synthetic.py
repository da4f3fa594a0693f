"""
Leads whose conversions follow a rule the test knows, independent of the sandbox's seed code.

- `planted_truth`: conversion follows a logistic model of three criteria (target industry,
  a pricing page view, a C-level title); every other criterion varies at random with zero
  true weight. Activity happens in a lead's first week, conversions 30-90 days after
  creation, so every lead's reference moment sees all of its activity.
- `after_conversion_only`: converters and the others are drawn alike in everything up to the
  conversion; only converters keep visiting (pricing, comparisons, the site) from their
  conversion day on. The only difference is activity after conversion.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DAY = timedelta(days=1)
INTERCEPT = -3.5
TRUTH = {"industry": 2.5, "pricing": 1.5, "c_level": 0.8}
"""The planted log-odds weights: target industry, one pricing page view, a C-level title."""


@dataclass
class PlannedLead:
    """A lead's fields (Salesforce API names) and its web visits (when, URL)."""

    fields: dict[str, Any]
    visits: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def converted(self) -> bool:
        """Whether the lead converted."""
        return bool(self.fields.get("IsConverted"))


def sf_time(moment: datetime) -> str:
    """Salesforce's JSON datetime form."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _base_fields(rng: random.Random, n: int, created: datetime) -> dict[str, Any]:
    employees = rng.choice([20, 120, 500, 2500])
    revenue = rng.choice([1_000_000, 10_000_000, 100_000_000])
    free_mail = rng.random() < 0.3
    return {
        "FirstName": "Lee",
        "LastName": f"Planted {n}",
        "Company": f"Company {n}",
        "Email": f"lee{n}@{'gmail.com' if free_mail else f'company{n}.example.com'}",
        "NumberOfEmployees": employees,
        "AnnualRevenue": revenue,
        "Country": rng.choice(["Germany", "France", "United States"]),
        "CreatedDate": sf_time(created),
    }


def _first_week(rng: random.Random, created: datetime) -> datetime:
    return created + timedelta(hours=1 + rng.random() * 24 * 7)


def _noise_visits(rng: random.Random, created: datetime) -> list[tuple[datetime, str]]:
    visits = [(_first_week(rng, created), "/blog/post") for _ in range(rng.choice([0, 0, 1, 2, 3]))]
    if rng.random() < 0.2:
        visits.append((_first_week(rng, created), "/compare/other-vendor"))
    return visits


def planted_truth(n: int, *, seed: int, now: datetime) -> list[PlannedLead]:
    """*n* leads whose conversion follows TRUTH (see the module docstring)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = now - timedelta(days=100 + rng.random() * 400)
        fields = _base_fields(rng, i, created)
        target = rng.random() < 0.5
        roll = rng.random()
        c_level = roll < 0.3
        title = "Chief Executive Officer" if c_level else ("Engineer" if roll < 0.5 else None)
        if title is None and roll < 0.7:
            title = "Sales Engineer"
        fields.update(Industry="Software" if target else "Retail", Title=title)
        pricing = rng.random() < 0.35
        visits = _noise_visits(rng, created)
        if pricing:
            visits.append((_first_week(rng, created), "/pricing"))
        logit = INTERCEPT + TRUTH["industry"] * target + TRUTH["pricing"] * pricing
        logit += TRUTH["c_level"] * c_level
        if rng.random() < 1 / (1 + math.exp(-logit)):
            converted = created + timedelta(days=30 + rng.random() * 60)
            fields.update(
                IsConverted=True,
                ConvertedDate=converted.date().isoformat(),
                Status="Closed - Converted",
            )
        out.append(PlannedLead(fields, visits))
    return out


def after_conversion_only(n: int, *, seed: int, now: datetime) -> list[PlannedLead]:
    """*n* leads alike up to conversion; converters keep visiting after it (see above)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = now - timedelta(days=100 + rng.random() * 400)
        fields = _base_fields(rng, i, created)
        fields.update(
            Industry=rng.choice(["Software", "Retail", "Healthcare"]),
            Title=rng.choice(["Chief Executive Officer", "Engineer", "VP Sales", "Director IT"]),
        )
        visits = _noise_visits(rng, created)
        if rng.random() < 0.35:
            visits.append((_first_week(rng, created), "/pricing"))
        if rng.random() < 0.3:
            converted = created + timedelta(days=30 + rng.random() * 60)
            day = datetime.combine(converted.date(), datetime.min.time(), UTC)
            fields.update(
                IsConverted=True, ConvertedDate=day.date().isoformat(), Status="Closed - Converted"
            )
            # From the conversion day on, until now: a customer's visits, not a buyer's.
            visits.append((day + timedelta(hours=9), "/pricing"))
            for _ in range(8):
                at = day + (now - day) * rng.random()
                visits.append((at, rng.choice(["/pricing", "/compare/x", "/docs", "/pricing"])))
            for _ in range(3):  # and lately: an account growing into a bigger plan
                visits.append((now - timedelta(days=rng.random() * 30), "/pricing"))
        out.append(PlannedLead(fields, visits))
    return out


def as_records(leads: list[PlannedLead]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The leads as the mirror holds them (made-up Ids), for an in-memory lead source."""
    out = []
    for i, planned in enumerate(leads):
        lead_id = f"00Q{i:015d}"
        visits = [
            {
                "Id": f"a00{i:08d}{j:04d}",
                "Lead__c": lead_id,
                "Url__c": url,
                "Visited_At__c": sf_time(at),
                "IsDeleted": False,
            }
            for j, (at, url) in enumerate(planned.visits)
        ]
        lead = {"Id": lead_id, **planned.fields}
        out.append(
            (lead, {"Task": [], "Event": [], "CampaignMember": [], "Web_Activity__c": visits})
        )
    return out
