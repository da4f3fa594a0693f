"""
An org running Salesforce's Account Engagement (formerly Pardot) through its connector.

What such an org holds, from public documentation and real orgs' metadata:

- Lead fields of the managed package (namespace ``pi``), synced from the prospect and
  read-only in Salesforce: score, grade, first/last activity, conversion date, object name and
  type (the form, form handler or landing page that made the visitor a known prospect), the
  first-touch campaign and URL, UTM parameters, hard bounce. API names and types as in a real
  org's metadata, e.g.
  https://github.com/deepakbuena/sample/blob/d0432aa0f23ab3f0696120ac01f40ac5c03dcb84/force-app/main/default/objects/Lead/fields/pi__score__c.field-meta.xml
  (pi__grade__c, pi__last_activity__c, pi__conversion_object_type__c, ... beside it); labels
  as https://help.salesforce.com/apex/HTViewHelpDoc?id=mktg.pardot_default_prospect_field_mapping.htm
  names them ("Account Engagement Score", "Account Engagement Grade", ...).
- The default scoring system: +1 a page view, +50 a form, form handler or landing page
  submission, +3 a custom redirect click, 0 an email open
  (https://help.salesforce.com/apex/HTViewHelpDoc?id=mktg.pardot_leadqual_scoring_baseline.htm);
  a page action adds points for a key page (here +20 for pricing). Email opens are passive:
  they do not update Last Activity
  (https://help.salesforce.com/s/articleView?id=000383604&type=1, Prospect Activity Glossary).
- Forms and form handlers add the prospect to a Salesforce campaign as a completion action
  ("Add prospect to Salesforce campaign", status Responded), so hand-raises show as campaign
  members created by the connector's integration user (B2BMA Integration).
- Page views, opens and clicks stay in Account Engagement (its Engagement History), not in
  Salesforce records: in the org they show only through score and last activity. Only
  emails become Salesforce activity
  (https://www.mikequill.com/pardot-consultant-certificate/01-salesforce-pardot-connector-implementation-guide/):
  each list email sent to the lead is a completed Task "Pardot List Email: <email>" by the
  connector user, as a real org's code filters them out of people's activity
  (https://github.com/PDMJediMaster/pdm-intelligence/blob/052b26a8e7a39ed9d046d4798d956c02edc1f0c9/src/services/healthScoring.ts).
  Here the monthly newsletter goes to most leads (an open or click implies it was sent);
  a send says nothing about the lead. No source gives the Task's Type: it is left empty.
"""

from __future__ import annotations

from typing import ClassVar

from sfsync.sandbox import schema
from sfsync.sandbox.profiles.base import DEMO_LEAD_FIELDS, DEMO_OBJECTS, OrgProfile, custom_field
from sfsync.sandbox.profiles.intent import (
    K_COMPARE,
    K_HANDRAISE,
    K_MAIL_CLICK,
    K_PRICING,
    Plan,
    Prospect,
)
from sfsync.sandbox.profiles.rows import SITE, LeadWriter
from sfsync.sandbox.profiles.timeline import Campaign, Row, campaigns_with
from sfsync.sandbox.profiles.users import MARKETING_USER_ID

_S, _D, _T = schema.STRING, schema.DATETIME, "Account Engagement"
LEAD_FIELDS = (
    custom_field("pi__score__c", schema.DOUBLE, f"{_T} Score", precision=18, read_only=True),
    custom_field("pi__grade__c", _S, f"{_T} Grade", length=10, read_only=True),
    custom_field("pi__last_activity__c", _D, f"{_T} Last Activity", read_only=True),
    custom_field("pi__first_activity__c", _D, f"{_T} First Activity", read_only=True),
    custom_field("pi__conversion_date__c", _D, f"{_T} Conversion Date", read_only=True),
    custom_field("pi__conversion_object_name__c", _S, f"{_T} Conversion Object Name",
                 length=255, read_only=True),
    custom_field("pi__conversion_object_type__c", _S, f"{_T} Conversion Object Type",
                 length=255, read_only=True),
    custom_field("pi__campaign__c", _S, f"{_T} Campaign", length=255, read_only=True),
    custom_field("pi__url__c", schema.URL, f"{_T} URL", length=255, read_only=True),
    custom_field("pi__first_touch_url__c", _S, f"{_T} First Referrer", length=255,
                 read_only=True),
    custom_field("pi__utm_source__c", _S, "Google Analytics Source", length=255),
    custom_field("pi__utm_medium__c", _S, "Google Analytics Medium", length=255),
    custom_field("pi__pardot_hard_bounced__c", schema.BOOLEAN, f"{_T} Hard Bounced",
                 read_only=True),
)  # fmt: skip

# Form handlers and forms whose completion action adds the prospect to a campaign.
FORM_HANDLERS = ("Form Handler: Request a Demo", "Form Handler: Contact Sales",
                 "Form: Start a Free Trial", "Form: Contact Us")  # fmt: skip
