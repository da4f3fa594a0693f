"""
How fast is `qualify`? Scores N synthetic leads (about 15 activities each) against the default
definition, compiled once, and reports leads per second and microseconds per lead.

    python benchmarks/bench_scoring.py --leads 20000
    python benchmarks/bench_scoring.py --leads 20000 --json

The data is deterministic (seeded), shaped like the demo org's records (DESIGN §5), as varied
as real org data (titles composed from level x function x role x qualifier, URLs with many
paths, query strings and click ids, distinct Task subjects, millisecond timestamps, a fifth of
the leads with Bulk CSV's `Z` datetimes), so no cache inside the engine can flatter the figure;
the distinct counts are reported with it. The definition is compiled afresh for each run, so
the engine's memos start empty (one cold pass); their hit rates come from one more, untimed
pass. It is built before the clock starts; the time is
the best of --repeat runs over all leads. Wall-clock and process CPU time are both reported:
on a shared machine the CPU figure is the steadier one.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sfsync.definition import conditions  # noqa: E402 - after the path tweak
from sfsync.definition.loader import load_compiled  # noqa: E402
from sfsync.scoring import qualify  # noqa: E402

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
REPS = ("005000000000001AAA", "005000000000002AAA", "005000000000003AAA")
MARKETING_USER = "005000000000009AAA"
INTEGRATION_USER = "005000000000010AAA"
USERS = {
    REPS[0]: "Dave Apthorp",
    REPS[1]: "Priya Raman",
    REPS[2]: "Tom Okafor",
    MARKETING_USER: "Marketing Automation",
    INTEGRATION_USER: "sfsync Integration",
}

# Titles are composed (level x function x role x qualifier, plus executives, non-buyers and
# disqualified ones, in varied case), so a sample of 20,000 leads holds thousands of distinct
# titles, with the head-and-long-tail shape of real org data.
LEVELS = (
    ("", 40), ("Senior", 10), ("Sr.", 3), ("Junior", 3), ("Associate", 4), ("Principal", 2),
    ("Lead", 3), ("Staff", 1), ("Global", 1), ("Regional", 2), ("Assistant", 2),
)  # fmt: skip
FUNCTIONS = (
    ("Marketing", 12), ("Sales", 12), ("Revenue", 3), ("Growth", 3), ("Demand Generation", 4),
    ("Marketing Operations", 4), ("Sales Operations", 4), ("RevOps", 2), ("IT", 6),
    ("Information Technology", 2), ("Digital", 3), ("CRM", 2), ("Commercial", 2),
    ("Engineering", 6), ("Finance", 4), ("HR", 3), ("Product", 5), ("Customer Success", 4),
    ("Procurement", 2), ("Business Development", 4), ("Data", 3), ("Partnerships", 2),
    ("Brand", 2), ("Content", 2), ("Legal", 1), ("Field Marketing", 2), ("E-commerce", 2),
)  # fmt: skip
ROLES = (
    ("Manager", 20), ("Specialist", 8), ("Analyst", 8), ("Coordinator", 5), ("Lead", 5),
    ("Team Lead", 2), ("Consultant", 4), ("Executive", 4), ("Representative", 4),
    ("Engineer", 4), ("Architect", 2), ("Administrator", 2), ("Strategist", 2),
    ("Associate", 2), ("Partner", 1), ("Officer", 1),
)  # fmt: skip
EXEC_RANKS = (
    ("Head of", 5), ("Director of", 6), ("Senior Director of", 2), ("VP of", 3), ("VP,", 2),
    ("SVP,", 1), ("EVP", 1), ("Vice President of", 2), ("Group Head of", 1),
    ("Managing Director,", 1),
)  # fmt: skip
C_LEVEL = (
    "CEO", "CFO", "CTO", "CIO", "CMO", "COO", "CRO", "Chief Executive Officer",
    "Chief Revenue Officer", "Chief Marketing Officer", "Chief Digital Officer", "Founder",
    "Co-Founder", "Co-Founder & CEO", "Founder and CTO", "Owner", "Owner/Operator", "President",
    "President & COO", "Managing Partner",
)  # fmt: skip
OTHER_TITLES = (
    "Software Engineer", "Data Scientist", "Accountant", "Nurse", "Teacher", "Consultant",
    "Researcher", "Office Administrator", "Receptionist", "Paralegal", "Designer", "Architect",
    "Pharmacist", "Professor", "Developer", "Technician", "Buyer", "Project Coordinator",
)  # fmt: skip
DISQUALIFIED_TITLES = (
    "Student", "MBA Student", "PhD Student", "Graduate Student", "Intern", "Summer Intern",
    "Marketing Intern", "Sales Intern", "Internship", "Retired", "Retired Executive",
    "Unemployed", "Student Assistant",
)  # fmt: skip
QUALIFIERS = (
    ", EMEA", ", DACH", ", North America", ", NA", " - APAC", " - LATAM", " (Interim)",
    ", Enterprise", ", Mid-Market", ", SMB", " II", " III", ", Global", " & Strategy",
    " & Partnerships", ", Americas", ", UK&I", " (Contract)", ", Nordics", ", West",
    ", East", ", Public Sector", ", Healthcare", ", Financial Services",
)  # fmt: skip
INDUSTRIES = (
    "Software", "Technology", "Financial Services", "Healthcare", "Manufacturing",
    "Retail", "Education", "Government", None, "",
)  # fmt: skip
DOMAINS = (
    "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "gmx.de", "aol.com",
)  # fmt: skip
COUNTRIES = ("United States", "United Kingdom", "Germany", "France", None)
BUDGETS = ("Approved", "Planned", "None", None)
TIMEFRAMES = ("0-3 months", "3-6 months", "6-12 months", "12+ months", "Unknown", None)
CAMPAIGN_TYPES = ("Content Download", "Webinar", "Paid Ads", "Content Syndication", "Trade Show")

# URLs: several hosts (or none), many paths and query strings, some with a unique click id,
# so a sample holds tens of thousands of distinct URLs.
HOSTS = (
    ("", 50), ("https://www.example.com", 30), ("https://example.com", 8),
    ("http://www.example.com", 4), ("https://blog.example.com", 5), ("https://docs.example.com", 3),
)  # fmt: skip
WORDS = (
    "lead", "scoring", "pipeline", "sales", "marketing", "handoff", "crm", "data", "quality",
    "revenue", "forecast", "playbook", "nurture", "intent", "funnel", "automation", "guide",
    "template", "benchmark", "report", "checklist", "mistakes", "best", "practices", "b2b",
    "saas", "webinar", "roi", "routing", "speed", "to", "how", "why", "what", "2026", "vs",
)  # fmt: skip
RIVALS = ("rival", "acme-crm", "leadly", "scoreboard", "pipedream", "hubbly", "salesloop")
PRICING_PATHS = (
    "/pricing", "/pricing/", "/pricing/enterprise", "/pricing/teams", "/pricing/faq",
    "/pricing-calculator", "/de/pricing", "/Pricing",
)  # fmt: skip
_SLUGS = random.Random(7)
BLOG_POSTS = tuple("-".join(_SLUGS.sample(WORDS, _SLUGS.randint(2, 5))) for _ in range(300))
DOC_PAGES = tuple(f"{_SLUGS.choice(WORDS)}-{_SLUGS.choice(WORDS)}" for _ in range(40))
SECTIONS = ("start", "api", "sync", "definition", "admin", "security", "faq", "reference")
UTM_SOURCES = ("google", "linkedin", "newsletter", "twitter", "g2", "capterra", "bing", "partner")
UTM_MEDIUMS = ("cpc", "email", "social", "referral", "display", "organic")

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ivan", "Jada",
    "Kenji", "Lena", "Marco", "Nadia", "Olu", "Paula", "Quinn", "Rosa", "Sven", "Tariq",
    "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe", "Amir", "Bea", "Chen", "Dara",
)  # fmt: skip
TOPICS = (
    "pricing", "the renewal", "onboarding", "the pilot", "integration with SAP", "security review",
    "the demo", "Q1 budget", "data migration", "contract terms", "their CRM", "lead routing",
    "next steps", "the proposal", "API limits", "SSO setup", "the webinar", "a reference call",
    "volume discount", "the trial", "implementation timeline", "reporting needs",
)  # fmt: skip
NEWSLETTERS = (
    "Product update", "Customer stories", "Lead scoring 101", "Webinar invitation",
    "Monthly digest", "Pricing changes", "Case study", "Event recap", "New feature",
    "Benchmark report", "Holiday hours", "Survey",
)  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def make_title(rng: random.Random) -> str | None:
    """A job title: composed from level, function, role and qualifier, in varied case."""
    kind = rng.random()
    if kind < 0.06:
        return rng.choice((None, "", " "))
    if kind < 0.10:
        title = rng.choice(DISQUALIFIED_TITLES)
    elif kind < 0.20:
        title = rng.choice(C_LEVEL)
    elif kind < 0.30:
        title = rng.choice(OTHER_TITLES)
    elif kind < 0.50:
        title = f"{_pick(rng, EXEC_RANKS)} {_pick(rng, FUNCTIONS)}"
    else:
        level = _pick(rng, LEVELS)
        title = f"{level} {_pick(rng, FUNCTIONS)} {_pick(rng, ROLES)}".strip()
    if rng.random() < 0.3:
        title += rng.choice(QUALIFIERS)
    case = rng.random()
    if case < 0.08:
        title = title.lower()
    elif case < 0.11:
        title = title.upper()
    return title


def make_url(rng: random.Random) -> str:
    """A visited URL: a host (or none), one of many paths, often a query string."""
    kind = rng.random()
    if kind < 0.12:
        path = rng.choice(PRICING_PATHS)
    elif kind < 0.18:
        rival = rng.choice(RIVALS)
        path = rng.choice(
            (f"/compare/{rival}", "/compare", f"/vs-{rival}", f"/alternatives/{rival}")
        )
    elif kind < 0.45:
        path = "/blog/" + rng.choice(BLOG_POSTS)
    elif kind < 0.60:
        path = f"/docs/{rng.choice(SECTIONS)}/{rng.choice(DOC_PAGES)}"
    elif kind < 0.70:
        path = rng.choice(("/", "/product", "/features", "/about", "/contact", "/demo", "/careers"))
    elif kind < 0.80:
        path = f"/customers/company-{rng.randint(1, 400)}"
    elif kind < 0.90:
        path = f"/webinars/{rng.choice(WORDS)}-{rng.choice(WORDS)}-{rng.randint(2024, 2026)}"
    else:
        path = f"/careers/{rng.randint(1000, 9999)}"
    query = rng.random()
    if query < 0.25:
        path += (
            f"?utm_source={rng.choice(UTM_SOURCES)}&utm_medium={rng.choice(UTM_MEDIUMS)}"
            f"&utm_campaign={rng.choice(WORDS)}-{rng.randint(1, 12)}"
        )
    elif query < 0.35:
        path += "?gclid=" + "".join(
            rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", k=24)
        )
    elif query < 0.40:
        plan = rng.choice(("pro", "team", "enterprise", "starter"))
        path += f"?plan={plan}&ref={rng.randint(1, 999)}"
    elif query < 0.45:
        path += f"#{rng.choice(WORDS)}"
    return _pick(rng, HOSTS) + path


def sf_datetime(moment: datetime, *, bulk: bool = False) -> str:
    """Format *moment* as Salesforce serialises datetimes: REST JSON, or Bulk CSV's `Z` form."""
    millis = f"{moment.microsecond // 1000:03d}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + millis + ("Z" if bulk else "+0000")


