"""
The hidden intent model behind every sandbox org profile: who each lead is (a prospect with
latent fit and buying intent), which archetype that intent picks, and the lead's plan of
activity as (epoch seconds, kind) pairs. How a kind becomes rows differs by profile
(`rows.LeadWriter` and its subclasses); what a lead *does* does not, so each profile's
conversions depend on its own representation of the same signals.

Archetypes:

- ``cold``: little engagement (purchased lists, tyre-kickers), sometimes a few cold calls;
- ``nurture``: legitimate but not ready ("the invisible pipeline"), sporadic engagement;
- ``ready``: in market now, with a burst of recent pricing views, competitor research and
  hand-raises (content downloads, webinar registrations) in the last weeks;
- ``converted``: bought, after such a burst and several sales touches (IsConverted);
- ``recycled``: was engaged, got 6+ sales touches over 30+ days, did not convert, went quiet.

Some low-fit trade-show leads are real buyers that were not ready: called once or twice after
the show, silent for months, then back with a burst and a conversion (the articles' point).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sfsync.sandbox import schema
from sfsync.sandbox.profiles.people import (
    LEVEL_FIT,
    TARGET_SET,
    UNIVERSITIES,
    Company,
    company_pool,
    sigmoid,
    size_fit,
    table,
    title_table,
)
from sfsync.sandbox.profiles.timeline import DAY, HISTORY_DAYS, HOUR, Campaign, campaigns

LEAD_SOURCES = table([
    ("Web", 22), ("Content Download", 15), ("Webinar", 10), ("Trade Show", 12), ("Paid Ads", 9),
    ("Purchased List", 10), ("Partner Referral", 6), ("Phone Inquiry", 5), ("Other", 6),
    ("", 5),
])  # fmt: skip
SOURCE_INTENT = {
    "Purchased List": -0.6, "Phone Inquiry": 0.5, "Partner Referral": 0.4,
    "Content Download": 0.1, "Web": 0.1, "Webinar": 0.1, "Paid Ads": -0.1,
}  # fmt: skip
# The campaign a lead source implies, answered at the lead's creation.
SOURCE_CAMPAIGN = {"Webinar": "Webinar", "Content Download": "Content Download",
                    "Trade Show": "Trade Show", "Paid Ads": "Paid Ads"}  # fmt: skip

# Activity kinds.
(K_CALL, K_EMAIL, K_OPEN_TASK, K_OTHER_TASK, K_MEETING, K_MAIL_OPEN, K_MAIL_CLICK, K_WEB,
 K_PRICING, K_COMPARE, K_CM, K_HANDRAISE) = range(12)  # fmt: skip
REP_KINDS = frozenset((K_CALL, K_EMAIL, K_OPEN_TASK, K_OTHER_TASK, K_MEETING))

# Background activity (spread over the lead's life) per archetype.
BACKGROUND = {
    "cold": table([(K_MAIL_OPEN, 55), (K_MAIL_CLICK, 6), (K_WEB, 27), (K_PRICING, 1),
                    (K_COMPARE, 0.5), (K_CM, 10)]),
    "nurture": table([(K_MAIL_OPEN, 38), (K_MAIL_CLICK, 12), (K_WEB, 29), (K_PRICING, 3),
                       (K_COMPARE, 1), (K_CM, 17)]),
    "recycled": table([(K_MAIL_OPEN, 40), (K_MAIL_CLICK, 12), (K_WEB, 29), (K_PRICING, 2),
                        (K_COMPARE, 1), (K_CM, 16)]),
    "ready": table([(K_MAIL_OPEN, 30), (K_MAIL_CLICK, 14), (K_WEB, 35), (K_PRICING, 4),
                     (K_COMPARE, 2), (K_CM, 15)]),
    "converted": table([(K_MAIL_OPEN, 30), (K_MAIL_CLICK, 14), (K_WEB, 35), (K_PRICING, 4),
                         (K_COMPARE, 2), (K_CM, 15)]),
}  # fmt: skip
ARCHETYPE_WEIGHT = {"cold": 0.35, "nurture": 1.0, "recycled": 1.6, "ready": 1.8,
                     "converted": 1.8}  # fmt: skip

CM_TYPES = table([("Email", 35), ("Webinar", 20), ("Content Download", 14),
                    ("Content Syndication", 12), ("Paid Ads", 10), ("Trade Show", 9)])  # fmt: skip
RESPONSE_RATE = {"Email": 0.15, "Webinar": 0.5, "Content Download": 0.85,
                  "Content Syndication": 0.9, "Paid Ads": 0.85, "Trade Show": 0.6}  # fmt: skip
RESPONDED_STATUS = {
    "Email": ("Responded",), "Webinar": ("Registered", "Attended"),
    "Content Download": ("Responded",), "Content Syndication": ("Responded",),
    "Paid Ads": ("Responded",), "Trade Show": ("Attended", "Responded"),
}  # fmt: skip


TOUCH_KINDS = frozenset((K_CALL, K_EMAIL, K_MEETING))
COLD_CALL_SHARE = {"nurture": 0.5, "cold": 0.4}  # leads sales called a few times early on
OPEN_STATUSES = table([("Not Started", 70), ("In Progress", 18), ("Deferred", 7),
                         ("Waiting on someone else", 5)])  # fmt: skip

SALES_CREATED_SOURCES = frozenset(("Phone Inquiry", "Partner Referral", "Other"))
CAMPAIGN_TYPE_INDEX = {t: i for i, t in enumerate(schema.CAMPAIGN_TYPES)}


@dataclass(frozen=True, slots=True)
class Prospect:
    """What a lead is: its company, title and source, and the latent fit and intent."""

    company: Company
    title: str
    level: int
    source: str
    fit: float
    intent: float


@dataclass(slots=True)
class Plan:
    """One lead's archetype, key moments and activity as (epoch seconds, kind) pairs."""

    archetype: str
    created: int
    converted: int = 0  # epoch seconds; 0 when not converted
    activity: list[tuple[int, int]] = field(default_factory=list)
    weight: float = 0.0  # how much background activity the lead gets, before scaling


