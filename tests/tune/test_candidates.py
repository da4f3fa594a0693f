"""Criteria the definition does not score: read at the reference moment, judged on top."""

from __future__ import annotations

import numpy as np
import pytest

from sfsync.scoring.contributions import contributions
from sfsync.tune.candidates import CandidateReader, marketing_creators, rank_candidates
from tests.scoring.factories import (
    MARKETING,
    NOW,
    REP,
    USERS,
    activities,
    days_ago,
    default_definition,
    make_lead,
    make_member,
    make_task,
)


def read(lead: dict, acts: dict) -> dict[str, float]:
    """The candidates of one lead at NOW, with the factories' users."""
    c = default_definition()
    k = contributions(lead, acts, c, now=NOW)
    marketing = marketing_creators(c, USERS, None)
    return CandidateReader(c).read(lead, acts, k, NOW, marketing=marketing)


def test_bant_items_values_and_unscored_activity_are_read() -> None:
    """Met BANT items, unscored input values and a Trade Show response become candidates."""
    lead = make_lead(Industry="Retail", Country="Germany")
    show = make_member(days_ago(10), campaign_type="Trade Show", CreatedById=MARKETING)

    found = read(lead, activities(show))

    assert found["bant\tBANT budget: budget approved or planned"] == 1.0
    assert found["value\tcountry = Germany"] == 1.0
    assert found["value\tIndustry = Retail (no band)"] == 1.0
    key = "activity\tCampaignMember: HasResponded = True, Campaign.Type = Trade Show"
    assert found[key] == pytest.approx(0.5 ** (10.5 / 30))  # responded on a date: midnight


def test_scored_later_or_human_activity_is_not_a_candidate() -> None:
    """Scored records, records after the moment and a rep's own logging are left out."""
    lead = make_lead()
    scored = make_member(days_ago(3), campaign_type="Webinar", CreatedById=MARKETING)
    later = make_member(days_ago(-2), campaign_type="Trade Show", CreatedById=MARKETING)
    rep_task = make_task(days_ago(1), Status="Not Started", CreatedById=REP, Id="00Tx")

    found = read(lead, activities(scored, later, rep_task))

    assert not [k for k in found if k.startswith("activity\t")]


def test_ranking_keeps_a_candidate_that_adds_to_the_proposal() -> None:
    """A planted extra criterion ranks first; noise and rare ones are dropped."""
    rng = np.random.default_rng(3)
    n = 4000
    base = rng.normal(size=n)
    extra = rng.random(n) < 0.3
    noise = rng.random(n) < 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-(base + 1.5 * extra - 1)))).astype(np.float64)
    values = [
        {
            **({"bant\tBANT budget: approved": 1.0} if extra[i] else {}),
            **({"value\tcountry = Mars": 1.0} if noise[i] else {}),
            **({"value\trare = x": 1.0} if i < 10 else {}),
        }
        for i in range(n)
    ]

    found = rank_candidates(values, y, range(3000), range(3000, n), base - 1,
                            fit_scale=20.0, engagement_scale=10.0)  # fmt: skip

    assert [c.key for c in found] == ["BANT budget: approved"]
    top = found[0]
    assert top.kind == "bant"
    assert 1.2 < top.weight < 1.8
    assert top.suggested_points == round(top.weight * 20)
    assert top.holdout_auc_gain is not None
    assert top.holdout_auc_gain > 0
    assert top.rate_with > top.rate_without
