"""
A plain Sales Cloud org: standard fields only, no custom activity object, no marketing
automation package. What leads do shows only where Salesforce itself records it: reps'
Tasks and Events, and campaign memberships a marketing manager keeps (webinar and content
responses from web forms, trade-show lists, newsletter clicks marked as responses). Page
views and email opens leave no trace in the org.
"""

from __future__ import annotations

from typing import ClassVar

from sfsync.sandbox.profiles.base import DEMO_LEAD_FIELDS, DEMO_OBJECTS, OrgProfile
from sfsync.sandbox.profiles.intent import K_MAIL_CLICK
from sfsync.sandbox.profiles.rows import LeadWriter


class PlainWriter(LeadWriter):
    """Rows of an org without marketing automation: campaigns, Tasks and Events only."""

    activity_columns: ClassVar[dict[str, tuple[str, ...]]] = dict(LeadWriter.activity_columns)

    def marketing_email(self, kind: int, t: int) -> None:
        # Without a package nobody logs opens; a click shows when marketing marks the
        # newsletter's campaign member as responded (from the email tool's click export).
        if kind == K_MAIL_CLICK:
            self.member("Email", t, responded=True, status="Responded")

    def web_visit(self, kind: int, t: int) -> None:
        # No tracking on the website reaches a plain org.
        return


PROFILE = OrgProfile(
    name="plain",
    summary="standard fields only; activity only in Tasks, Events and campaigns",
    writer=PlainWriter,
    automation_user=("Megan", "Ortiz"),  # the marketing manager who keeps the campaigns
    drop_lead_fields=DEMO_LEAD_FIELDS,
    drop_objects=DEMO_OBJECTS,
)
