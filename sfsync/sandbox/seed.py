"""
Demo data for the sandbox org (DESIGN §5): users, campaigns, leads and their activity.

The data follows a hidden intent model so that a good lead definition has something to find.
Every lead gets a latent buying propensity that grows with fit (industry, size, seniority) and
with its source, and that picks an archetype:

- ``cold``: little engagement (purchased lists, tyre-kickers), sometimes a few cold calls;
- ``nurture``: legitimate but not ready ("the invisible pipeline"), sporadic engagement;
- ``ready``: in market now, with a burst of recent pricing views, competitor research and
  hand-raises (content downloads, webinar registrations) in the last weeks;
- ``converted``: bought, after such a burst and several sales touches (IsConverted);
- ``recycled``: was engaged, got 6+ sales touches over 30+ days, did not convert, went quiet.

Some low-fit trade-show leads are real buyers that were not ready: called once or twice after
the show, silent for months, then back with a burst and a conversion (the articles' point).

Rows follow the storage contract in `schema`. Generation is deterministic for a given seed and
``now``, streams in chunks inside one transaction, and draws from precomputed tables so that
100,000 leads seed in well under a minute.
"""

from __future__ import annotations

import math
import random
import sqlite3
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TypeVar

import structlog

from sfsync.sandbox import schema

log = structlog.get_logger(__name__)

T = TypeVar("T")
Row = tuple[object, ...]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def make_id(prefix: str, n: int) -> str:
    """
    Return the *n*-th 18-character Salesforce-style Id with the 3-character key *prefix*.

    The 15-character body is the prefix, ``000`` and *n* in base 62; the 3-character suffix is
    Salesforce's case-safe checksum (one character per 5-character chunk, from the positions of
    its upper-case letters), so it passes the same checks as an Id the API returns.
    """
    if len(prefix) != 3 or not 0 <= n < 62**9:
        raise ValueError(f"cannot make an Id from prefix {prefix!r} and number {n}")
    digits = []
    for _ in range(9):
        n, d = divmod(n, 62)
        digits.append(_B62[d])
    body = prefix + "000" + "".join(reversed(digits))
    suffix = ""
    for start in (0, 5, 10):
        bits = 0
        for i, c in enumerate(body[start : start + 5]):
            if "A" <= c <= "Z":
                bits |= 1 << i
        suffix += _ID_SUFFIX[bits]
    return body + suffix


INTEGRATION_USER_ID = make_id("005", 1)
MARKETING_USER_ID = make_id("005", 2)

_REPS = (
    ("Sarah", "Chen", True),
    ("Marcus", "Johnson", True),
    ("Priya", "Patel", True),
    ("David", "Kim", True),
    ("Emily", "Rodriguez", True),
    ("James", "O'Brien", True),
    ("Olivia", "Schmidt", True),
    ("Tom", "Becker", False),  # left the company; still owns leads nobody reassigned
)
REP_IDS = tuple(make_id("005", 3 + i) for i in range(len(_REPS)))
_ACTIVE_REP_IDS = tuple(i for i, r in zip(REP_IDS, _REPS, strict=True) if r[2])
_INACTIVE_REP_ID = REP_IDS[-1]

DAY = 86_400
HOUR = 3_600
_INACTIVE_SINCE_DAYS = 120
_HISTORY_DAYS = 425  # leads were created over the past ~14 months
_CHUNK_LEADS = 2_000
_DELETE_SHARE = 0.0115  # of Tasks, Events and web visits; ~1% of all activity rows


@dataclass(frozen=True)
class SeedReport:
    """What `seed_org` wrote: row counts per object (deleted rows included) and the time taken."""

    leads: int
    tasks: int
    events: int
    campaign_members: int
    web_activities: int
    users: int
    campaigns: int
    deleted: int
    seconds: float


# --- choice tables --------------------------------------------------------------------------


def _table(weighted: Sequence[tuple[T, float]], size: int = 1_000) -> list[T]:
    """Expand (value, weight) pairs into a list where ``t[int(random() * len(t))]`` samples."""
    total = sum(w for _, w in weighted)
    out: list[T] = []
    for value, weight in weighted:
        out.extend([value] * max(1, round(weight / total * size)))
    return out


_FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Ashley", "Steven", "Emily", "Andrew", "Michelle", "Joshua", "Amanda",
    "Kevin", "Melissa", "Brian", "Stephanie", "Ryan", "Rebecca", "Jacob", "Laura", "Nicholas",
    "Amy", "Eric", "Anna", "Jonathan", "Rachel", "Samuel", "Hannah", "Benjamin", "Olivia", "Lukas",
    "Sophie", "Maximilian", "Lea", "Thomas", "Camille", "Hugo", "Chloe", "Arjun", "Priya", "Rahul",
    "Ananya", "Wei", "Mei", "Hiroshi", "Yuki", "Lucas", "Isabela", "Mateo", "Valentina", "Liam",
    "Chloe", "Noah", "Grace", "Oliver", "Emma", "Jack", "Charlotte", "Ahmed", "Fatima", "Carlos",
    "Sofia", "Aisha", "Omar", "Elena", "Ivan"
)  # fmt: skip
_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Mueller", "Schmidt", "Schneider", "Fischer",
    "Weber", "Dubois", "Moreau", "Laurent", "Bernard", "Sharma", "Gupta", "Singh", "Kumar",
    "Patel", "Chen", "Wang", "Li", "Zhang", "Tanaka", "Suzuki", "Sato", "Silva", "Santos",
    "Oliveira", "Costa", "Murphy", "Kelly", "O'Connor", "Walsh", "Jensen", "Larsen", "Novak",
    "Kowalski", "Rossi", "Russo", "Cohen", "Levi", "Ali", "Khan"
)  # fmt: skip

_FUNCTIONS = ("Marketing", "Sales", "IT", "Operations", "Finance", "Engineering", "Product",
              "HR", "Customer Success", "Procurement")  # fmt: skip
_BUYING_FUNCTIONS = frozenset((
    "Marketing", "Sales", "IT", "Operations", "Finance", "Engineering", "Revenue", "CFO", "CTO",
    "CIO", "COO", "CMO",
))  # fmt: skip