def _moment(rng: random.Random, days: int) -> datetime:
    """A moment within the last *days* days, to the millisecond."""
    return NOW - timedelta(seconds=rng.randint(0, days * 86_400), milliseconds=rng.randint(0, 999))


def make_lead(rng: random.Random, number: int) -> dict[str, Any]:
    """Build one Lead record in the REST API's shape."""
    created = _moment(rng, 720)
    company = f"company-{number % 4999}"
    domain = rng.choice(DOMAINS) if rng.random() < 0.25 else f"{company}.example"
    return {
        "Id": f"00Q{number:012d}AAA",
        "FirstName": rng.choice(FIRST_NAMES),
        "LastName": f"Lead {number}",
        "Company": company.replace("-", " ").title(),
        "Title": make_title(rng),
        "Email": f"{rng.choice(FIRST_NAMES).lower()}.{number}@{domain}"
        if rng.random() < 0.95
        else None,
        "Industry": rng.choice(INDUSTRIES),
        "NumberOfEmployees": rng.choice(
            (
                None,
                rng.randint(1, 49),
                rng.randint(50, 199),
                rng.randint(200, 999),
                rng.randint(1000, 50_000),
            )
        ),
        "AnnualRevenue": rng.choice(
            (
                None,
                float(rng.randint(1, 4_999) * 1000),
                float(rng.randint(5, 49) * 1_000_000),
                float(rng.randint(50, 900) * 1_000_000),
            )
        ),
        "Country": rng.choice(COUNTRIES),
        "LeadSource": rng.choice(("Web", "Trade Show", "Referral", "Purchased List")),
        "Status": "Open - Not Contacted",
        "IsConverted": rng.random() < 0.03,
        "Budget__c": rng.choice(BUDGETS),
        "Purchase_Timeframe__c": rng.choice(TIMEFRAMES),
        "Pain_Points__c": rng.choice((None, "", f"Leads go cold before sales calls ({number})")),
        "CreatedDate": sf_datetime(created),
        "SFS_Status__c": rng.choice((None, "Nurture", "Sales Ready")),
        "SFS_Sales_Ready_Since__c": None,
    }


