"""
A definition proposed for one org (pure): the survey in, the definition's data, a note
for every choice and the list of what is left to decide out. The default definition's
thresholds, grades and outputs are kept; what reads the org is chosen from what the org
holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sfsync.onboarding.creators import non_human_users
from sfsync.onboarding.criteria import propose_bant, propose_fit, propose_known_groups
from sfsync.onboarding.facts import OrgSurvey
from sfsync.onboarding.footprints import Footprint, installed, package_fields
from sfsync.onboarding.inputs import Notes, propose_inputs
from sfsync.onboarding.signals import SIGNALS, propose_engagement, propose_touches

_STANDARD_STATUS = {
    "enabled": False,
    "field": "Status",
    "order": ["Open - Not Contacted", "Working - Contacted", "Closed - Not Converted",
              "Closed - Converted"],
    "map": {},
}  # fmt: skip
_OUTPUTS = {
    "score": "SFS_Score__c", "fit_score": "SFS_Fit_Score__c",
    "engagement_score": "SFS_Engagement_Score__c", "grade": "SFS_Grade__c",
    "bant": "SFS_BANT__c", "status": "SFS_Status__c", "reasons": "SFS_Reasons__c",
    "sales_ready_since": "SFS_Sales_Ready_Since__c", "touches": "SFS_Touches__c",
    "touches_remaining": "SFS_Touches_Remaining__c", "last_touch": "SFS_Last_Touch__c",
    "first_touch_hours": "SFS_First_Touch_Hours__c", "needs_follow_up": "SFS_Needs_Follow_Up__c",
    "definition_version": "SFS_Definition_Version__c",
}  # fmt: skip


@dataclass(frozen=True)
class Proposal:
    """What init proposes: the definition's data, its notes and what is left open."""

    data: dict[str, Any]
    notes: Notes
    footprints: list[Footprint]
    survey: OrgSurvey


def propose(survey: OrgSurvey, *, today: date) -> Proposal:
    """The definition this org's data supports, every choice with its reason."""
    notes = Notes()
    footprints = installed(set(survey.lead_fields))
    for fp in footprints:
        notes.add("footprints", f"{fp.name}: its fields are on Lead (see {fp.doc})")
    robots = non_human_users(survey, footprints)
    inputs = propose_inputs(survey, footprints, notes)
    fit = propose_fit(survey, inputs, footprints, notes)
    bant = propose_bant(survey, inputs, notes)
    engagement = propose_engagement(survey, footprints, robots, notes)
    touches = propose_touches(survey, robots, engagement, notes)
    host = survey.instance.split("//")[-1].split("/")[0].split(".")[0] or "org"
    org = survey.org_name or host
    slug = re.sub(r"[^a-z0-9]+", "-", org.lower()).strip("-") or "org"
    ordered = {k: engagement.signals[k] for k in SIGNALS if k in engagement.signals}
    data: dict[str, Any] = {
        "version": f"{slug[:29]}-{today.year}.{today.month}.1",  # bumps to .2, .3
        "name": f"Agreed definition for {org}"[:200],
        "description": (
            "Proposed by `sfsync init` from what this org holds. A lead is worth a sales call "
            "when it fits the accounts and people we sell to and shows that it is ready now: "
            "a hand-raise, or enough recent engagement. Review every choice, then sign it off."
        ),
        "inputs": inputs,
        "fit": fit,
        "bant": bant,
        "engagement": {"half_life_days": 30, "signals": ordered, "sources": engagement.sources},
        "touches": touches,
        "status": {
            "insufficient_data": propose_known_groups(inputs),
            "sales_ready": {"min_fit": 50, "min_engagement": 40, "hand_raise_within_days": 30},
            "recycled": {"min_days_sales_ready": 30},
            "standard_status": dict(_STANDARD_STATUS),
        },
        "grade": {
            "fit_letters": {"A": 75, "B": 50, "C": 25, "D": 0},
            "engagement_digits": {"1": 60, "2": 30, "3": 10, "4": 0},
        },
        "score": {"fit_weight": 0.5, "engagement_weight": 0.5},
        "outputs": dict(_OUTPUTS),
    }
    if not bant:
        del data["bant"]
    _unused_package_fields(survey, footprints, data, notes)
    return Proposal(data=data, notes=notes, footprints=footprints, survey=survey)


def _unused_package_fields(
    survey: OrgSurvey, footprints: list[Footprint], data: dict[str, Any], notes: Notes
) -> None:
    used = {spec["field"] for spec in data["inputs"].values()}
    for source in data["engagement"]["sources"]:
        if source["object"] == "Lead":
            used |= {source["at"], source["when"]["field"]}
    for fp in footprints:
        rest = [n for n in package_fields(fp, set(survey.lead_fields)) if n not in used]
        if rest:
            notes.open(
                f"{fp.short} fields not used",
                ", ".join(rest) + ": sfsync judges fit and engagement itself; a package's "
                "stage or conversion fields are worth comparing with its status in "
                "`sfsync report`, not adding to it (see " + fp.doc + ")",
            )
