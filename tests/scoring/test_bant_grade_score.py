"""BANT criteria, grade boundaries and score rounding."""

from __future__ import annotations

from typing import Any

import pytest

from sfsync.scoring import qualify, round_half_up
from sfsync.scoring.engine import _grade
from tests.scoring.factories import NOW, default_definition, make_lead


@pytest.mark.parametrize(
    ("fields", "bant", "line"),
    [
        ({}, 4, "BANT 4/4"),
        ({"Budget__c": "Planned"}, 4, "BANT 4/4"),
        ({"Budget__c": "None"}, 3, "BANT 3/4 (budget not met)"),
        ({"Budget__c": None}, 3, "BANT 3/4 (budget unknown)"),
        ({"Title": "Marketing Manager"}, 3, "BANT 3/4 (authority not met)"),
        ({"Pain_Points__c": "   "}, 3, "BANT 3/4 (need unknown)"),
        ({"Purchase_Timeframe__c": "Unknown"}, 3, "BANT 3/4 (timeframe unknown)"),
        ({"Purchase_Timeframe__c": "12+ months"}, 3, "BANT 3/4 (timeframe not met)"),
        ({"Purchase_Timeframe__c": "someday"}, 3, "BANT 3/4 (timeframe not met)"),
        (
            {
                "Budget__c": None,
                "Title": None,
                "Pain_Points__c": None,
                "Purchase_Timeframe__c": None,
            },
            0,
            "BANT 0/4 (budget unknown, authority unknown, need unknown, timeframe unknown)",
        ),
    ],
)
def test_bant(fields: dict[str, Any], bant: int, line: str) -> None:
    """Each BANT criterion is met, not met or unknown, and the BANT line says which."""
    q = qualify(make_lead(**fields), {}, default_definition(), now=NOW)
    assert bant == q.bant
    assert line in q.reasons


@pytest.mark.parametrize(
    ("fit", "engagement", "grade"),
    [
        (100, 100, "A1"),
        (75, 60, "A1"),
        (74, 59, "B2"),
        (50, 30, "B2"),
        (49, 29, "C3"),
        (25, 10, "C3"),
        (24, 9, "D4"),
        (0, 0, "D4"),
    ],
)
def test_grade_boundaries(fit: int, engagement: int, grade: str) -> None:
    """The grade letter and digit switch exactly at their thresholds."""
    assert grade == _grade(fit, engagement, default_definition())


@pytest.mark.parametrize(
    ("value", "expected"), [(57.5, 58), (58.5, 59), (0.5, 1), (0.49, 0), (99.5, 100), (-0.5, -1)]
)
def test_round_half_up(value: float, expected: int) -> None:
    """Halves round away from zero, unlike Python's round()."""
    assert expected == round_half_up(value)


def test_score_is_the_weighted_mean_rounded_half_up() -> None:
    """Score = round((fit + engagement) / 2), halves up: fit 75 with no engagement scores 38."""
    q = qualify(make_lead(), {}, default_definition(), now=NOW)
    assert (q.fit, q.engagement, q.score) == (75, 0, 38)
