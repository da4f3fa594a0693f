"""
An org synced with Marketo Engage, with Marketo Sales Insight installed.

What such an org holds, from public documentation and real orgs' metadata:

- Fields Marketo's sync creates on Lead (prefix ``mkto71_``): Lead Score, Acquisition
  Program and Date, Original Source Type, inferred fields; as in real orgs' metadata, e.g.
  https://github.com/Gusto/sfdc/blob/48f10460a80d2e0138c99641d08848443e45a91d/force-app/main/default/objects/Lead/fields/mkto71_Lead_Score__c.field-meta.xml
  and mkto71_Acquisition_Program__c beside it.
- Marketo Sales Insight's fields (namespace ``mkto_si``): Last Interesting Moment Date, Desc,
  Type and Source, Relative Score, e.g.
  https://github.com/shuhuisong/salesforceTest/blob/7b1a40fcc3868b8ec123963a3e4233b692ef3c67/force-app/main/default/objects/Lead/fields/mkto_si__Last_Interesting_Moment_Desc__c.field-meta.xml
- Smart campaigns' Salesforce flow steps "Create Task", "Add to SFDC Campaign" and "Change
  Status in SFDC Campaign"
  (https://experienceleague.adobe.com/docs/marketo/using/product-docs/crm-sync/salesforce-sync/implied-salesforce-actions.html):
  here they log form fills, email opens and clicks and key page visits as completed Tasks
  named like Marketo's activity filters ("Filled Out Form", "Opened Email", "Clicked Link in
  Email", "Visited Web Page": https://www.marketingrockstarguides.com/author/jdhill/page/35;
  Marketo's own activity types "Fill Out Form", "Open Email", "Click Email", "Visit Webpage":
  https://gist.github.com/cougrimes/60dcf957ebbd8c854110cca276a5b6ec), created by the
  dedicated Marketo sync user.
- Qualification fields an admin added with other names than the demo org's: Budget Status
  and Purchase Timeline (picklists), so a mapping must be found by label and values.
"""

from __future__ import annotations

from typing import ClassVar

from sfsync.sandbox import schema
from sfsync.sandbox.profiles.base import DEMO_LEAD_FIELDS, DEMO_OBJECTS, OrgProfile, custom_field
from sfsync.sandbox.profiles.demo import BUDGET, TIMEFRAME
from sfsync.sandbox.profiles.intent import (
    K_COMPARE,
    K_HANDRAISE,
    K_MAIL_CLICK,
    K_PRICING,
    Plan,
    Prospect,
)
from sfsync.sandbox.profiles.rows import LeadWriter
from sfsync.sandbox.profiles.timeline import Campaign, Row, campaigns_with
from sfsync.sandbox.profiles.users import MARKETING_USER_ID

BUDGET_STATUSES = ("Approved", "Pending Approval", "No Budget", "Unknown")
TIMELINES = ("Immediately", "1-3 Months", "3-6 Months", "6-12 Months", "12+ Months", "No Plans")
_S, _D = schema.STRING, schema.DATETIME
LEAD_FIELDS = (
    custom_field("mkto71_Lead_Score__c", schema.DOUBLE, "Lead Score", precision=10),
    custom_field("mkto71_Acquisition_Program__c", _S, "Acquisition Program", length=255),
    custom_field("mkto71_Acquisition_Date__c", _D, "Acquisition Date"),
    custom_field("mkto71_Original_Source_Type__c", _S, "Original Source Type", length=255),
    custom_field("mkto71_Inferred_Country__c", _S, "Inferred Country", length=255),
    custom_field("mkto_si__Last_Interesting_Moment_Date__c", _D, "Last Interesting Moment Date",
                 read_only=True),
    custom_field("mkto_si__Last_Interesting_Moment_Desc__c", schema.TEXTAREA,
                 "Last Interesting Moment Desc", length=255, read_only=True),
    custom_field("mkto_si__Last_Interesting_Moment_Type__c", _S, "Last Interesting Moment Type",
                 length=100, read_only=True),
    custom_field("mkto_si__Last_Interesting_Moment_Source__c", _S,
                 "Last Interesting Moment Source", length=100, read_only=True),
    custom_field("mkto_si__Relative_Score_Value__c", schema.DOUBLE, "Relative Score Value",
                 precision=3, read_only=True),
    custom_field("Budget_Status__c", schema.PICKLIST, "Budget Status", length=255,
                 picklist=BUDGET_STATUSES),
    custom_field("Purchase_Timeline__c", schema.PICKLIST, "Purchase Timeline", length=255,
                 picklist=TIMELINES),
)  # fmt: skip
_BUDGET_STATUS = {"Approved": "Approved", "Planned": "Pending Approval", "None": "No Budget"}
_TIMELINE = {
    "0-3 months": "1-3 Months", "3-6 months": "3-6 Months", "6-12 months": "6-12 Months",
    "12+ months": "12+ Months", "Unknown": "No Plans",
}  # fmt: skip
# Marketo forms and the program (Salesforce campaign type) each one syncs to.
FORMS = (("Request a Demo", "Website", 0.4),
         ("Content Download: eBook", "Content Download", 0.75),
         ("Webinar Registration", "Webinar", 1.0))  # fmt: skip