# Seniority codes: 0 blank, 1 student/intern/retired, 2 plain, 3 manager/lead, 4 director,
# 5 VP/head, 6 C-level/owner/founder/president.
_TITLES_BY_LEVEL: dict[int, list[str]] = {
    0: [""],
    1: ["Student", "Intern", "Marketing Intern", "Retired", "Graduate Student", "PhD Student"],
    2: ["Analyst", "Engineer", "Software Engineer", "Developer", "Accountant",
        "Marketing Specialist", "Sales Representative", "Account Executive", "Consultant",
        "Coordinator", "Administrator", "Designer", "Data Scientist", "Executive Assistant",
        "Sales Development Representative", "Customer Success Specialist"]
    + [f"{f} Analyst" for f in ("Marketing", "Sales", "Finance", "Operations", "IT")],
    3: ["Team Lead", "Project Manager", "Office Manager", "Product Manager"]
    + [f"{f} Manager" for f in _FUNCTIONS]
    + [f"Senior {f} Manager" for f in ("Marketing", "Sales", "IT")]
    + [f"{f} Lead" for f in ("Marketing", "Sales", "Operations", "Engineering")],
    4: [f"Director of {f}" for f in _FUNCTIONS]
    + [f"{f} Director" for f in ("Marketing", "Sales", "IT", "Finance")]
    + ["Senior Director, Sales", "Senior Director, Marketing Operations"],
    5: [f"VP of {f}" for f in _FUNCTIONS]
    + [f"Head of {f}" for f in _FUNCTIONS]
    + ["VP Sales", "SVP Sales", "Vice President, Marketing", "VP Revenue Operations"],
    6: ["CEO", "Chief Executive Officer", "Founder", "Co-Founder", "Founder & CEO", "Owner",
        "President", "CFO", "CTO", "CIO", "COO", "CMO", "Chief Revenue Officer",
        "Managing Director"],
}  # fmt: skip
_LEVEL_WEIGHTS = ((6, 10), (5, 12), (4, 15), (3, 24), (2, 29), (1, 3), (0, 7))
_LEVEL_FIT = (0.0, 0.0, 0.03, 0.10, 0.20, 0.25, 0.30)


def _has_buying_function(title: str) -> bool:
    words = title.replace(",", " ").split()
    return any(w in _BUYING_FUNCTIONS for w in words)


def _title_table() -> list[tuple[str, int, bool]]:
    weighted: list[tuple[tuple[str, int, bool], float]] = []
    for level, weight in _LEVEL_WEIGHTS:
        titles = _TITLES_BY_LEVEL[level]
        for title in titles:
            weighted.append(((title, level, _has_buying_function(title)), weight / len(titles)))
    return _table(weighted, 4_000)


_TARGET_INDUSTRIES = (("Software", 14), ("Technology", 12), ("Financial Services", 9),
                      ("Healthcare", 8), ("Manufacturing", 7))  # fmt: skip
_TARGET_SET = frozenset(i for i, _ in _TARGET_INDUSTRIES)
_COMMON_OTHER = {"Retail": 3, "Consulting": 3, "Education": 2.5, "Banking": 2,
                 "Insurance": 2, "Telecommunications": 2, "Media": 1.5, "Other": 2}  # fmt: skip


def _industry_table() -> list[str]:
    others = [i for i in schema.INDUSTRIES if i not in _TARGET_SET]
    weights = {i: _COMMON_OTHER.get(i, 1.0) for i in others}
    scale = 42 / sum(weights.values())  # the non-target share of all leads, in percent
    weighted = [*_TARGET_INDUSTRIES, *((i, w * scale) for i, w in weights.items())]
    return _table([(i, w / 0.92) for i, w in weighted], 2_000)  # blanks are applied per lead


_COUNTRIES = (
    ("United States", 50), ("USA", 4), ("US", 2), ("United Kingdom", 9), ("UK", 1),
    ("Germany", 6), ("France", 4), ("Canada", 6), ("Australia", 4), ("India", 5), ("Brazil", 3),
    ("Netherlands", 2), ("Spain", 1.5), ("Japan", 1), ("Singapore", 1), ("Ireland", 1),
    ("Sweden", 1), ("Mexico", 1), ("", 3),
)  # fmt: skip
_TLD = {"United Kingdom": ".co.uk", "UK": ".co.uk", "Germany": ".de", "France": ".fr",
        "Canada": ".ca", "Australia": ".com.au", "India": ".in", "Brazil": ".com.br",
        "Netherlands": ".nl", "Spain": ".es", "Japan": ".co.jp", "Singapore": ".sg",
        "Ireland": ".ie", "Sweden": ".se", "Mexico": ".mx"}  # fmt: skip
_LEGAL = {"United States": ("Inc.", "LLC", "Corp.", ""), "USA": ("Inc.", "LLC"), "US": ("Inc.",),
          "United Kingdom": ("Ltd", "plc", ""), "UK": ("Ltd",), "Germany": ("GmbH", "AG"),
          "France": ("SAS", "SA"), "Netherlands": ("B.V.",), "Spain": ("S.L.",),
          "Brazil": ("Ltda.",), "India": ("Pvt Ltd", ""), "Australia": ("Pty Ltd",)}  # fmt: skip
_NAME_A = (
    "Blue", "North", "Summit", "Apex", "Silver", "Bright", "Iron", "Green", "Pacific", "Atlas",
    "Nova", "Vertex", "Harbor", "Pioneer", "Cedar", "Granite", "Maple", "Falcon", "Lumen",
    "Quantum", "Crystal", "Horizon", "Eagle", "Oak", "River", "Stellar", "Copper", "Aurora",
    "Polar", "Sterling", "Crest", "Meridian", "Beacon", "Cobalt", "Evergreen"
)  # fmt: skip
_NAME_B = (
    "ridge", "stone", "wave", "field", "peak", "bridge", "point", "path", "lake", "forge", "line",
    "gate", "works", "view", "bay", "light", "mark", "core", "dale", "wood", "shore", "spring",
    "hill", "rock"
)  # fmt: skip
_DESCRIPTORS = {
    "Software": ("Software", "Labs", "Systems", "Cloud", "AI"),
    "Technology": ("Technologies", "Tech", "Digital", "Networks"),
    "Financial Services": ("Capital", "Financial", "Wealth Partners", "Payments"),
    "Banking": ("Bank", "Bancorp"),
    "Insurance": ("Insurance", "Mutual"),
    "Healthcare": ("Health", "Medical", "Care", "Clinics"),
    "Biotechnology": ("Bio", "Therapeutics", "Genomics"),
    "Manufacturing": ("Manufacturing", "Industries", "Components", "Precision"),
    "Retail": ("Retail", "Stores", "Outfitters", "Market"),
    "Consulting": ("Consulting", "Advisory", "Partners"),
    "Education": ("Academy", "Learning", "Education"),
    "Construction": ("Builders", "Construction"),
    "Energy": ("Energy", "Power", "Solar"),
    "Transportation": ("Logistics", "Freight", "Transport"),
    "Food & Beverage": ("Foods", "Brewing", "Kitchens"),
}
_DESCRIPTORS_DEFAULT = ("Group", "Solutions", "Co", "Partners", "Holdings", "Services")
_UNIVERSITIES = ("State University", "University of Lakeside", "Northfield College",
                 "Technical University", "City College", "Institute of Technology")  # fmt: skip
