"""Reasons: ranking, signs, dates, determinism and the Salesforce field formats."""

from __future__ import annotations

import random

from sfsync.scoring import qualify
from sfsync.scoring.result import join_reasons
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


def records() -> list[dict]:
    """A mix of signals and touches."""
    return [
        make_member(days_ago(3)),
        make_web(days_ago(10), url="/pricing"),
        make_web(days_ago(1)),
        make_task(days_ago(2)),
        make_task(days_ago(2), Id="00Tsame"),
    ]


def test_reasons_are_ranked_and_signed() -> None:
    """Status first, then points by absolute size (decayed signals with raw points), then BANT."""
    q = qualify(
        make_lead(Email="x@gmail.com"), activities(*records()), default_definition(), now=NOW
    )
    assert list(q.reasons) == [
        "Sales Ready: fit 65 >= 50 and hand-raise 2026-11-17",
        "+28 Content form fill 2026-11-17 (30 pts, decayed)",
        "+20 Industry: target industry",
        "+20 Title: director (influencer)",
        "+20 Function: buying function",
        "+15 Employees: 200-999 employees",
        "+12 Pricing page viewed 2026-11-10 (15 pts, decayed)",
        "-10 Free-mail address",
        "+5 Site visit 2026-11-19",
        "0 Annual revenue: 1000000 (no points)",
        "BANT 4/4",
        "Touches: 2 of 6 since Sales Ready 2026-11-17",
    ]


def test_reasons_are_byte_identical_whatever_the_record_order() -> None:
    """Identical input in any order gives byte-identical output fields."""
    recs = records()
    first = qualify(make_lead(), activities(*recs), default_definition(), now=NOW).to_fields()
    for seed in range(5):
        random.Random(seed).shuffle(recs)
        assert (
            first
            == qualify(make_lead(), activities(*recs), default_definition(), now=NOW).to_fields()
        )


def test_reasons_never_use_relative_words() -> None:
    """Reasons carry ISO dates, not phrases like '3 days ago'."""
    q = qualify(make_lead(), activities(*records()), default_definition(), now=NOW)
    assert not any("ago" in r or "yesterday" in r or "today" in r for r in q.reasons)


def test_to_fields_formats() -> None:
    """Output values use Salesforce JSON types, in the definition's output order."""
    q = qualify(make_lead(), activities(*records()), default_definition(), now=NOW)
    fields = q.to_fields()
    assert list(default_definition().output_fields) == list(fields)
    assert fields["SFS_Sales_Ready_Since__c"] == "2026-11-17T00:00:00.000+0000"
    assert fields["SFS_Last_Touch__c"] == "2026-11-18T12:00:00.000+0000"
    assert fields["SFS_First_Touch_Hours__c"] == 36.0
    assert isinstance(fields["SFS_Score__c"], int)
    assert fields["SFS_Needs_Follow_Up__c"] is False
    assert "\n".join(q.reasons) == fields["SFS_Reasons__c"]
    assert fields["SFS_Definition_Version__c"] == "default-2026.11.2"


def test_long_reasons_are_truncated_with_a_count() -> None:
    """Reasons past 32,768 characters keep whole lines and end with '… N more'."""
    lines = tuple(f"line {i} " + "x" * 90 for i in range(1000))
    text = join_reasons(lines)
    assert len(text) <= 32_768
    assert text.endswith(" more")
    kept = text.count("\n")
    assert f"… {1000 - kept} more" == text.rsplit("\n", 1)[1]