def make_activities(
    rng: random.Random, lead: dict[str, Any], count: int
) -> dict[str, list[dict[str, Any]]]:
    """
    Build about *count* activity records for *lead*, spread over the last year; one lead in
    five has its datetimes in Bulk CSV's `Z` form, as if read through the Bulk API.
    """
    out: dict[str, list[dict[str, Any]]] = {
        "Task": [],
        "Event": [],
        "CampaignMember": [],
        "Web_Activity__c": [],
    }
    lead_id = lead["Id"]
    bulk = rng.random() < 0.2
    for n in range(count):
        at = _moment(rng, 365)
        stamp = sf_datetime(at, bulk=bulk)
        kind = rng.random()
        record_id = f"{lead_id[3:15]}{n:03d}"
        if kind < 0.45:
            out["Web_Activity__c"].append(
                {
                    "Id": f"a01{record_id}",
                    "Lead__c": lead_id,
                    "Url__c": make_url(rng),
                    "Visited_At__c": stamp,
                    "CreatedDate": stamp,
                }
            )
        elif kind < 0.60:
            responded = rng.random() < 0.7
            out["CampaignMember"].append(
                {
                    "Id": f"00v{record_id}",
                    "LeadId": lead_id,
                    "Status": "Responded" if responded else "Sent",
                    "HasResponded": responded,
                    "FirstRespondedDate": at.date().isoformat() if responded else None,
                    "CreatedDate": stamp,
                    "Campaign": {"Type": rng.choice(CAMPAIGN_TYPES)},
                }
            )
        elif kind < 0.80:
            action = rng.choice(("Opened", "Clicked"))
            letter = f"{rng.choice(NEWSLETTERS)} - {rng.choice(MONTHS)} {rng.randint(2025, 2026)}"
            out["Task"].append(
                {
                    "Id": f"00T{record_id}",
                    "WhoId": lead_id,
                    "Type": "Email",
                    "TaskSubtype": "Email",
                    "Status": "Completed",
                    "Subject": f"Email {action}: {letter}",
                    "ActivityDate": at.date().isoformat(),
                    "CreatedDate": stamp,
                    "CreatedById": MARKETING_USER,
                }
            )
        elif kind < 0.95:
            name, topic = rng.choice(FIRST_NAMES), rng.choice(TOPICS)
            subject = rng.choice(
                (
                    f"Call with {name} about {topic}",
                    f"Follow up with {name} re: {topic}",
                    f"Intro email to {name}",
                    f"Left voicemail for {name}",
                    f"Email: {topic}",
                    f"Sent proposal to {lead['Company']}",
                )
            )
            out["Task"].append(
                {
                    "Id": f"00T{record_id}",
                    "WhoId": lead_id,
                    "Type": rng.choice(("Call", "Email", "Other")),
                    "TaskSubtype": rng.choice(("Call", "Email", "Task")),
                    "Status": rng.choice(("Completed", "Completed", "Not Started")),
                    "Subject": subject,
                    "ActivityDate": at.date().isoformat(),
                    "CreatedDate": stamp,
                    "CreatedById": rng.choice((*REPS, INTEGRATION_USER)),
                }
            )
        else:
            out["Event"].append(
                {
                    "Id": f"00U{record_id}",
                    "WhoId": lead_id,
                    "Subject": f"{rng.choice(('Discovery', 'Demo', 'Pricing', 'Kick-off'))} "
                    f"meeting with {lead['Company']} about {rng.choice(TOPICS)}",
                    "StartDateTime": stamp,
                    "CreatedDate": stamp,
                    "CreatedById": rng.choice(REPS),
                }
            )
    return out


