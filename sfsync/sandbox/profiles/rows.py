"""
Turning a lead's plan (`intent.Plan`) into rows, the demo org's way: a Lead, its reps' Tasks
and Events, campaign memberships, Marketing Automation's "Email Opened: ..." Tasks and
Web_Activity__c visits. Each org profile subclasses `LeadWriter` and overrides the hooks
(`answers`, `footprint`, `campaign_member`, `marketing_email`, `web_visit`) to write the same
behaviour the way an org with its setup records it.

Rows follow the storage contract in `sandbox.schema`: values as Salesforce serialises them.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar

from sfsync.sandbox import schema
from sfsync.sandbox.ids import make_id
from sfsync.sandbox.profiles.intent import (
    CM_TYPES,
    K_CALL,
    K_CM,
    K_COMPARE,
    K_EMAIL,
    K_HANDRAISE,
    K_MAIL_CLICK,
    K_MAIL_OPEN,
    K_MEETING,
    K_OPEN_TASK,
    K_PRICING,
    OPEN_STATUSES,
    REP_KINDS,
    RESPONDED_STATUS,
    RESPONSE_RATE,
    SALES_CREATED_SOURCES,
    TOUCH_KINDS,
    Plan,
    Planner,
    Prospect,
    workday,
)
from sfsync.sandbox.profiles.people import FIRST_NAMES, LAST_NAMES, email_address
from sfsync.sandbox.profiles.timeline import DAY, EVERGREEN, HOUR, Campaign, Clock, Row
from sfsync.sandbox.profiles.users import (
    INACTIVE_REP_ID,
    INACTIVE_SINCE_DAYS,
    MARKETING_USER_ID,
    REP_IDS,
)

DELETE_SHARE = 0.0115  # of Tasks, Events and web visits; ~1% of all activity rows

SITE = "https://www.example.com"
WEB_PAGES = tuple(SITE + p for p in (
    "/", "/", "/product/lead-scoring", "/product/integrations", "/product/reporting",
    "/product/salesforce", "/blog/what-is-a-qualified-lead", "/blog/bant-is-not-dead",
    "/blog/the-invisible-pipeline", "/blog/sales-and-marketing-alignment",
    "/blog/how-many-touches", "/customers", "/customers/northwind", "/about", "/careers",
    "/docs/getting-started", "/resources/ebook-lead-definition", "/contact",
))  # fmt: skip
PRICING_PAGES = tuple(SITE + p for p in ("/pricing", "/pricing", "/pricing/enterprise",
                                         "/pricing/teams", "/pricing/faq"))  # fmt: skip
COMPARE_PAGES = tuple(SITE + p for p in ("/compare/acme", "/compare/globex", "/vs-acme",
                                         "/vs-initech"))  # fmt: skip
CALL_SUBJECTS = ("Call: discovery", "Call: left voicemail", "Call: connected",
                 "Call: follow-up", "Call: qualification", "Call: no answer")  # fmt: skip
EMAIL_SUBJECTS = ("Follow-up email", "Email: intro", "Email: pricing information",
                  "Email: case study", "Re: your demo request", "Email: checking in")  # fmt: skip
OPEN_SUBJECTS = ("Follow-up call", "Call back", "Send proposal", "Follow-up email")
OTHER_SUBJECTS = ("Research account", "Update lead details", "LinkedIn connect")
MEETING_SUBJECTS = ("Meeting: demo", "Meeting: demo", "Meeting: discovery",
                    "Meeting: pricing review", "Meeting: technical deep dive")  # fmt: skip

AUDIT_COLUMNS = ("IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                 "LastModifiedById", "SystemModstamp")  # fmt: skip
LEAD_HEAD = ("Id", "FirstName", "LastName", "Name", "Company", "Title", "Email", "Industry",
             "NumberOfEmployees", "AnnualRevenue", "Country", "LeadSource", "Status", "OwnerId",
             "IsConverted", "ConvertedDate")  # fmt: skip
LEAD_TAIL = ("SFS_Needs_Follow_Up__c", *AUDIT_COLUMNS)
TASK_COLUMNS = ("Id", "WhoId", "Subject", "Type", "TaskSubtype", "Status", "ActivityDate",
                "OwnerId", *AUDIT_COLUMNS)  # fmt: skip
EVENT_COLUMNS = ("Id", "WhoId", "Subject", "Type", "StartDateTime", "EndDateTime", "OwnerId",
                 *AUDIT_COLUMNS)  # fmt: skip
CM_COLUMNS = ("Id", "CampaignId", "LeadId", "Status", "HasResponded", "FirstRespondedDate",
              *AUDIT_COLUMNS)  # fmt: skip
WEB_COLUMNS = ("Id", "Name", "Lead__c", "Url__c", "Visited_At__c", *AUDIT_COLUMNS)


class LeadWriter:
    """Draws each lead's rows from its plan; the demo org's representation of every kind."""

    lead_extra_columns: ClassVar[tuple[str, ...]] = ()
    """Lead columns a profile adds, in the order `answers()` + `footprint()` return them."""
    activity_columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "Task": TASK_COLUMNS,
        "Event": EVENT_COLUMNS,
        "CampaignMember": CM_COLUMNS,
    }
    """The activity tables this profile writes, with their columns."""
    evergreen_types: ClassVar[frozenset[str]] = frozenset(EVERGREEN)
    """Campaign types whose campaigns run all year (any of them may get a member)."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self.rng = planner.rng
        self.now = planner.now
        self.clock = Clock(planner.now)
        self.by_type = planner.by_type
        self.starts = {t: [c.start for c in cs] for t, cs in self.by_type.items()}
        self.newsletters = [c for c in self.by_type["Email"] if c.name.startswith("Newsletter")]
        self.newsletter_starts = [c.start for c in self.newsletters]
        self.out: dict[str, list[Row]] = {t: [] for t in self.columns()}
        self.counters = dict.fromkeys(self.activity_columns, 0)
        self.deleted = 0
        # The lead being written.
        self.lead_id = ""
        self.lead_created = 0
        self.used: set[str] = set()

    @classmethod
    def columns(cls) -> dict[str, tuple[str, ...]]:
        """Every table this writer fills, with its columns."""
        lead = (*LEAD_HEAD, *cls.lead_extra_columns, *LEAD_TAIL)
        return {"Lead": lead, **cls.activity_columns}

    # -- hooks ------------------------------------------------------------------------------

    def answers(self, prospect: Prospect, plan: Plan) -> Row:
        """Lead values drawn before the activity (what the lead told us), in column order."""
        return ()

    def footprint(self, prospect: Prospect, plan: Plan) -> Row:
        """Lead values a package computed from the activity just written, in column order."""
        return ()

    def marketing_email(self, kind: int, t: int) -> None:
        """A newsletter opened or clicked: Marketing Automation logs a completed Task."""
        r = self.rng.random
        campaign = self.newsletter_at(t)
        verb = "Email Opened: " if kind == K_MAIL_OPEN else "Email Clicked: "
        subtype = "ListEmail" if r() < 0.7 else "Email"
        self.task(verb + campaign.name, "Email", subtype, "Completed", t, MARKETING_USER_ID)

    def web_visit(self, kind: int, t: int) -> None:
        """A page view: the website's tracking writes a Web_Activity__c record."""
        r = self.rng.random
        pages = WEB_PAGES
        if kind == K_PRICING:
            pages = PRICING_PAGES
        elif kind == K_COMPARE:
            pages = COMPARE_PAGES
        url = pages[int(r() * len(pages))]
        n = self.counters["Web_Activity__c"] = self.counters["Web_Activity__c"] + 1
        self.out["Web_Activity__c"].append((make_id("a0W", n), f"WA-{n:08d}", self.lead_id, url,
                                            self.clock.dt(t),
                                            *self.audit(t, MARKETING_USER_ID)))  # fmt: skip

    def campaign_member(self, kind: int, t: int) -> Campaign | None:
        """A campaign membership (a hand-raise, another campaign, or the lead's source)."""
        r = self.rng.random
        if kind == K_HANDRAISE:
            ctype, responded = ("Content Download" if r() < 0.6 else "Webinar"), True
        elif kind == K_CM:
            ctype = CM_TYPES[int(r() * len(CM_TYPES))]
            responded = r() < RESPONSE_RATE[ctype]
        else:  # the campaign the lead came from
            ctype, responded = schema.CAMPAIGN_TYPES[-1 - kind], True
        return self.member(ctype, t, responded=responded)

    # -- the lead ---------------------------------------------------------------------------

    def lead(self, number: int) -> None:
        """Generate lead *number* (1-based) and its activity into `self.out`."""
        r = self.rng.random
        planner = self.planner
        prospect = planner.draw_prospect()
        plan = planner.plan(prospect)
        planner.add_background(plan)
        company, archetype = prospect.company, plan.archetype
        self.lead_id = lead_id = make_id("00Q", number)
        self.lead_created = plan.created
        self.used = set()
        first = FIRST_NAMES[int(r() * len(FIRST_NAMES))]
        last = LAST_NAMES[int(r() * len(LAST_NAMES))]
        owner = REP_IDS[int(r() * 7)] if r() < 0.96 else INACTIVE_REP_ID
        email = email_address(r, first, last, company.domain)
        industry = company.industry if r() >= 0.08 else None
        employees = company.employees if r() >= 0.10 else None
        revenue = company.revenue if r() >= 0.12 and company.revenue else None
        answers = self.answers(prospect, plan)
        creator = owner if prospect.source in SALES_CREATED_SOURCES else MARKETING_USER_ID
        if creator == INACTIVE_REP_ID:
            creator = REP_IDS[0]

        last_touch, toucher = self.activity_rows(plan, owner)
        if plan.converted:
            status, modified, modifier = "Closed - Converted", plan.converted, toucher
        elif last_touch:
            closed = archetype in ("recycled", "cold") and r() < 0.3
            status = "Closed - Not Converted" if closed else "Working - Contacted"
            modified, modifier = last_touch, toucher
        else:
            status, modified, modifier = "Open - Not Contacted", plan.created, creator
        dt, m = self.clock.dt, self.clock.dt(modified)
        self.out["Lead"].append((
            lead_id, first, last, f"{first} {last}", company.name, prospect.title or None, email,
            industry, employees, revenue, company.country or None, prospect.source or None,
            status, owner, int(bool(plan.converted)),
            self.clock.date(plan.converted) if plan.converted else None,
            *answers, *self.footprint(prospect, plan), 0,
            0, dt(plan.created), creator, m, modifier, m,
        ))  # fmt: skip

    def activity_rows(self, plan: Plan, owner: str) -> tuple[int, str]:
        """Write the plan's activity rows; return the last sales touch (0 if none) and its rep."""
        r = self.rng.random
        now = self.now
        deactivated = now - INACTIVE_SINCE_DAYS * DAY
        ceiling = plan.converted or now
        last_touch, toucher = 0, owner
        for planned, kind in plan.activity:
            if kind < 0 or kind in (K_CM, K_HANDRAISE):
                self.campaign_member(kind, planned)
            elif kind in REP_KINDS:
                # Leads of a rep who left are covered by the first rep from then on.
                rep = owner if owner != INACTIVE_REP_ID or planned < deactivated else REP_IDS[0]
                t = workday(planned, r, plan.created, max(planned, ceiling))
                if kind in TOUCH_KINDS and last_touch < t <= now:
                    last_touch, toucher = t, rep
                if kind == K_MEETING:
                    self.meeting(t, rep)
                else:
                    self.rep_task(kind, t, rep)
            elif kind in (K_MAIL_OPEN, K_MAIL_CLICK):
                self.marketing_email(kind, planned)
            else:
                self.web_visit(kind, planned)
        return last_touch, toucher

    # -- rows every profile writes the same way ---------------------------------------------

    def meeting(self, t: int, rep: str) -> None:
        """A meeting with a rep (an Event booked up to a week before)."""
        r = self.rng.random
        dt = self.clock.dt
        booked = max(self.lead_created, min(self.now, t) - int(r() * 7 * DAY) - HOUR)
        subject = MEETING_SUBJECTS[int(r() * len(MEETING_SUBJECTS))]
        end = t + (HOUR if r() < 0.6 else HOUR // 2)
        n = self.counters["Event"] = self.counters["Event"] + 1
        self.out["Event"].append((make_id("00U", n), self.lead_id, subject, "Meeting", dt(t),
                                  dt(end), rep, *self.audit(booked, rep)))  # fmt: skip

    def rep_task(self, kind: int, t: int, rep: str) -> None:
        """A rep's call, email, open follow-up or other task."""
        r = self.rng.random
        day = self.clock.date(t)
        if kind == K_CALL:
            subject = CALL_SUBJECTS[int(r() * len(CALL_SUBJECTS))]
            values: Row = (subject, "Call", "Call", "Completed", day)
        elif kind == K_EMAIL:
            subject = EMAIL_SUBJECTS[int(r() * len(EMAIL_SUBJECTS))]
            values = (subject, "Email", "Email", "Completed", day)
        elif kind == K_OPEN_TASK:
            subject = OPEN_SUBJECTS[int(r() * len(OPEN_SUBJECTS))]
            call = "all" in subject  # "Follow-up call", "Call back"
            status = OPEN_STATUSES[int(r() * len(OPEN_STATUSES))]
            due = self.clock.date(t + int(r() * 10 * DAY))
            values = (subject, "Call" if call else "Email", "Call" if call else "Task", status, due)
        else:
            subject = OTHER_SUBJECTS[int(r() * len(OTHER_SUBJECTS))]
            values = (subject, "Other", "Task", "Completed", day)
        n = self.counters["Task"] = self.counters["Task"] + 1
        self.out["Task"].append((make_id("00T", n), self.lead_id, *values, rep,
                                 *self.audit(t, rep)))  # fmt: skip

    def task(
        self, subject: str, task_type: str | None, subtype: str, status: str, t: int, user: str
    ) -> None:
        """A Task logged by *user* (a package's integration user) at *t*."""
        n = self.counters["Task"] = self.counters["Task"] + 1
        self.out["Task"].append((make_id("00T", n), self.lead_id, subject, task_type, subtype,
                                 status, self.clock.date(min(t, self.now)), user,
                                 *self.audit(t, user)))  # fmt: skip

    def audit(self, t: int, user: str) -> Row:
        """IsDeleted and the audit fields of an activity row created at *t* by *user*."""
        r = self.rng.random
        t = min(t, self.now)
        created = self.clock.dt(t)
        if r() < DELETE_SHARE:  # in the recycle bin: the deletion bumped the modstamp
            self.deleted += 1
            gone = self.clock.dt(t + int(r() * (self.now - t)))
            return (1, created, user, gone, user, gone)
        return (0, created, user, created, user, created)

    def newsletter_at(self, t: int) -> Campaign:
        """The newsletter sent last before *t* (sometimes the one before)."""
        r = self.rng.random
        i = bisect_right(self.newsletter_starts, t) - 1
        if i > 0 and r() < 0.3:
            i -= 1
        return self.newsletters[max(i, 0)]

    def member(
        self,
        ctype: str,
        t: int,
        *,
        responded: bool,
        status: str | None = None,
        named: str | None = None,
    ) -> Campaign | None:
        """
        One CampaignMember row of a *ctype* campaign (the one *named*, if given) at *t*;
        None when none is left.
        """
        r = self.rng.random
        if named is None:
            campaign = self.pick_campaign(ctype, t)
        else:
            campaign = next((c for c in self.by_type[ctype] if c.name == named), None)
        if campaign is None or campaign.id in self.used:
            return None
        self.used.add(campaign.id)
        if not responded:
            status, added = "Sent", t
        else:
            if status is None:
                statuses = RESPONDED_STATUS[ctype]
                status = statuses[int(r() * len(statuses))]
            # An email's member is added when it is sent and responds when clicked.
            if ctype == "Email":
                added = max(self.lead_created, campaign.start, t - int(r() * 3 * DAY))
            else:
                added = t
        n = self.counters["CampaignMember"] = self.counters["CampaignMember"] + 1
        created = self.clock.dt(min(added, self.now))
        modified = self.clock.dt(min(t, self.now))
        self.out["CampaignMember"].append((
            make_id("00v", n), campaign.id, self.lead_id, status, int(responded),
            self.clock.date(t) if responded else None, 0, created, MARKETING_USER_ID, modified,
            MARKETING_USER_ID, modified,
        ))  # fmt: skip
        return campaign

    def pick_campaign(self, ctype: str, t: int) -> Campaign | None:
        """The latest campaign of *ctype* started by *t* (sometimes an older one), not yet used."""
        r = self.rng.random
        campaigns = self.by_type[ctype]
        if ctype in self.evergreen_types:
            i = int(r() * len(campaigns))
        else:
            i = max(0, bisect_right(self.starts[ctype], t) - 1 - (1 if r() < 0.25 else 0))
        for j in range(len(campaigns)):
            c = campaigns[(i - j) % len(campaigns)]
            if c.id not in self.used and c.start <= t:
                return c
        return None
