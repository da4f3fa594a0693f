"""
Time in the sandbox's demo data: epoch seconds, Salesforce's datetime text, and the
campaigns every profile's org holds (webinars, trade shows, evergreen content, paid ads,
syndication and monthly newsletters), dated relative to the org's "now".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sfsync.sandbox.ids import make_id

DAY = 86_400
HOUR = 3_600
HISTORY_DAYS = 425  # leads were created over the past ~14 months
Row = tuple[object, ...]


def epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def fmt(s: int) -> str:
    return datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def year(s: int) -> int:
    return datetime.fromtimestamp(s, UTC).year


@cache
def clock_table() -> tuple[str, ...]:
    """Every second of a day as ``HH:MM:SS.000+0000``, so formatting is one index and a concat."""
    return tuple(
        f"{h:02d}:{m:02d}:{s:02d}.000+0000" for h in range(24) for m in range(60) for s in range(60)
    )


class Clock:
    """Fast Salesforce datetime/date text for epoch seconds within a window around now."""

    def __init__(self, now_s: int) -> None:
        self.first_day = now_s // DAY - 900
        start = datetime.fromtimestamp(self.first_day * DAY, UTC)
        self.days = [(start + timedelta(days=i)).strftime("%Y-%m-%dT") for i in range(960)]
        self.clock = clock_table()

    def dt(self, s: int) -> str:
        d, r = divmod(s, DAY)
        return self.days[d - self.first_day] + self.clock[r]

    def date(self, s: int) -> str:
        return self.days[s // DAY - self.first_day][:10]


EVERGREEN = {
    "Content Download": ("eBook: The Invisible Pipeline", "Guide: Defining a Qualified Lead",
                         "Report: State of B2B Buying", "Checklist: Lead Handoff SLA",
                         "Template: Lead Scoring Model",
                         "Whitepaper: Follow-Up Cadences That Convert"),
    "Paid Ads": ("Google Ads - Brand", "Google Ads - Competitor Terms",
                 "LinkedIn Ads - ABM Retargeting", "Capterra PPC", "G2 Sponsored Listing"),
    "Content Syndication": ("TechTarget Syndication", "NetLine Program", "Madison Logic ABM",
                            "Integrate Demand Program"),
}  # fmt: skip
WEBINARS = ("Webinar: Defining a Qualified Lead", "Webinar: Sales & Marketing Alignment",
             "Webinar: Lead Scoring That Sales Trusts", "Webinar: The Invisible Pipeline",
             "Webinar: BANT in Practice", "Webinar: Speed to Lead",
             "Webinar: Nurture Programs That Work", "Webinar: Product Tour & Live Q&A")  # fmt: skip
TRADE_SHOWS = ("SaaStr Annual", "Dreamforce", "Web Summit", "HIMSS", "Money20/20",
                "Hannover Messe")  # fmt: skip
NURTURE_TRACKS = ("Nurture: Getting Started Series", "Nurture: Fit But Not Ready",
                   "Nurture: Re-engagement")  # fmt: skip


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    type: str
    start: int  # epoch seconds


def campaigns(now_s: int) -> list[Campaign]:
    """Every campaign, dated relative to *now_s*; each type has one started before any lead."""
    first = now_s - (HISTORY_DAYS + 10) * DAY
    specs: list[tuple[str, str, int]] = []
    for i, name in enumerate(WEBINARS):
        specs.append((name, "Webinar", first + i * 58 * DAY))
    for i, name in enumerate(TRADE_SHOWS):
        start = first + i * 80 * DAY
        specs.append((f"{name} {year(start)}", "Trade Show", start))
    for ctype, names in EVERGREEN.items():
        for i, name in enumerate(names):
            specs.append((name, ctype, first - (40 - 7 * i) * DAY))
    month = datetime.fromtimestamp(first - 40 * DAY, UTC)
    month = month.replace(day=5, hour=14, minute=0, second=0)
    while (start := epoch(month)) <= now_s - 2 * DAY:
        specs.append((f"Newsletter - {month:%B %Y}", "Email", start))
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    for i, name in enumerate(NURTURE_TRACKS):
        specs.append((name, "Email", first - (60 - 10 * i) * DAY))
    return [
        Campaign(make_id("701", n), name, ctype, start)
        for n, (name, ctype, start) in enumerate(specs, start=1)
    ]


def campaign_rows(campaigns: Sequence[Campaign], now_s: int, creator: str) -> list[Row]:
    """Campaign rows for *campaigns*, created by *creator*."""
    rows: list[Row] = []
    for c in campaigns:
        evergreen = c.type in EVERGREEN or c.type == "Website" or c.name.startswith("Nurture")
        active = evergreen or c.start >= now_s - 90 * DAY
        created = fmt(c.start - 14 * DAY)
        rows.append((c.id, c.name, c.type, int(active), fmt(c.start)[:10], 0, created,
                     creator, created, creator, created))  # fmt: skip
    return rows


CAMPAIGN_COLUMNS = (
    "Id", "Name", "Type", "IsActive", "StartDate", "IsDeleted", "CreatedDate", "CreatedById",
    "LastModifiedDate", "LastModifiedById", "SystemModstamp",
)  # fmt: skip


def campaigns_with(now_s: int, always_on: Sequence[tuple[str, str]]) -> list[Campaign]:
    """The demo org's campaigns plus *always_on* (name, type) ones a package adds."""
    out = campaigns(now_s)
    first = now_s - 500 * DAY
    return out + [
        Campaign(make_id("701", len(out) + i + 1), name, ctype, first + 7 * i * DAY)
        for i, (name, ctype) in enumerate(always_on)
    ]