def make_dataset(
    leads: int, *, activities: int = 15, seed: int = 20261123
) -> list[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]]:
    """Build *leads* (lead, activities) pairs; the same arguments give the same data."""
    rng = random.Random(seed)
    pairs = []
    for number in range(leads):
        lead = make_lead(rng, number)
        count = max(0, int(rng.gauss(activities, activities / 3)))
        pairs.append((lead, make_activities(rng, lead, count)))
    return pairs


def variety(pairs: list[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]]) -> dict[str, int]:
    """How many distinct titles, URLs, Task subjects and activity timestamps *pairs* hold."""
    titles = {lead["Title"] for lead, _ in pairs}
    urls = {r["Url__c"] for _, acts in pairs for r in acts["Web_Activity__c"]}
    subjects = {r["Subject"] for _, acts in pairs for r in acts["Task"]}
    stamps = {r["CreatedDate"] for _, acts in pairs for records in acts.values() for r in records}
    return {
        "titles": len(titles),
        "urls": len(urls),
        "task_subjects": len(subjects),
        "timestamps": len(stamps),
    }


def memo_hit_rates(
    pairs: list[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]], definition: Path
) -> dict[str, float]:
    """
    One untimed cold pass with counting memos: pattern -> share of its lookups answered
    by the memo (see `sfsync.definition.conditions.MATCH_STATS`).
    """
    stats: list[conditions.MatchStats] = []
    conditions.MATCH_STATS = stats
    try:
        compiled = load_compiled(definition)
    finally:
        conditions.MATCH_STATS = None
    for lead, acts in pairs:
        qualify(lead, acts, compiled, now=NOW, users=USERS, integration_user_id=INTEGRATION_USER)
    rates: dict[str, float] = {}
    for memo in stats:
        looked_up = memo.hits + memo.misses
        if looked_up:
            rates[memo.pattern] = round(memo.hits / looked_up, 3)
    return rates


