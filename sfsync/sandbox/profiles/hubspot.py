"""
An org connected to HubSpot through HubSpot's Salesforce integration.

What such an org holds, from public documentation and real orgs' metadata:

- Fields the admin mapped HubSpot contact properties to, as in a real HubSpot-connected
  org's Lead metadata
  (https://github.com/googlejam/salesforce-aerolase/tree/74c447589770b4e21bb2d0b88d650c62c4a72400/force-app/main/default/objects/Lead/fields):
  HubSpot_ID__c, HubSpot_Recent_Conversion_Date__c ("HubSpot - Recent Conversion Date"),
  Lifecycle_Stage__c (Subscriber, Lead, Marketing Qualified Lead, Sales Qualified Lead,
  Opportunity, Customer, Evangelist, Other), form questions such as "Do You Have a Budget
  Allocated?" (Yes, No, Pending) and "Why are you looking into new solutions ?"; and a
  HubSpot Score number field
  (https://github.com/jnelson-prosci/prosci-sfdc/blob/b1cc4074ff545467e2c0200626d3110e6b1c2720/force-app/main/default/objects/Lead/fields/HubSpot_Score__c.field-meta.xml).
- HubSpot activities synced to Salesforce Tasks: form submissions and marketing email
  opens and clicks, among others
  (https://knowledge.hubspot.com/salesforce/sync-activities-and-tasks-between-hubspot-and-salesforce),
  created by the integration's Salesforce user; a form submission also adds the lead to
  an active Salesforce campaign
  (https://knowledge.hubspot.com/articles/kcs_article/salesforce/salesforce-integration-sync-triggers).
  The Task subjects here ("Form submission: ...", "Marketing email opened: ...") follow the
  knowledge base's names for those activities.
"""

from __future__ import annotations

from typing import ClassVar

from sfsync.sandbox import schema
from sfsync.sandbox.profiles.base import DEMO_LEAD_FIELDS, DEMO_OBJECTS, OrgProfile, custom_field
from sfsync.sandbox.profiles.demo import BUDGET
from sfsync.sandbox.profiles.intent import (
    K_COMPARE,
    K_HANDRAISE,
    K_MAIL_CLICK,
    K_PRICING,
    REP_KINDS,
    Plan,
    Prospect,
)
from sfsync.sandbox.profiles.rows import LeadWriter
from sfsync.sandbox.profiles.timeline import Campaign, Row
from sfsync.sandbox.profiles.users import MARKETING_USER_ID

LIFECYCLE_STAGES = ("Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead",
                    "Opportunity", "Customer", "Evangelist", "Other")  # fmt: skip
REASONS = ("Replacing spreadsheets", "Current tool too expensive", "Scaling the sales team",
           "New sales leadership", "Leads fall through the cracks")  # fmt: skip
LEAD_FIELDS = (
    custom_field("HubSpot_ID__c", schema.STRING, "HubSpot ID", length=40),
    custom_field("HubSpot_Score__c", schema.DOUBLE, "HubSpot Score", precision=18),
    custom_field("Lifecycle_Stage__c", schema.PICKLIST, "Lifecycle Stage", length=255,
             picklist=LIFECYCLE_STAGES),
    custom_field("HubSpot_Recent_Conversion__c", schema.STRING, "HubSpot - Recent Conversion",
             length=255),
    custom_field("HubSpot_Recent_Conversion_Date__c", schema.DATETIME,
             "HubSpot - Recent Conversion Date"),
    custom_field("Do_you_have_a_budget_allocated__c", schema.PICKLIST,
             "Do You Have a Budget Allocated?", length=255,
             picklist=("Yes", "No", "Pending")),
    custom_field("Why_are_you_looking_into_new_solutions__c", schema.PICKLIST,
             "Why are you looking into new solutions ?", length=255,
             picklist=REASONS),
)  # fmt: skip
_ALLOCATED = {"Approved": "Yes", "Planned": "Pending", "None": "No"}
_NEED_SHARE = {"cold": 0.1, "nurture": 0.3, "ready": 0.55, "recycled": 0.5, "converted": 0.7}
# HubSpot forms and the Salesforce campaign type each adds the lead to.
FORMS = (("Demo Request", "Content Download", 0.35), ("eBook Download", "Content Download", 0.75),
         ("Webinar Registration", "Webinar", 1.0))  # fmt: skip