class Planner:
    """Draws prospects and their plans; holds every table so the per-lead loop stays lean."""

    def __init__(
        self,
        rng: random.Random,
        *,
        leads: int,
        now_s: int,
        org_campaigns: list[Campaign] | None = None,
    ) -> None:
        self.rng = rng
        self.now = now_s
        self.titles = title_table()
        self.pool = company_pool(rng, max(50, leads // 2))
        self.campaigns = org_campaigns if org_campaigns is not None else campaigns(now_s)
        self.by_type: dict[str, list[Campaign]] = {}
        for c in sorted(self.campaigns, key=lambda c: c.start):
            self.by_type.setdefault(c.type, []).append(c)
        self.trade_shows = [c for c in self.by_type["Trade Show"] if c.start < now_s - DAY]
        self.scale = 0.0  # background activity per unit of weight
        self.keep = 1.0  # share of the planned activity kept

    # -- profile and plan -------------------------------------------------------------------

    def draw_prospect(self) -> Prospect:
        """Draw the observable and latent profile of one lead."""
        r = self.rng.random
        pool = self.pool
        company = pool[int(r() * r() * len(pool))]  # a few companies have many leads
        title, level, function = self.titles[int(r() * len(self.titles))]
        source = LEAD_SOURCES[int(r() * len(LEAD_SOURCES))]
        if level == 1 and r() < 0.5:
            name = UNIVERSITIES[int(r() * len(UNIVERSITIES))]
            company = Company(name, "university.edu", "Education", 5000, 0.0, company.country)
        fit = (
            (0.35 if company.industry in TARGET_SET else 0.0)
            + size_fit(company.employees)
            + LEVEL_FIT[level]
            + (0.1 if function else 0.0)
        )
        intent = 3.5 * fit + SOURCE_INTENT.get(source, 0.0) + self.rng.gauss(0.0, 0.6)
        return Prospect(company, title, level, source, fit, intent)

    def plan(self, profile: Prospect) -> Plan:
        """Pick the lead's archetype and creation time, and plan its activity."""
        r = self.rng.random
        plan = Plan(self._archetype(profile), self._created(profile.source))
        late_buyer = False
        if plan.archetype == "late":
            plan.archetype, late_buyer = "converted", True
        if plan.archetype == "converted":
            self._plan_converted(plan, late_buyer=late_buyer)
        if plan.archetype == "recycled":
            self._plan_recycled(plan)
        if plan.archetype == "ready":
            self._plan_ready(plan)
        if plan.archetype in ("nurture", "cold") and r() < COLD_CALL_SHARE[plan.archetype]:
            end = min(self.now, plan.created + 21 * DAY)
            self._touches(plan, plan.created, end, 1 + int(r() * 3))
        if any(kind in REP_KINDS for _, kind in plan.activity):
            end = plan.converted or self.now
            if r() < 0.25:
                plan.activity.append((between(r, plan.created, end), K_OPEN_TASK))
            if r() < 0.1:
                plan.activity.append((between(r, plan.created, end), K_OTHER_TASK))
        campaign_type = SOURCE_CAMPAIGN.get(profile.source)
        if campaign_type is None and profile.source == "Other" and r() < 0.5:
            campaign_type = "Content Syndication"
        if campaign_type is not None:
            plan.activity.append((plan.created, -1 - CAMPAIGN_TYPE_INDEX[campaign_type]))
        if self.keep < 1.0:  # a quieter org than the intent model's own activity: thin it out
            plan.activity = [a for a in plan.activity if r() < self.keep]
        plan.weight = ARCHETYPE_WEIGHT[plan.archetype] * math.exp(self.rng.gauss(-0.5, 1.0))
        if profile.level == 1:
            plan.weight *= 0.6
        return plan

    def _archetype(self, profile: Prospect) -> str:
        """The archetype the latent intent picks; "late" is a low-fit trade-show buyer."""
        r = self.rng.random
        s = sigmoid(2.5 * (profile.intent - 2.6))
        student = profile.level == 1
        if profile.source == "Trade Show" and profile.fit < 0.45 and not student and r() < 0.2:
            return "late"
        p_conv = 0.0 if student else 0.48 * s
        u = r()
        for archetype, bound in (
            ("converted", p_conv),
            ("ready", p_conv + 0.14 * s + 0.015),
            ("recycled", p_conv + 0.28 * s + 0.045),
            ("nurture", p_conv + 0.28 * s + 0.40),
        ):
            if u < bound:
                return archetype
        return "cold"

    def _created(self, source: str) -> int:
        r = self.rng.random
        if source == "Trade Show" and self.trade_shows:
            show = self.trade_shows[int(r() * len(self.trade_shows))]
            return min(show.start + int(r() * 3 * DAY), self.now - HOUR)
        return self.now - HOUR - int(r() * HISTORY_DAYS * DAY)

    def _plan_converted(self, plan: Plan, *, late_buyer: bool) -> None:
        """A buyer: a burst, touches and meetings before converting (a late buyer: quiet first)."""
        r = self.rng.random
        created = plan.created
        # Most buyers convert within weeks; a late buyer comes back 5-12 months after the show.
        days = 150 + r() * 200 if late_buyer else 3 + r() * r() * 110
        converted = created + int(days * DAY)
        if converted > self.now - HOUR:  # still buying: in market now
            plan.archetype = "ready"
            return
        plan.converted = converted
        self._buying_burst(plan, max(created, converted - 40 * DAY), converted)
        self._touches(plan, max(created, converted - 45 * DAY), converted, 3 + int(r() * 7))
        for _ in range(1 + int(r() * 2)):
            start = between(r, max(created, converted - 20 * DAY), converted)
            plan.activity.append((start, K_MEETING))
        if late_buyer:  # sales called after the show, heard "not now", and gave up
            self._touches(plan, created, min(created + 14 * DAY, converted), 1 + int(r() * 3))

    def _plan_recycled(self, plan: Plan) -> None:
        """Engaged, then 6-10 sales touches over 30+ days, no conversion, quiet since."""
        r = self.rng.random
        span = (30 + int(r() * 45)) * DAY
        latest = self.now - span - 30 * DAY
        if latest <= plan.created:
            plan.archetype = "nurture"
            return
        start = between(r, plan.created, latest)
        self._buying_burst(plan, max(plan.created, start - 10 * DAY), start)
        plan.activity.append((start + HOUR * (2 + int(r() * 20)), K_CALL))
        plan.activity.append((start + span, K_EMAIL))
        self._touches(plan, start, start + span, 4 + int(r() * 5))
        if r() < 0.4:
            plan.activity.append((between(r, start, start + span), K_MEETING))

    def _plan_ready(self, plan: Plan) -> None:
        """In market now: a burst in the last 30 days; sales may or may not have noticed."""
        r = self.rng.random
        lo = max(plan.created, self.now - 30 * DAY)
        self._buying_burst(plan, lo, self.now)
        if r() < 0.6:
            self._touches(plan, between(r, lo, self.now), self.now, int(r() * 4))
            if r() < 0.3:  # a demo booked for next week
                plan.activity.append((self.now + DAY + int(r() * 6 * DAY), K_MEETING))

    def _buying_burst(self, plan: Plan, lo: int, hi: int) -> None:
        r = self.rng.random
        acts = plan.activity
        if r() < 0.8:
            acts.append((between(r, lo, hi), K_HANDRAISE))
        for _ in range(int(0.6 + r() * 3)):  # most buyers look at pricing, not all
            acts.append((between(r, lo, hi), K_PRICING))
        for _ in range(int(r() * 4)):
            acts.append((between(r, lo, hi), K_WEB))
        for _ in range(int(r() * 2.5)):
            acts.append((between(r, lo, hi), K_COMPARE))
        for _ in range(int(r() * 3)):
            acts.append((between(r, lo, hi), K_MAIL_CLICK))

    def _touches(self, plan: Plan, lo: int, hi: int, k: int) -> None:
        r = self.rng.random
        for _ in range(k):
            plan.activity.append((between(r, lo, hi), K_CALL if r() < 0.55 else K_EMAIL))

    def add_background(self, plan: Plan) -> None:
        r = self.rng.random
        table = BACKGROUND[plan.archetype]
        lo = max(plan.created, self.now - 380 * DAY)
        hi = plan.converted or self.now
        for _ in range(round_randomly(r, self.scale * plan.weight)):
            plan.activity.append((between(r, lo, hi), table[int(r() * len(table))]))

    # -- rows -------------------------------------------------------------------------------


def between(r: Callable[[], float], lo: int, hi: int) -> int:
    return lo + int(r() * (hi - lo)) if hi > lo else lo


def round_randomly(r: Callable[[], float], x: float) -> int:
    """Round *x* up or down at random so the expected value is exactly *x*."""
    whole = int(x)
    return whole + (1 if r() < x - whole else 0)


def workday(t: int, r: Callable[[], float], floor: int, ceiling: int) -> int:
    """Move *t* into US business hours (13:00-22:00 UTC) on a weekday, within the bounds."""
    day = t // DAY
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    if weekday >= 5:
        day -= weekday - 4
    return max(floor, min(ceiling, day * DAY + 13 * HOUR + int(r() * 9 * HOUR)))


def calibrate(gen: Planner, seed: int, activities_per_lead: float) -> tuple[float, float]:
    """
    Return the (keep, scale) that make the average activity per lead *activities_per_lead*.

    Plans a fixed sample of leads with a separate random stream (same pool and campaigns) and
    measures the planned activity and the background weight. Below the planned activity's own
    average (about 3.5 per lead) the plans are thinned and there is no background activity.
    """
    sample = 3_000
    saved = gen.rng
    gen.rng = random.Random(f"calibrate-{seed}")
    planned, weight = 0, 0.0
    for _ in range(sample):
        plan = gen.plan(gen.draw_prospect())
        planned += len(plan.activity)
        weight += plan.weight
    gen.rng = saved
    # A small share of planned activity is dropped (every campaign of a type already used).
    wanted = activities_per_lead * sample / 0.995
    if wanted < planned:
        return wanted / planned, 0.0
    return 1.0, (wanted - planned) / max(weight, 1.0)