def run(leads: int, *, repeat: int, definition: Path) -> dict[str, Any]:
    """Score the synthetic leads *repeat* times and return the measurements."""
    data = make_dataset(leads)
    activity_count = sum(len(v) for _, acts in data for v in acts.values())
    timings = []
    cpu_timings = []
    for _ in range(repeat):
        # compiled afresh each run, so the engine's memos start empty: one cold pass
        compiled = load_compiled(definition)
        start = time.perf_counter()
        cpu_start = time.process_time()
        for lead, acts in data:
            qualify(
                lead,
                acts,
                compiled,
                now=NOW,
                users=USERS,
                integration_user_id=INTEGRATION_USER,
            )
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - cpu_start)
    memo_hits = memo_hit_rates(data, definition)
    best = min(timings)
    best_cpu = min(cpu_timings)
    return {
        "leads": leads,
        "activities": activity_count,
        "repeat": repeat,
        "best_seconds": round(best, 4),
        "leads_per_second": round(leads / best) if best else None,
        "microseconds_per_lead": round(best / leads * 1e6, 1) if leads else None,
        "best_cpu_seconds": round(best_cpu, 4),
        "leads_per_cpu_second": round(leads / best_cpu) if best_cpu else None,
        "distinct": variety(data),
        "memo_hit_rates": memo_hits,
        "definition": str(definition),
        "python": platform.python_version(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the benchmark and print the result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=20_000, help="number of leads (20000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best counts (3)")
    parser.add_argument(
        "--definition",
        type=Path,
        default=ROOT / "mappings" / "default.yaml",
        help="definition file (mappings/default.yaml)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run(args.leads, repeat=max(1, args.repeat), definition=args.definition)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(
            f"{result['leads']} leads, {result['activities']} activities, "
            f"best of {result['repeat']}: {result['best_seconds']:.3f} s\n"
            f"{result['leads_per_second']} leads/s, "
            f"{result['microseconds_per_lead']} µs/lead "
            f"({result['leads_per_cpu_second']} leads per CPU second)\n"
            "distinct values: " + ", ".join(f"{n} {what}" for what, n in result["distinct"].items())
        )
        for pattern, rate in result["memo_hit_rates"].items():
            print(f"memo hit rate {rate:.1%}: {pattern}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