# The form a lead's source implies: it filled it out when it became known.
SOURCE_FORMS = {"Web": "Contact Us", "Content Download": "Content Download: eBook",
                "Webinar": "Webinar Registration", "Paid Ads": "Free Trial"}  # fmt: skip
_ORIGINAL_SOURCE = {"Web": "Web form fillout", "Content Download": "Web form fillout",
                    "Webinar": "Web form fillout", "Paid Ads": "Web form fillout",
                    "Purchased List": "List import", "Trade Show": "List import"}  # fmt: skip


def org_campaigns(now_s: int) -> list[Campaign]:
    """The demo org's campaigns, plus the always-on demo-request program."""
    return campaigns_with(now_s, [("Request a Demo", "Website")])


class MarketoWriter(LeadWriter):
    """Interesting moments as Marketo-created Tasks; score and MSI fields on the Lead."""

    lead_extra_columns: ClassVar[tuple[str, ...]] = tuple(f.name for f in LEAD_FIELDS)
    evergreen_types: ClassVar[frozenset[str]] = LeadWriter.evergreen_types | {"Website"}

    def answers(self, prospect: Prospect, plan: Plan) -> Row:
        r = self.rng.random
        self.behaviour = 0
        self.moment: tuple[int, str, str] | None = None  # (at, description, type)
        self.program = ""
        budgets, frames = BUDGET[plan.archetype], TIMEFRAME[plan.archetype]
        budget = _BUDGET_STATUS.get(budgets[int(r() * len(budgets))])
        frame = _TIMELINE.get(frames[int(r() * len(frames))])
        if frame == "1-3 Months" and r() < 0.3:
            frame = "Immediately"
        self.answered = (budget, frame)
        return ()

    def _moment(self, t: int, points: int, description: str | None, kind: str) -> None:
        if t > self.now:
            return
        self.behaviour += points
        if description is not None and (self.moment is None or t >= self.moment[0]):
            self.moment = (t, description, kind)

    def _log(self, subject: str, t: int) -> None:
        if t <= self.now:
            self.task(subject, "Other", "Task", "Completed", t, MARKETING_USER_ID)

    def marketing_email(self, kind: int, t: int) -> None:
        newsletter = self.newsletter_at(t).name
        if kind == K_MAIL_CLICK:
            self._log(f"Clicked Link in Email: {newsletter}", t)
            self._moment(t, 3, f"Clicked Link in Email: {newsletter}", "Email")
        else:
            self._log(f"Opened Email: {newsletter}", t)
            self._moment(t, 1, None, "Email")

    def web_visit(self, kind: int, t: int) -> None:
        if kind == K_PRICING:
            self._log("Visited Web Page: Pricing", t)
            self._moment(t, 10, "Visited Web Page: Pricing", "Web")
        elif kind == K_COMPARE:
            self._log("Visited Web Page: Competitor Comparison", t)
            self._moment(t, 5, "Visited Web Page: Competitor Comparison", "Web")
        else:
            self._moment(t, 1, None, "Web")

    def campaign_member(self, kind: int, t: int) -> Campaign | None:
        if kind != K_HANDRAISE:
            campaign = super().campaign_member(kind, t)
            if kind < 0 and campaign is not None:
                self.program = campaign.name
            return campaign
        u = self.rng.random()
        form, ctype = next((f, c) for f, c, bound in FORMS if u < bound)
        campaign = self.member(ctype, t, responded=True, status="Responded")
        if campaign is not None:
            self._log(f"Filled Out Form: {form}", t)
            self._moment(t, 15, f"Filled Out Form: {form}", "Web")
        return campaign

    def footprint(self, prospect: Prospect, plan: Plan) -> Row:
        form = SOURCE_FORMS.get(prospect.source)
        if form is not None:  # the form that created the lead, logged like any other
            self._log(f"Filled Out Form: {form}", plan.created)
            self._moment(plan.created, 15, f"Filled Out Form: {form}", "Web")
        demographic = round(prospect.fit * 30)
        score = demographic + self.behaviour
        at, description, kind = self.moment or (0, None, None)
        dt = self.clock.dt
        source = _ORIGINAL_SOURCE.get(prospect.source, "Salesforce.com")
        return (
            float(score),
            self.program or None,
            dt(plan.created) if self.program else None,
            source,
            prospect.company.country or None,
            dt(at) if at else None,
            description,
            kind,
            "Marketo" if at else None,
            float(min(5, score // 20)) if score else None,
            *self.answered,
        )


PROFILE = OrgProfile(
    name="marketo",
    summary="Marketo Engage + Marketo Sales Insight: mkto71_/mkto_si__ fields, 'Filled Out "
    "Form' / 'Opened Email' Tasks by the Marketo Sync user, Budget Status / Purchase Timeline",
    writer=MarketoWriter,
    automation_user=("Marketo", "Sync"),
    lead_fields=LEAD_FIELDS,
    drop_lead_fields=DEMO_LEAD_FIELDS,
    drop_objects=DEMO_OBJECTS,
    campaign_types=("Website",),
    org_campaigns=org_campaigns,
)