_FREE_MAIL = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com")

_LEAD_SOURCES = _table([
    ("Web", 22), ("Content Download", 15), ("Webinar", 10), ("Trade Show", 12), ("Paid Ads", 9),
    ("Purchased List", 10), ("Partner Referral", 6), ("Phone Inquiry", 5), ("Other", 6),
    ("", 5),
])  # fmt: skip
_SOURCE_INTENT = {
    "Purchased List": -0.6, "Phone Inquiry": 0.5, "Partner Referral": 0.4,
    "Content Download": 0.1, "Web": 0.1, "Webinar": 0.1, "Paid Ads": -0.1,
}  # fmt: skip
# The campaign a lead source implies, answered at the lead's creation.
_SOURCE_CAMPAIGN = {"Webinar": "Webinar", "Content Download": "Content Download",
                    "Trade Show": "Trade Show", "Paid Ads": "Paid Ads"}  # fmt: skip
_PAIN_POINTS = (
    "Leads fall through the cracks", "No visibility into lead quality",
    "Sales ignores marketing leads", "Manual lead routing", "Slow follow-up on inbound leads",
    "Poor CRM data quality", "Can't measure campaign ROI", "Spreadsheet-based forecasting",
    "Too many tools, no single view of the buyer", "Long sales cycle",
    "Reps waste time on unqualified leads", "No agreed definition of a qualified lead",
)  # fmt: skip

# Per archetype: Budget__c and Purchase_Timeframe__c tables.
_BUDGET = {
    "cold": _table([("Approved", 2), ("Planned", 8), ("None", 20), ("", 70)]),
    "nurture": _table([("Approved", 5), ("Planned", 20), ("None", 20), ("", 55)]),
    "ready": _table([("Approved", 25), ("Planned", 40), ("None", 10), ("", 25)]),
    "recycled": _table([("Approved", 10), ("Planned", 35), ("None", 20), ("", 35)]),
    "converted": _table([("Approved", 45), ("Planned", 35), ("None", 5), ("", 15)]),
}
_TIMEFRAME = {
    "cold": _table([("0-3 months", 2), ("3-6 months", 5), ("6-12 months", 8),
                    ("12+ months", 15), ("Unknown", 15), ("", 55)]),
    "nurture": _table([("0-3 months", 5), ("3-6 months", 12), ("6-12 months", 20),
                       ("12+ months", 15), ("Unknown", 13), ("", 35)]),
    "ready": _table([("0-3 months", 40), ("3-6 months", 25), ("6-12 months", 10),
                     ("12+ months", 3), ("Unknown", 7), ("", 15)]),
    "recycled": _table([("0-3 months", 15), ("3-6 months", 25), ("6-12 months", 20),
                        ("12+ months", 10), ("Unknown", 10), ("", 20)]),
    "converted": _table([("0-3 months", 50), ("3-6 months", 25), ("6-12 months", 8),
                         ("12+ months", 2), ("Unknown", 5), ("", 10)]),
}  # fmt: skip
_PAIN_SHARE = {"cold": 0.15, "nurture": 0.35, "ready": 0.6, "recycled": 0.6, "converted": 0.75}

# Activity kinds.
(K_CALL, K_EMAIL, K_OPEN_TASK, K_OTHER_TASK, K_MEETING, K_MAIL_OPEN, K_MAIL_CLICK, K_WEB,
 K_PRICING, K_COMPARE, K_CM, K_HANDRAISE) = range(12)  # fmt: skip
_REP_KINDS = frozenset((K_CALL, K_EMAIL, K_OPEN_TASK, K_OTHER_TASK, K_MEETING))

# Background activity (spread over the lead's life) per archetype.
_BACKGROUND = {
    "cold": _table([(K_MAIL_OPEN, 55), (K_MAIL_CLICK, 6), (K_WEB, 27), (K_PRICING, 1),
                    (K_COMPARE, 0.5), (K_CM, 10)]),
    "nurture": _table([(K_MAIL_OPEN, 38), (K_MAIL_CLICK, 12), (K_WEB, 29), (K_PRICING, 3),
                       (K_COMPARE, 1), (K_CM, 17)]),
    "recycled": _table([(K_MAIL_OPEN, 40), (K_MAIL_CLICK, 12), (K_WEB, 29), (K_PRICING, 2),
                        (K_COMPARE, 1), (K_CM, 16)]),
    "ready": _table([(K_MAIL_OPEN, 30), (K_MAIL_CLICK, 14), (K_WEB, 35), (K_PRICING, 4),
                     (K_COMPARE, 2), (K_CM, 15)]),
    "converted": _table([(K_MAIL_OPEN, 30), (K_MAIL_CLICK, 14), (K_WEB, 35), (K_PRICING, 4),
                         (K_COMPARE, 2), (K_CM, 15)]),
}  # fmt: skip
_ARCHETYPE_WEIGHT = {"cold": 0.35, "nurture": 1.0, "recycled": 1.6, "ready": 1.8,
                     "converted": 1.8}  # fmt: skip

_CM_TYPES = _table([("Email", 35), ("Webinar", 20), ("Content Download", 14),
                    ("Content Syndication", 12), ("Paid Ads", 10), ("Trade Show", 9)])  # fmt: skip
_RESPONSE_RATE = {"Email": 0.15, "Webinar": 0.5, "Content Download": 0.85,
                  "Content Syndication": 0.9, "Paid Ads": 0.85, "Trade Show": 0.6}  # fmt: skip
_RESPONDED_STATUS = {
    "Email": ("Responded",), "Webinar": ("Registered", "Attended"),
    "Content Download": ("Responded",), "Content Syndication": ("Responded",),
    "Paid Ads": ("Responded",), "Trade Show": ("Attended", "Responded"),
}  # fmt: skip

_SITE = "https://www.example.com"
_WEB_PAGES = tuple(_SITE + p for p in (
    "/", "/", "/product/lead-scoring", "/product/integrations", "/product/reporting",
    "/product/salesforce", "/blog/what-is-a-qualified-lead", "/blog/bant-is-not-dead",
    "/blog/the-invisible-pipeline", "/blog/sales-and-marketing-alignment",
    "/blog/how-many-touches", "/customers", "/customers/northwind", "/about", "/careers",
    "/docs/getting-started", "/resources/ebook-lead-definition", "/contact",
))  # fmt: skip
_PRICING_PAGES = tuple(_SITE + p for p in ("/pricing", "/pricing", "/pricing/enterprise",
                                           "/pricing/teams", "/pricing/faq"))  # fmt: skip
