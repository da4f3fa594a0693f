"""
The demo org (DESIGN §5): the default definition reads exactly this. Budget__c,
Purchase_Timeframe__c and Pain_Points__c on Lead, a Web_Activity__c object the website's
tracking fills, and a "Marketing Automation" user that logs newsletter opens and clicks as
Tasks ("Email Opened: ...", "Email Clicked: ...").
"""

from __future__ import annotations

from typing import ClassVar

from sfsync.sandbox.profiles.base import OrgProfile
from sfsync.sandbox.profiles.intent import Plan, Prospect
from sfsync.sandbox.profiles.people import table
from sfsync.sandbox.profiles.rows import WEB_COLUMNS, LeadWriter
from sfsync.sandbox.profiles.timeline import Row

PAIN_POINTS = (
    "Leads fall through the cracks", "No visibility into lead quality",
    "Sales ignores marketing leads", "Manual lead routing", "Slow follow-up on inbound leads",
    "Poor CRM data quality", "Can't measure campaign ROI", "Spreadsheet-based forecasting",
    "Too many tools, no single view of the buyer", "Long sales cycle",
    "Reps waste time on unqualified leads", "No agreed definition of a qualified lead",
)  # fmt: skip

# Per archetype: Budget__c and Purchase_Timeframe__c tables.
BUDGET = {
    "cold": table([("Approved", 2), ("Planned", 8), ("None", 20), ("", 70)]),
    "nurture": table([("Approved", 5), ("Planned", 20), ("None", 20), ("", 55)]),
    "ready": table([("Approved", 25), ("Planned", 40), ("None", 10), ("", 25)]),
    "recycled": table([("Approved", 10), ("Planned", 35), ("None", 20), ("", 35)]),
    "converted": table([("Approved", 45), ("Planned", 35), ("None", 5), ("", 15)]),
}
TIMEFRAME = {
    "cold": table([("0-3 months", 2), ("3-6 months", 5), ("6-12 months", 8),
                   ("12+ months", 15), ("Unknown", 15), ("", 55)]),
    "nurture": table([("0-3 months", 5), ("3-6 months", 12), ("6-12 months", 20),
                      ("12+ months", 15), ("Unknown", 13), ("", 35)]),
    "ready": table([("0-3 months", 40), ("3-6 months", 25), ("6-12 months", 10),
                    ("12+ months", 3), ("Unknown", 7), ("", 15)]),
    "recycled": table([("0-3 months", 15), ("3-6 months", 25), ("6-12 months", 20),
                       ("12+ months", 10), ("Unknown", 10), ("", 20)]),
    "converted": table([("0-3 months", 50), ("3-6 months", 25), ("6-12 months", 8),
                        ("12+ months", 2), ("Unknown", 5), ("", 10)]),
}  # fmt: skip
PAIN_SHARE = {"cold": 0.15, "nurture": 0.35, "ready": 0.6, "recycled": 0.6, "converted": 0.75}


class DemoWriter(LeadWriter):
    """The demo org's rows: LeadWriter's defaults plus the three qualification fields."""

    lead_extra_columns: ClassVar[tuple[str, ...]] = (
        "Budget__c",
        "Purchase_Timeframe__c",
        "Pain_Points__c",
    )
    activity_columns: ClassVar[dict[str, tuple[str, ...]]] = {
        **LeadWriter.activity_columns,
        "Web_Activity__c": WEB_COLUMNS,
    }

    def answers(self, prospect: Prospect, plan: Plan) -> Row:
        r = self.rng.random
        archetype = plan.archetype
        pain = PAIN_POINTS[int(r() * len(PAIN_POINTS))] if r() < PAIN_SHARE[archetype] else None
        budgets, frames = BUDGET[archetype], TIMEFRAME[archetype]
        budget = budgets[int(r() * len(budgets))] or None
        frame = frames[int(r() * len(frames))] or None
        return (budget, frame, pain)


PROFILE = OrgProfile(
    name="demo",
    summary="the demo org: Budget/Timeframe/Pain Points fields, a Web_Activity__c object, "
    "Marketing Automation's email Tasks",
    writer=DemoWriter,
    automation_user=("Marketing", "Automation"),
)