# The grade Account Engagement's profile matching gives, best first (A+ .. F).
GRADES = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F")
# The form, landing page or form handler a lead's source implies (its conversion).
CONVERSIONS = {
    "Web": ("Form", "Form: Contact Us"),
    "Content Download": ("Landing Page", "eBook Landing Page"),
    "Webinar": ("Form", "Webinar Registration"),
    "Paid Ads": ("Landing Page", "PPC Landing Page"),
}
LIST_EMAIL = "Pardot List Email: "
"""How the connector's Task for a list email sent to the lead begins (sources above)."""
ON_LIST = 0.85
"""Share of leads on the newsletter's recipient list (the rest opted out or were never added)."""
_SOURCES = {"Web": "website", "Content Download": "content", "Webinar": "webinar",
            "Paid Ads": "google", "Trade Show": "event", "Purchased List": "list"}  # fmt: skip


def org_campaigns(now_s: int) -> list[Campaign]:
    """The demo org's campaigns, plus one evergreen campaign per form handler."""
    return campaigns_with(now_s, [(name, "Website") for name in FORM_HANDLERS])


class AccountEngagementWriter(LeadWriter):
    """Hand-raises as form-handler campaign responses; everything else as score and dates."""

    lead_extra_columns: ClassVar[tuple[str, ...]] = tuple(f.name for f in LEAD_FIELDS)
    evergreen_types: ClassVar[frozenset[str]] = LeadWriter.evergreen_types | {"Website"}

    def answers(self, prospect: Prospect, plan: Plan) -> Row:
        # Account Engagement keeps its own tally per prospect, as the activity happens.
        self.score = 0
        self.first_activity = 0
        self.last_activity = 0
        self.conversion: tuple[str, str, int] | None = None
        self.first_campaign = ""
        self.engaged: set[str] = set()
        return ()

    def _active(self, t: int, points: int) -> None:
        if t > self.now:
            return
        self.score += points
        self.last_activity = max(self.last_activity, t)
        self.first_activity = min(self.first_activity or t, t)

    def marketing_email(self, kind: int, t: int) -> None:
        self.engaged.add(self.newsletter_at(t).name)  # so it was sent to the lead
        if kind == K_MAIL_CLICK:  # a tracked link click; an open scores 0 and is passive
            self._active(t, 3)

    def list_emails(self, plan: Plan) -> None:
        """The connector's Task for each newsletter sent to the lead while it was a lead."""
        on_list = self.rng.random() < ON_LIST
        until = min(self.now, plan.converted or self.now)
        for c in self.newsletters:
            if plan.created <= c.start <= until and (on_list or c.name in self.engaged):
                self.task(LIST_EMAIL + c.name, None, "Task", "Completed", c.start,
                          MARKETING_USER_ID)  # fmt: skip

    def web_visit(self, kind: int, t: int) -> None:
        self._active(t, 21 if kind == K_PRICING else (6 if kind == K_COMPARE else 1))

    def campaign_member(self, kind: int, t: int) -> Campaign | None:
        r = self.rng.random
        if kind != K_HANDRAISE:
            campaign = super().campaign_member(kind, t)
            if kind < 0 and campaign is not None:
                self.first_campaign = campaign.name
            return campaign
        u = r()
        if u < 0.45:
            ctype, object_type = "Website", "Form Handler"
        elif u < 0.8:
            ctype, object_type = "Content Download", "Landing Page"
        else:
            ctype, object_type = "Webinar", "Form"
        campaign = self.member(ctype, t, responded=True, status="Responded")
        if campaign is not None:
            self._active(t, 50)
            if self.conversion is None:
                self.conversion = (object_type, campaign.name, t)
        return campaign

    def footprint(self, prospect: Prospect, plan: Plan) -> Row:
        r = self.rng.random
        self.list_emails(plan)
        source = prospect.source
        implied = CONVERSIONS.get(source)
        if implied is not None and (self.conversion is None or self.conversion[2] > plan.created):
            self.conversion = (*implied, plan.created)
            self._active(plan.created, 50)
            if source == "Web":  # the contact form's completion action adds it to a campaign
                self.member(
                    "Website", plan.created, responded=True, status="Responded", named=implied[1]
                )
        grade = GRADES[max(0, min(len(GRADES) - 1, int((1.0 - prospect.fit) * 11 + r() * 2)))]
        dt = self.clock.dt
        kind, name, at = self.conversion or (None, None, 0)
        medium = _SOURCES.get(source)
        return (
            float(self.score),
            grade if self.score or self.conversion else None,
            dt(self.last_activity) if self.last_activity else None,
            dt(self.first_activity) if self.first_activity else None,
            dt(at) if at else None,
            name,
            kind,
            self.first_campaign or (name if name else None),
            f"https://pi.pardot.com/prospect/read?id={self.lead_id[3:15]}",
            f"{SITE}/" if implied is not None else None,
            medium,
            "cpc" if source == "Paid Ads" else ("web" if medium else None),
            int(r() < 0.01),
        )


PROFILE = OrgProfile(
    name="account-engagement",
    summary="Account Engagement (Pardot): pi__ score, grade, last activity and conversion "
    "fields; form handlers as campaign responses; 'Pardot List Email: ...' Tasks for sends",
    writer=AccountEngagementWriter,
    automation_user=("B2BMA", "Integration"),
    lead_fields=LEAD_FIELDS,
    drop_lead_fields=DEMO_LEAD_FIELDS,
    drop_objects=DEMO_OBJECTS,
    campaign_types=("Website",),
    org_campaigns=org_campaigns,
)