_COMPARE_PAGES = tuple(_SITE + p for p in ("/compare/acme", "/compare/globex", "/vs-acme",
                                           "/vs-initech"))  # fmt: skip
_CALL_SUBJECTS = ("Call: discovery", "Call: left voicemail", "Call: connected",
                  "Call: follow-up", "Call: qualification", "Call: no answer")  # fmt: skip
_EMAIL_SUBJECTS = ("Follow-up email", "Email: intro", "Email: pricing information",
                   "Email: case study", "Re: your demo request", "Email: checking in")  # fmt: skip
_OPEN_SUBJECTS = ("Follow-up call", "Call back", "Send proposal", "Follow-up email")
_OTHER_SUBJECTS = ("Research account", "Update lead details", "LinkedIn connect")
_MEETING_SUBJECTS = ("Meeting: demo", "Meeting: demo", "Meeting: discovery",
                     "Meeting: pricing review", "Meeting: technical deep dive")  # fmt: skip


# --- users and campaigns -------------------------------------------------------------------


def _user_rows(now_s: int) -> list[Row]:
    created = _fmt(now_s - 700 * DAY)
    people: list[tuple[str, str, str, bool]] = [
        (INTEGRATION_USER_ID, "sfsync", "Integration", True),
        (MARKETING_USER_ID, "Marketing", "Automation", True),
    ]
    people += [(uid, f, la, a) for uid, (f, la, a) in zip(REP_IDS, _REPS, strict=True)]
    rows: list[Row] = []
    for uid, first, last, active in people:
        slug = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        modified = created if active else _fmt(now_s - _INACTIVE_SINCE_DAYS * DAY)
        rows.append((uid, f"{first} {last}", first, last, f"{slug}@demo-org.example",
                     f"{slug}@demo-org.example", int(active), 0, created, INTEGRATION_USER_ID,
                     modified, INTEGRATION_USER_ID, modified))  # fmt: skip
    return rows