_SOURCE_FORMS = {"Web": "Contact Us", "Content Download": "eBook Download",
                 "Webinar": "Webinar Registration", "Paid Ads": "Free Trial"}  # fmt: skip


class HubSpotWriter(LeadWriter):
    """Form submissions and email engagement as Tasks the HubSpot integration user logs."""

    lead_extra_columns: ClassVar[tuple[str, ...]] = tuple(f.name for f in LEAD_FIELDS)

    def answers(self, prospect: Prospect, plan: Plan) -> Row:
        r = self.rng.random
        self.score = 0
        self.conversion: tuple[int, str] | None = None
        self.engaged = False
        budgets = BUDGET[plan.archetype]
        allocated = _ALLOCATED.get(budgets[int(r() * len(budgets))])
        need = REASONS[int(r() * len(REASONS))] if r() < _NEED_SHARE[plan.archetype] else None
        self.answered = (allocated, need)
        return ()

    def _log(self, subject: str, t: int, points: int) -> None:
        if t <= self.now:
            self.task(subject, "Email" if "email" in subject else "Other", "Task", "Completed",
                      t, MARKETING_USER_ID)  # fmt: skip
            self.score += points
            self.engaged = True

    def marketing_email(self, kind: int, t: int) -> None:
        newsletter = self.newsletter_at(t).name
        if kind == K_MAIL_CLICK:
            self._log(f"Marketing email clicked: {newsletter}", t, 5)
        else:
            self._log(f"Marketing email opened: {newsletter}", t, 1)

    def web_visit(self, kind: int, t: int) -> None:
        if t <= self.now:  # page views stay in HubSpot; only the score moves
            self.score += 10 if kind == K_PRICING else (5 if kind == K_COMPARE else 1)

    def campaign_member(self, kind: int, t: int) -> Campaign | None:
        if kind != K_HANDRAISE:
            return super().campaign_member(kind, t)
        u = self.rng.random()
        form, ctype = next((f, c) for f, c, bound in FORMS if u < bound)
        campaign = self.member(ctype, t, responded=True, status="Responded")
        if campaign is not None:
            self._log(f"Form submission: {form}", t, 20)
            if t <= self.now and (self.conversion is None or t >= self.conversion[0]):
                self.conversion = (t, form)
        return campaign

    def footprint(self, prospect: Prospect, plan: Plan) -> Row:
        first_form = _SOURCE_FORMS.get(prospect.source)
        if first_form is not None:  # the form that created the contact, synced as a Task
            self._log(f"Form submission: {first_form}", plan.created, 20)
            if self.conversion is None:
                self.conversion = (plan.created, first_form)
        score = self.score + round(prospect.fit * 20)
        worked = any(kind in REP_KINDS for _, kind in plan.activity)
        hand_raise = self.conversion is not None and self.conversion[0] >= self.now - 30 * 86_400
        if plan.converted:
            stage = "Opportunity"
        elif worked:
            stage = "Sales Qualified Lead"
        elif score >= 60 or hand_raise:
            stage = "Marketing Qualified Lead"
        elif self.engaged or self.conversion is not None:
            stage = "Lead"
        else:
            stage = "Subscriber"
        at, form = self.conversion or (0, None)
        return (
            str(40_000_000 + int(self.lead_id[6:15], 36) % 9_000_000),
            float(score),
            stage,
            form,
            self.clock.dt(at) if at else None,
            *self.answered,
        )


PROFILE = OrgProfile(
    name="hubspot",
    summary="HubSpot's Salesforce integration: HubSpot score, lifecycle stage, recent "
    "conversion and form-question fields; form submissions and email engagement as Tasks",
    writer=HubSpotWriter,
    automation_user=("HubSpot", "Integration"),
    lead_fields=LEAD_FIELDS,
    drop_lead_fields=DEMO_LEAD_FIELDS,
    drop_objects=DEMO_OBJECTS,
)
