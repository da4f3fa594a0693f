"""
The write policy (a quiet org): what a person acts on is written on any change; score, fit
and engagement only once they moved by `min_score_change` points; reasons by what they say,
not by the points decay moves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sfsync.definition.compile import compile_definition
from sfsync.definition.model import Definition
from sfsync.scoring import qualify
from sfsync.scoring.outputs import WritePolicy, diff_outputs, write_policy
from tests.scoring.factories import (
    INTEGRATION,
    NOW,
    USERS,
    activities,
    days_ago,
    default_data,
    default_definition,
    make_lead,
    make_member,
    make_task,
    make_web,
)


def policy(min_change: int = 5) -> WritePolicy:
    """The default definition's policy with *min_change* points."""
    data = default_data()
    data["write_policy"] = {"min_score_change": min_change}
    return write_policy(compile_definition(Definition.model_validate(data)))


def org_holds(lead: dict[str, Any], *records: dict[str, Any], days: float) -> dict[str, Any]:
    """*lead* as the org holds it after a pass *days* before NOW wrote it."""
    q = qualify(
        lead,
        activities(*records),
        default_definition(),
        now=NOW - timedelta(days=days),
        users=USERS,
        integration_user_id=INTEGRATION,
    )
    return {**lead, **q.to_fields()}


def diff_now(lead: dict[str, Any], *records: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What differs between the org's values on *lead* and the exact values at NOW."""
    q = qualify(
        lead,
        activities(*records),
        default_definition(),
        now=NOW,
        users=USERS,
        integration_user_id=INTEGRATION,
    )
    return diff_outputs(lead, q.to_fields())


def test_the_default_holds_back_less_than_five_points() -> None:
    """A score 4 points off is held; 5 points off is written; a blank org value always is."""
    p = policy()
    assert not p.requires_write({"SFS_Score__c": (40.0, 44)})
    assert not p.requires_write({"SFS_Engagement_Score__c": (40.0, 36)})
    assert p.requires_write({"SFS_Fit_Score__c": (40.0, 45)})
    assert p.requires_write({"SFS_Score__c": (None, 44)})
    assert p.requires_write({"SFS_Score__c": ("n/a", 44)})


@pytest.mark.parametrize(
    "field",
    [
        "SFS_Status__c",
        "SFS_Grade__c",
        "SFS_BANT__c",
        "SFS_Needs_Follow_Up__c",
        "SFS_Touches__c",
        "SFS_Touches_Remaining__c",
        "SFS_Last_Touch__c",
        "SFS_Sales_Ready_Since__c",
        "SFS_First_Touch_Hours__c",
        "SFS_Definition_Version__c",
        "Status",
    ],
)
def test_what_a_person_acts_on_is_written_on_any_change(field: str) -> None:
    """Any change to these fields writes the lead, however small."""
    assert policy().requires_write({field: (1, 2), "SFS_Score__c": (40.0, 41)})


def test_zero_and_exact_write_every_change() -> None:
    """min_score_change 0, and the backfill's exact policy, write a one-point move."""
    assert policy(0).requires_write({"SFS_Score__c": (40.0, 41)})
    exact = write_policy(default_definition(), exact=True)
    assert exact.requires_write({"SFS_Score__c": (40.0, 41)})
    assert not policy(0).requires_write({})


def test_a_night_of_decay_is_held_back() -> None:
    """A day later the decayed numbers differ, in the scores and the reasons, and are held."""
    records = (
        make_web(days_ago(9), url="/pricing"),
        make_web(days_ago(12), url="/compare"),
        make_member(days_ago(50), "Webinar"),
    )
    lead = org_holds(make_lead(), *records, days=1)
    diff = diff_now(lead, *records)
    assert "SFS_Reasons__c" in diff  # "+11 Pricing page viewed ..." became "+10 ..."
    assert "SFS_Engagement_Score__c" in diff
    assert not policy().requires_write(diff)
    assert policy(0).requires_write(diff)


def test_new_activity_and_status_changes_are_written() -> None:
    """A new pricing view (a reason says 2x now) and a fresh hand-raise write the lead."""
    records = (make_web(days_ago(9), url="/pricing"), make_member(days_ago(50), "Webinar"))
    lead = org_holds(make_lead(), *records, days=1)
    another_view = make_web(days_ago(0.5), url="/pricing/enterprise")
    assert policy().requires_write(diff_now(lead, *records, another_view))
    assert policy().requires_write(diff_now(lead, *records, make_member(days_ago(0.5))))


def test_a_touch_is_written() -> None:
    """A call on a Sales Ready lead changes its counters: written."""
    records = (make_member(days_ago(3)),)
    lead = org_holds(make_lead(), *records, days=1)
    diff = diff_now(lead, *records, make_task(days_ago(0.5)))
    assert {"SFS_Touches__c", "SFS_Last_Touch__c"} <= set(diff)
    assert policy().requires_write(diff)


def test_reasons_compare_by_what_they_say() -> None:
    """Decayed points and their order are masked; words, dates and counts are not."""
    p = policy()
    org = (
        "Nurture: fit 65 >= 50 but engagement 31 < 40 and no hand-raise within 30 days\n"
        "+25 Title: VP/head (decision maker)\n"
        "+24 Pricing page viewed 2x, latest 2026-11-10 (30 pts, decayed)\n"
        "BANT 3/4 (timeframe unknown)"
    )
    decayed = (
        "Nurture: fit 65 >= 50 but engagement 29 < 40 and no hand-raise within 30 days\n"
        "+25 Title: VP/head (decision maker)\n"
        "+22 Pricing page viewed 2x, latest 2026-11-10 (30 pts, decayed)\n"
        "BANT 3/4 (timeframe unknown)"
    )
    reordered = "\n".join(reversed(decayed.split("\n")))
    new_view = decayed.replace("2x, latest 2026-11-10", "3x, latest 2026-11-19")
    new_band = decayed.replace("+25 Title: VP/head", "+30 Title: C-level")
    new_line = decayed + "\n-10 Free-mail address"
    assert p.reasons_key(org) == p.reasons_key(decayed) == p.reasons_key(reordered)
    for changed in (new_view, new_band, new_line):
        assert p.reasons_key(org) != p.reasons_key(changed)
        assert p.requires_write({"SFS_Reasons__c": (org, changed)})
    assert not p.requires_write({"SFS_Reasons__c": (org, decayed)})


def test_the_default_definition_declares_the_policy() -> None:
    """mappings/default.yaml says 5 points; a definition without the section gets 5 too."""
    assert default_definition().definition.write_policy.min_score_change == 5
    data = default_data()
    del data["write_policy"]
    assert Definition.model_validate(data).write_policy.min_score_change == 5