_USER_COLUMNS = ("Id", "Name", "FirstName", "LastName", "Username", "Email", "IsActive",
                 "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                 "LastModifiedById", "SystemModstamp")  # fmt: skip

_EVERGREEN = {
    "Content Download": ("eBook: The Invisible Pipeline", "Guide: Defining a Qualified Lead",
                         "Report: State of B2B Buying", "Checklist: Lead Handoff SLA",
                         "Template: Lead Scoring Model",
                         "Whitepaper: Follow-Up Cadences That Convert"),
    "Paid Ads": ("Google Ads - Brand", "Google Ads - Competitor Terms",
                 "LinkedIn Ads - ABM Retargeting", "Capterra PPC", "G2 Sponsored Listing"),
    "Content Syndication": ("TechTarget Syndication", "NetLine Program", "Madison Logic ABM",
                            "Integrate Demand Program"),
}  # fmt: skip
_WEBINARS = ("Webinar: Defining a Qualified Lead", "Webinar: Sales & Marketing Alignment",
             "Webinar: Lead Scoring That Sales Trusts", "Webinar: The Invisible Pipeline",
             "Webinar: BANT in Practice", "Webinar: Speed to Lead",
             "Webinar: Nurture Programs That Work", "Webinar: Product Tour & Live Q&A")  # fmt: skip
_TRADE_SHOWS = ("SaaStr Annual", "Dreamforce", "Web Summit", "HIMSS", "Money20/20",
                "Hannover Messe")  # fmt: skip
_NURTURE_TRACKS = ("Nurture: Getting Started Series", "Nurture: Fit But Not Ready",
                   "Nurture: Re-engagement")  # fmt: skip


@dataclass(frozen=True)
class _Campaign:
    id: str
    name: str
    type: str
    start: int  # epoch seconds


def _campaigns(now_s: int) -> list[_Campaign]:
    """Every campaign, dated relative to *now_s*; each type has one started before any lead."""
    first = now_s - (_HISTORY_DAYS + 10) * DAY
    specs: list[tuple[str, str, int]] = []
    for i, name in enumerate(_WEBINARS):
        specs.append((name, "Webinar", first + i * 58 * DAY))
    for i, name in enumerate(_TRADE_SHOWS):
        start = first + i * 80 * DAY
        specs.append((f"{name} {_year(start)}", "Trade Show", start))
    for ctype, names in _EVERGREEN.items():
        for i, name in enumerate(names):
            specs.append((name, ctype, first - (40 - 7 * i) * DAY))
    month = datetime.fromtimestamp(first - 40 * DAY, UTC)
    month = month.replace(day=5, hour=14, minute=0, second=0)
    while (start := _epoch(month)) <= now_s - 2 * DAY:
        specs.append((f"Newsletter - {month:%B %Y}", "Email", start))
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    for i, name in enumerate(_NURTURE_TRACKS):
        specs.append((name, "Email", first - (60 - 10 * i) * DAY))
    return [
        _Campaign(make_id("701", n), name, ctype, start)
        for n, (name, ctype, start) in enumerate(specs, start=1)
    ]


def _campaign_rows(campaigns: Sequence[_Campaign], now_s: int) -> list[Row]:
    rows: list[Row] = []
    for c in campaigns:
        evergreen = c.type in _EVERGREEN or c.name.startswith("Nurture")
        active = evergreen or c.start >= now_s - 90 * DAY
        created = _fmt(c.start - 14 * DAY)
        rows.append((c.id, c.name, c.type, int(active), _fmt(c.start)[:10], 0, created,
                     MARKETING_USER_ID, created, MARKETING_USER_ID, created))  # fmt: skip
    return rows


_CAMPAIGN_COLUMNS = (
    "Id", "Name", "Type", "IsActive", "StartDate", "IsDeleted", "CreatedDate", "CreatedById",
    "LastModifiedDate", "LastModifiedById", "SystemModstamp",
)  # fmt: skip


def seed_users(conn: sqlite3.Connection, *, now: datetime | None = None) -> None:
    """
    Create the users and campaigns if they are missing (idempotent), so an empty org has them.

    *now* dates the campaigns and audit fields; it defaults to today's midnight UTC. Existing
    rows are kept as they are.
    """
    now_s = _epoch(now) if now is not None else _epoch(datetime.now(UTC)) // DAY * DAY
    with conn:
        schema.create_tables(conn)
        _insert(conn, "User", _USER_COLUMNS, _user_rows(now_s), verb="INSERT OR IGNORE")
        rows = _campaign_rows(_campaigns(now_s), now_s)
        _insert(conn, "Campaign", _CAMPAIGN_COLUMNS, rows, verb="INSERT OR IGNORE")


# --- time formatting ------------------------------------------------------------------------


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _fmt(s: int) -> str:
    return datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _year(s: int) -> int:
    return datetime.fromtimestamp(s, UTC).year


@cache
def _clock() -> tuple[str, ...]:
    """Every second of a day as ``HH:MM:SS.000+0000``, so formatting is one index and a concat."""
    return tuple(
        f"{h:02d}:{m:02d}:{s:02d}.000+0000" for h in range(24) for m in range(60) for s in range(60)
    )


class _Clock:
    """Fast Salesforce datetime/date text for epoch seconds within a window around now."""

    def __init__(self, now_s: int) -> None:
        self.first_day = now_s // DAY - 900
        start = datetime.fromtimestamp(self.first_day * DAY, UTC)
        self.days = [(start + timedelta(days=i)).strftime("%Y-%m-%dT") for i in range(960)]
        self.clock = _clock()

    def dt(self, s: int) -> str:
        d, r = divmod(s, DAY)
        return self.days[d - self.first_day] + self.clock[r]

    def date(self, s: int) -> str:
        return self.days[s // DAY - self.first_day][:10]


# --- the company pool and lead profiles -----------------------------------------------------


@dataclass(frozen=True)
class _Company:
    name: str
    domain: str
    industry: str
    employees: int
    revenue: float
    country: str


def _company_pool(rng: random.Random, size: int) -> list[_Company]:
    industries = _industry_table()
    countries = _table(_COUNTRIES)
    pool = []
    for i in range(size):
        industry = industries[int(rng.random() * len(industries))]
        country = countries[int(rng.random() * len(countries))]
        a = _NAME_A[i % len(_NAME_A)]
        b = _NAME_B[(i // len(_NAME_A) + i) % len(_NAME_B)]
        desc = rng.choice(_DESCRIPTORS.get(industry, _DESCRIPTORS_DEFAULT))
        legal = rng.choice(_LEGAL.get(country, ("",)))
        name = " ".join(p for p in (a + b, desc, legal) if p)
        tld = _TLD.get(country, ".com") if rng.random() < 0.6 else ".com"
        domain = (a + b + ("" if rng.random() < 0.6 else desc.split()[0])).lower() + tld
        employees = max(1, min(250_000, round(math.exp(rng.gauss(math.log(60), 1.7)))))
        per_head = math.exp(rng.gauss(math.log(180_000), 0.5))
        revenue = float(f"{employees * per_head:.2g}")
        pool.append(_Company(name, domain, industry, employees, revenue, country))
    return pool


def _size_fit(employees: int) -> float:
    if employees >= 1000:
        return 0.30
    if employees >= 200:
        return 0.22
    if employees >= 50:
        return 0.12
    return 0.0


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --- the generator --------------------------------------------------------------------------

_LEAD_COLUMNS = (
    "Id", "FirstName", "LastName", "Name", "Company", "Title", "Email", "Industry",
    "NumberOfEmployees", "AnnualRevenue", "Country", "LeadSource", "Status", "OwnerId",
    "IsConverted", "ConvertedDate", "Budget__c", "Purchase_Timeframe__c", "Pain_Points__c",
    "SFS_Needs_Follow_Up__c", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
    "LastModifiedById", "SystemModstamp",
)  # fmt: skip
_AUDIT_COLUMNS = ("IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                  "LastModifiedById", "SystemModstamp")  # fmt: skip
_TASK_COLUMNS = ("Id", "WhoId", "Subject", "Type", "TaskSubtype", "Status", "ActivityDate",
                 "OwnerId", *_AUDIT_COLUMNS)  # fmt: skip
_EVENT_COLUMNS = ("Id", "WhoId", "Subject", "Type", "StartDateTime", "EndDateTime", "OwnerId",
                  *_AUDIT_COLUMNS)  # fmt: skip
_CM_COLUMNS = ("Id", "CampaignId", "LeadId", "Status", "HasResponded", "FirstRespondedDate",
               *_AUDIT_COLUMNS)  # fmt: skip
_WEB_COLUMNS = ("Id", "Name", "Lead__c", "Url__c", "Visited_At__c", *_AUDIT_COLUMNS)
_COLUMNS = {"Lead": _LEAD_COLUMNS, "Task": _TASK_COLUMNS, "Event": _EVENT_COLUMNS,
            "CampaignMember": _CM_COLUMNS, "Web_Activity__c": _WEB_COLUMNS}  # fmt: skip
_ACTIVITY_TABLES = ("Task", "Event", "CampaignMember", "Web_Activity__c")
_CAMPAIGN_TYPE_INDEX = {t: i for i, t in enumerate(schema.CAMPAIGN_TYPES)}
_SALES_CREATED_SOURCES = frozenset(("Phone Inquiry", "Partner Referral", "Other"))


@dataclass(frozen=True, slots=True)
class _Profile:
    """What a lead is: its company, title and source, and the latent fit and intent."""

    company: _Company
    title: str
    level: int
    source: str
    fit: float
    intent: float


@dataclass(slots=True)
class _Plan:
    """One lead's archetype, key moments and activity as (epoch seconds, kind) pairs."""

    archetype: str
    created: int
    converted: int = 0  # epoch seconds; 0 when not converted
    activity: list[tuple[int, int]] = field(default_factory=list)
    weight: float = 0.0  # how much background activity the lead gets, before scaling


class _Generator:
    """Draws leads and their activity rows; holds every table so the per-row loop stays lean."""

    def __init__(self, rng: random.Random, *, leads: int, now_s: int) -> None:
        self.rng = rng
        self.now = now_s
        self.clock = _Clock(now_s)
        self.titles = _title_table()
        self.pool = _company_pool(rng, max(50, leads // 2))
        self.campaigns = _campaigns(now_s)
        self.by_type: dict[str, list[_Campaign]] = {}
        for c in sorted(self.campaigns, key=lambda c: c.start):
            self.by_type.setdefault(c.type, []).append(c)
        self.starts = {t: [c.start for c in cs] for t, cs in self.by_type.items()}
        self.newsletters = [c for c in self.by_type["Email"] if c.name.startswith("Newsletter")]
        self.newsletter_starts = [c.start for c in self.newsletters]
        self.trade_shows = [c for c in self.by_type["Trade Show"] if c.start < now_s - DAY]
        self.scale = 0.0  # background activity per unit of weight
        self.keep = 1.0  # share of the planned activity kept
        self.out: dict[str, list[Row]] = {t: [] for t in _COLUMNS}
        self.counters = dict.fromkeys(_ACTIVITY_TABLES, 0)
        self.deleted = 0
        # The lead being generated.
        self.lead_id = ""
        self.lead_created = 0
        self.used: set[str] = set()

    # -- profile and plan -------------------------------------------------------------------

    def lead_profile(self) -> _Profile:
        """Draw the observable and latent profile of one lead."""
        r = self.rng.random
        pool = self.pool
        company = pool[int(r() * r() * len(pool))]  # a few companies have many leads
        title, level, function = self.titles[int(r() * len(self.titles))]
        source = _LEAD_SOURCES[int(r() * len(_LEAD_SOURCES))]
        if level == 1 and r() < 0.5:
            name = _UNIVERSITIES[int(r() * len(_UNIVERSITIES))]
            company = _Company(name, "university.edu", "Education", 5000, 0.0, company.country)
        fit = (
            (0.35 if company.industry in _TARGET_SET else 0.0)
            + _size_fit(company.employees)
            + _LEVEL_FIT[level]
            + (0.1 if function else 0.0)
        )
        intent = 3.5 * fit + _SOURCE_INTENT.get(source, 0.0) + self.rng.gauss(0.0, 0.6)
        return _Profile(company, title, level, source, fit, intent)

    def plan(self, profile: _Profile) -> _Plan:
        """Pick the lead's archetype and creation time, and plan its activity."""
        r = self.rng.random
        plan = _Plan(self._archetype(profile), self._created(profile.source))
        late_buyer = False
        if plan.archetype == "late":
            plan.archetype, late_buyer = "converted", True
        if plan.archetype == "converted":
            self._plan_converted(plan, late_buyer=late_buyer)
        if plan.archetype == "recycled":
            self._plan_recycled(plan)
        if plan.archetype == "ready":
            self._plan_ready(plan)
        if plan.archetype in ("nurture", "cold") and r() < _COLD_CALL_SHARE[plan.archetype]:
            end = min(self.now, plan.created + 21 * DAY)
            self._touches(plan, plan.created, end, 1 + int(r() * 3))
        if any(kind in _REP_KINDS for _, kind in plan.activity):
            end = plan.converted or self.now
            if r() < 0.25:
                plan.activity.append((_between(r, plan.created, end), K_OPEN_TASK))
            if r() < 0.1:
                plan.activity.append((_between(r, plan.created, end), K_OTHER_TASK))
        campaign_type = _SOURCE_CAMPAIGN.get(profile.source)
        if campaign_type is None and profile.source == "Other" and r() < 0.5:
            campaign_type = "Content Syndication"
        if campaign_type is not None:
            plan.activity.append((plan.created, -1 - _CAMPAIGN_TYPE_INDEX[campaign_type]))
        if self.keep < 1.0:  # a quieter org than the intent model's own activity: thin it out
            plan.activity = [a for a in plan.activity if r() < self.keep]
        plan.weight = _ARCHETYPE_WEIGHT[plan.archetype] * math.exp(self.rng.gauss(-0.5, 1.0))
        if profile.level == 1:
            plan.weight *= 0.6
        return plan

    def _archetype(self, profile: _Profile) -> str:
        """The archetype the latent intent picks; "late" is a low-fit trade-show buyer."""
        r = self.rng.random
        s = _sigmoid(2.5 * (profile.intent - 2.6))
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
        return self.now - HOUR - int(r() * _HISTORY_DAYS * DAY)

    def _plan_converted(self, plan: _Plan, *, late_buyer: bool) -> None:
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
            start = _between(r, max(created, converted - 20 * DAY), converted)
            plan.activity.append((start, K_MEETING))
        if late_buyer:  # sales called after the show, heard "not now", and gave up
            self._touches(plan, created, min(created + 14 * DAY, converted), 1 + int(r() * 3))

    def _plan_recycled(self, plan: _Plan) -> None:
        """Engaged, then 6-10 sales touches over 30+ days, no conversion, quiet since."""
        r = self.rng.random
        span = (30 + int(r() * 45)) * DAY
        latest = self.now - span - 30 * DAY
        if latest <= plan.created:
            plan.archetype = "nurture"
            return
        start = _between(r, plan.created, latest)
        self._buying_burst(plan, max(plan.created, start - 10 * DAY), start)
        plan.activity.append((start + HOUR * (2 + int(r() * 20)), K_CALL))
        plan.activity.append((start + span, K_EMAIL))
        self._touches(plan, start, start + span, 4 + int(r() * 5))
        if r() < 0.4:
            plan.activity.append((_between(r, start, start + span), K_MEETING))

    def _plan_ready(self, plan: _Plan) -> None:
        """In market now: a burst in the last 30 days; sales may or may not have noticed."""
        r = self.rng.random
        lo = max(plan.created, self.now - 30 * DAY)
        self._buying_burst(plan, lo, self.now)
        if r() < 0.6:
            self._touches(plan, _between(r, lo, self.now), self.now, int(r() * 4))
            if r() < 0.3:  # a demo booked for next week
                plan.activity.append((self.now + DAY + int(r() * 6 * DAY), K_MEETING))

    def _buying_burst(self, plan: _Plan, lo: int, hi: int) -> None:
        r = self.rng.random
        acts = plan.activity
        if r() < 0.8:
            acts.append((_between(r, lo, hi), K_HANDRAISE))
        for _ in range(int(0.6 + r() * 3)):  # most buyers look at pricing, not all
            acts.append((_between(r, lo, hi), K_PRICING))
        for _ in range(int(r() * 4)):
            acts.append((_between(r, lo, hi), K_WEB))
        for _ in range(int(r() * 2.5)):
            acts.append((_between(r, lo, hi), K_COMPARE))
        for _ in range(int(r() * 3)):
            acts.append((_between(r, lo, hi), K_MAIL_CLICK))

    def _touches(self, plan: _Plan, lo: int, hi: int, k: int) -> None:
        r = self.rng.random
        for _ in range(k):
            plan.activity.append((_between(r, lo, hi), K_CALL if r() < 0.55 else K_EMAIL))

    def _background(self, plan: _Plan) -> None:
        r = self.rng.random
        table = _BACKGROUND[plan.archetype]
        lo = max(plan.created, self.now - 380 * DAY)
        hi = plan.converted or self.now
        for _ in range(_round(r, self.scale * plan.weight)):
            plan.activity.append((_between(r, lo, hi), table[int(r() * len(table))]))

    # -- rows -------------------------------------------------------------------------------

    def lead(self, number: int) -> None:
        """Generate lead *number* (1-based) and its activity into `self.out`."""
        r = self.rng.random
        profile = self.lead_profile()
        plan = self.plan(profile)
        self._background(plan)
        company, archetype = profile.company, plan.archetype
        self.lead_id = lead_id = make_id("00Q", number)
        self.lead_created = plan.created
        self.used = set()
        first = _FIRST_NAMES[int(r() * len(_FIRST_NAMES))]
        last = _LAST_NAMES[int(r() * len(_LAST_NAMES))]
        owner = REP_IDS[int(r() * 7)] if r() < 0.96 else _INACTIVE_REP_ID
        email = _email(r, first, last, company.domain)
        industry = company.industry if r() >= 0.08 else None
        employees = company.employees if r() >= 0.10 else None
        revenue = company.revenue if r() >= 0.12 and company.revenue else None
        pain = _PAIN_POINTS[int(r() * len(_PAIN_POINTS))] if r() < _PAIN_SHARE[archetype] else None
        budgets, frames = _BUDGET[archetype], _TIMEFRAME[archetype]
        budget = budgets[int(r() * len(budgets))] or None
        frame = frames[int(r() * len(frames))] or None
        creator = owner if profile.source in _SALES_CREATED_SOURCES else MARKETING_USER_ID
        if creator == _INACTIVE_REP_ID:
            creator = REP_IDS[0]

        last_touch, toucher = self._activity_rows(plan, owner)
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
            lead_id, first, last, f"{first} {last}", company.name, profile.title or None, email,
            industry, employees, revenue, company.country or None, profile.source or None,
            status, owner, int(bool(plan.converted)),
            self.clock.date(plan.converted) if plan.converted else None, budget, frame, pain, 0,
            0, dt(plan.created), creator, m, modifier, m,
        ))  # fmt: skip

    def _activity_rows(self, plan: _Plan, owner: str) -> tuple[int, str]:
        """Write the plan's activity rows; return the last sales touch (0 if none) and its rep."""
        r = self.rng.random
        now = self.now
        deactivated = now - _INACTIVE_SINCE_DAYS * DAY
        ceiling = plan.converted or now
        last_touch, toucher = 0, owner
        for planned, kind in plan.activity:
            if kind < 0 or kind in (K_CM, K_HANDRAISE):
                self._campaign_member(kind, planned)
            elif kind in _REP_KINDS:
                # Leads of a rep who left are covered by the first rep from then on.
                rep = owner if owner != _INACTIVE_REP_ID or planned < deactivated else REP_IDS[0]
                t = _workday(planned, r, plan.created, max(planned, ceiling))
                if kind in _TOUCH_KINDS and last_touch < t <= now:
                    last_touch, toucher = t, rep
                if kind == K_MEETING:
                    self._meeting(t, rep)
                else:
                    self._rep_task(kind, t, rep)
            elif kind in (K_MAIL_OPEN, K_MAIL_CLICK):
                self._marketing_task(kind, planned)
            else:
                self._web_visit(kind, planned)
        return last_touch, toucher

    def _meeting(self, t: int, rep: str) -> None:
        r = self.rng.random
        dt = self.clock.dt
        booked = max(self.lead_created, min(self.now, t) - int(r() * 7 * DAY) - HOUR)
        subject = _MEETING_SUBJECTS[int(r() * len(_MEETING_SUBJECTS))]
        end = t + (HOUR if r() < 0.6 else HOUR // 2)
        n = self.counters["Event"] = self.counters["Event"] + 1
        self.out["Event"].append((make_id("00U", n), self.lead_id, subject, "Meeting", dt(t),
                                  dt(end), rep, *self._audit(booked, rep)))  # fmt: skip

    def _rep_task(self, kind: int, t: int, rep: str) -> None:
        r = self.rng.random
        day = self.clock.date(t)
        if kind == K_CALL:
            subject = _CALL_SUBJECTS[int(r() * len(_CALL_SUBJECTS))]
            values: Row = (subject, "Call", "Call", "Completed", day)
        elif kind == K_EMAIL:
            subject = _EMAIL_SUBJECTS[int(r() * len(_EMAIL_SUBJECTS))]
            values = (subject, "Email", "Email", "Completed", day)
        elif kind == K_OPEN_TASK:
            subject = _OPEN_SUBJECTS[int(r() * len(_OPEN_SUBJECTS))]
            call = "all" in subject  # "Follow-up call", "Call back"
            status = _OPEN_STATUSES[int(r() * len(_OPEN_STATUSES))]
            due = self.clock.date(t + int(r() * 10 * DAY))
            values = (subject, "Call" if call else "Email", "Call" if call else "Task", status, due)
        else:
            subject = _OTHER_SUBJECTS[int(r() * len(_OTHER_SUBJECTS))]
            values = (subject, "Other", "Task", "Completed", day)
        n = self.counters["Task"] = self.counters["Task"] + 1
        self.out["Task"].append((make_id("00T", n), self.lead_id, *values, rep,
                                 *self._audit(t, rep)))  # fmt: skip

    def _marketing_task(self, kind: int, t: int) -> None:
        r = self.rng.random
        i = bisect_right(self.newsletter_starts, t) - 1
        if i > 0 and r() < 0.3:
            i -= 1
        campaign = self.newsletters[max(i, 0)]
        verb = "Email Opened: " if kind == K_MAIL_OPEN else "Email Clicked: "
        subtype = "ListEmail" if r() < 0.7 else "Email"
        n = self.counters["Task"] = self.counters["Task"] + 1
        self.out["Task"].append((make_id("00T", n), self.lead_id, verb + campaign.name, "Email",
                                 subtype, "Completed", self.clock.date(t), MARKETING_USER_ID,
                                 *self._audit(t, MARKETING_USER_ID)))  # fmt: skip

    def _web_visit(self, kind: int, t: int) -> None:
        r = self.rng.random
        pages = _WEB_PAGES
        if kind == K_PRICING:
            pages = _PRICING_PAGES
        elif kind == K_COMPARE:
            pages = _COMPARE_PAGES
        url = pages[int(r() * len(pages))]
        n = self.counters["Web_Activity__c"] = self.counters["Web_Activity__c"] + 1
        self.out["Web_Activity__c"].append((make_id("a0W", n), f"WA-{n:08d}", self.lead_id, url,
                                            self.clock.dt(t),
                                            *self._audit(t, MARKETING_USER_ID)))  # fmt: skip

    def _audit(self, t: int, user: str) -> Row:
        """IsDeleted and the audit fields of an activity row created at *t* by *user*."""
        r = self.rng.random
        t = min(t, self.now)
        created = self.clock.dt(t)
        if r() < _DELETE_SHARE:  # in the recycle bin: the deletion bumped the modstamp
            self.deleted += 1
            gone = self.clock.dt(t + int(r() * (self.now - t)))
            return (1, created, user, gone, user, gone)
        return (0, created, user, created, user, created)

    def _campaign_member(self, kind: int, t: int) -> None:
        r = self.rng.random
        if kind == K_HANDRAISE:
            ctype, responded = ("Content Download" if r() < 0.6 else "Webinar"), True
        elif kind == K_CM:
            ctype = _CM_TYPES[int(r() * len(_CM_TYPES))]
            responded = r() < _RESPONSE_RATE[ctype]
        else:  # the campaign the lead came from
            ctype, responded = schema.CAMPAIGN_TYPES[-1 - kind], True
        campaign = self._pick_campaign(ctype, t)
        if campaign is None:
            return
        self.used.add(campaign.id)
        if not responded:
            status, added = "Sent", t
        else:
            statuses = _RESPONDED_STATUS[ctype]
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

    def _pick_campaign(self, ctype: str, t: int) -> _Campaign | None:
        """The latest campaign of *ctype* started by *t* (sometimes an older one), not yet used."""
        r = self.rng.random
        campaigns = self.by_type[ctype]
        if ctype in _EVERGREEN:
            i = int(r() * len(campaigns))
        else:
            i = max(0, bisect_right(self.starts[ctype], t) - 1 - (1 if r() < 0.25 else 0))
        for j in range(len(campaigns)):
            c = campaigns[(i - j) % len(campaigns)]
            if c.id not in self.used and c.start <= t:
                return c
        return None


_TOUCH_KINDS = frozenset((K_CALL, K_EMAIL, K_MEETING))
_COLD_CALL_SHARE = {"nurture": 0.5, "cold": 0.4}  # leads sales called a few times early on
_OPEN_STATUSES = _table([("Not Started", 70), ("In Progress", 18), ("Deferred", 7),
                         ("Waiting on someone else", 5)])  # fmt: skip


def _email(r: Callable[[], float], first: str, last: str, domain: str) -> str | None:
    """A work address on the company domain, or a free-mail one (~15%), or none (~2%)."""
    user = f"{first}.{last}".lower().replace("'", "")
    u = r()
    if u < 0.02:
        return None
    if u < 0.17:
        return f"{user}{int(r() * 100)}@{_FREE_MAIL[int(r() * len(_FREE_MAIL))]}"
    if u < 0.40:
        return f"{user[0]}{user.split('.', 1)[1]}@{domain}"
    return f"{user}@{domain}"


def _between(r: Callable[[], float], lo: int, hi: int) -> int:
    return lo + int(r() * (hi - lo)) if hi > lo else lo


def _round(r: Callable[[], float], x: float) -> int:
    """Round *x* up or down at random so the expected value is exactly *x*."""
    whole = int(x)
    return whole + (1 if r() < x - whole else 0)


def _workday(t: int, r: Callable[[], float], floor: int, ceiling: int) -> int:
    """Move *t* into US business hours (13:00-22:00 UTC) on a weekday, within the bounds."""
    day = t // DAY
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    if weekday >= 5:
        day -= weekday - 4
    return max(floor, min(ceiling, day * DAY + 13 * HOUR + int(r() * 9 * HOUR)))


# --- orchestration --------------------------------------------------------------------------


def _insert(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    verb: str = "INSERT",
) -> None:
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    conn.executemany(f'{verb} INTO "{table}" ({cols}) VALUES ({marks})', rows)


def _calibrate(gen: _Generator, seed: int, activities_per_lead: float) -> tuple[float, float]:
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
        plan = gen.plan(gen.lead_profile())
        planned += len(plan.activity)
        weight += plan.weight
    gen.rng = saved
    # A small share of planned activity is dropped (every campaign of a type already used).
    wanted = activities_per_lead * sample / 0.995
    if wanted < planned:
        return wanted / planned, 0.0
    return 1.0, (wanted - planned) / max(weight, 1.0)


def seed_org(
    conn: sqlite3.Connection,
    *,
    leads: int,
    seed: int = 42,
    now: datetime,
    activities_per_lead: float = 6.0,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """
    Replace the org's demo data with *leads* leads and their activity, as of *now*.

    Users and campaigns are (re)written with their fixed Ids; every Lead, Task, Event,
    CampaignMember and Web_Activity__c row is deleted first. Everything happens in one
    transaction (committed at the end unless the caller already had one open). The same
    *seed* and *now* give byte-identical tables. *progress* is called with the number of
    leads written after every chunk of a few thousand leads.
    """
    if leads < 0:
        raise ValueError("leads must be >= 0")
    started = time.perf_counter()
    now_s = _epoch(now)
    rng = random.Random(seed)
    gen = _Generator(rng, leads=leads, now_s=now_s)
    if leads:
        gen.keep, gen.scale = _calibrate(gen, seed, activities_per_lead)
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        schema.create_tables(conn)
        for table in ("Lead", *_ACTIVITY_TABLES):
            conn.execute(f'DELETE FROM "{table}"')  # noqa: S608 - our own table names
        users = _user_rows(now_s)
        _insert(conn, "User", _USER_COLUMNS, users, verb="INSERT OR REPLACE")
        campaigns = _campaign_rows(gen.campaigns, now_s)
        _insert(conn, "Campaign", _CAMPAIGN_COLUMNS, campaigns, verb="INSERT OR REPLACE")
        for number in range(1, leads + 1):
            gen.lead(number)
            if number % _CHUNK_LEADS == 0 or number == leads:
                for table, rows in gen.out.items():
                    _insert(conn, table, _COLUMNS[table], rows)
                    rows.clear()
                if progress is not None:
                    progress(number)
        if began:
            conn.commit()
    except BaseException:
        if began:
            conn.rollback()
        raise
    c = gen.counters
    report = SeedReport(
        leads=leads,
        tasks=c["Task"],
        events=c["Event"],
        campaign_members=c["CampaignMember"],
        web_activities=c["Web_Activity__c"],
        users=len(users),
        campaigns=len(campaigns),
        deleted=gen.deleted,
        seconds=round(time.perf_counter() - started, 3),
    )
    log.info("sfsync.sandbox.org_seeded", **asdict(report))
    return report
