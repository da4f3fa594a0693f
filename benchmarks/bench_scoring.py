"""
How fast is `qualify`? Scores N synthetic leads (about 15 activities each) against the default
definition, compiled once, and reports leads per second and microseconds per lead.

    python benchmarks/bench_scoring.py --leads 20000
    python benchmarks/bench_scoring.py --leads 20000 --json

The data is deterministic (seeded), shaped like the demo org's records (DESIGN §5), and built
before the clock starts; the time is the best of --repeat runs over all leads. Wall-clock and
process CPU time are both reported: on a shared machine the CPU figure is the steadier one.
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

from sfsync.definition.loader import load_compiled  # noqa: E402 - after the path tweak
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

TITLES = (
    "CEO", "Founder", "VP Sales", "Head of Marketing", "Director of IT", "Marketing Manager",
    "Sales Operations Lead", "Software Engineer", "Analyst", "Student", "Intern", "",
    None, "Chief Revenue Officer", "Demand Generation Manager", "Retired",
)  # fmt: skip
INDUSTRIES = (
    "Software", "Technology", "Financial Services", "Healthcare", "Manufacturing",
    "Retail", "Education", "Government", None, "",
)  # fmt: skip
DOMAINS = ("acme.example", "globex.example", "initech.example", "gmail.com", "yahoo.com")
COUNTRIES = ("United States", "United Kingdom", "Germany", "France", None)
BUDGETS = ("Approved", "Planned", "None", None)
TIMEFRAMES = ("0-3 months", "3-6 months", "6-12 months", "12+ months", "Unknown", None)
URLS = (
    "/", "/blog/lead-scoring", "/pricing", "https://www.example.com/pricing?plan=pro",
    "/compare/rival", "/vs-rival", "/docs/start", "/careers",
)  # fmt: skip
CAMPAIGN_TYPES = ("Content Download", "Webinar", "Paid Ads", "Content Syndication", "Trade Show")


def sf_datetime(moment: datetime) -> str:
    """Format *moment* as Salesforce serialises datetimes in JSON."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def make_lead(rng: random.Random, number: int) -> dict[str, Any]:
    """Build one Lead record in the REST API's shape."""
    created = NOW - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1440))
    domain = rng.choice(DOMAINS)
    return {
        "Id": f"00Q{number:012d}AAA",
        "FirstName": "Lee",
        "LastName": f"Lead {number}",
        "Company": f"Company {number % 997}",
        "Title": rng.choice(TITLES),
        "Email": f"lead{number}@{domain}" if rng.random() < 0.95 else None,
        "Industry": rng.choice(INDUSTRIES),
        "NumberOfEmployees": rng.choice((None, 5, 40, 120, 450, 2500, 12000)),
        "AnnualRevenue": rng.choice((None, 800_000.0, 7_500_000.0, 60_000_000.0)),
        "Country": rng.choice(COUNTRIES),
        "LeadSource": rng.choice(("Web", "Trade Show", "Referral", "Purchased List")),
        "Status": "Open - Not Contacted",
        "IsConverted": rng.random() < 0.03,
        "Budget__c": rng.choice(BUDGETS),
        "Purchase_Timeframe__c": rng.choice(TIMEFRAMES),
        "Pain_Points__c": rng.choice((None, "", "Leads go cold before sales calls")),
        "CreatedDate": sf_datetime(created),
        "SFS_Status__c": rng.choice((None, "Nurture", "Sales Ready")),
        "SFS_Sales_Ready_Since__c": None,
    }


def make_activities(
    rng: random.Random, lead: dict[str, Any], count: int
) -> dict[str, list[dict[str, Any]]]:
    """Build about *count* activity records for *lead*, spread over the last year."""
    out: dict[str, list[dict[str, Any]]] = {
        "Task": [],
        "Event": [],
        "CampaignMember": [],
        "Web_Activity__c": [],
    }
    lead_id = lead["Id"]
    for n in range(count):
        at = NOW - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440))
        kind = rng.random()
        record_id = f"{lead_id[3:15]}{n:03d}"
        if kind < 0.45:
            out["Web_Activity__c"].append(
                {
                    "Id": f"a01{record_id}",
                    "Lead__c": lead_id,
                    "Url__c": rng.choice(URLS),
                    "Visited_At__c": sf_datetime(at),
                    "CreatedDate": sf_datetime(at),
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
                    "CreatedDate": sf_datetime(at),
                    "Campaign": {"Type": rng.choice(CAMPAIGN_TYPES)},
                }
            )
        elif kind < 0.80:
            opened = rng.choice(("Opened", "Clicked"))
            out["Task"].append(
                {
                    "Id": f"00T{record_id}",
                    "WhoId": lead_id,
                    "Type": "Email",
                    "TaskSubtype": "Email",
                    "Status": "Completed",
                    "Subject": f"Email {opened}: November newsletter",
                    "ActivityDate": at.date().isoformat(),
                    "CreatedDate": sf_datetime(at),
                    "CreatedById": MARKETING_USER,
                }
            )
        elif kind < 0.95:
            out["Task"].append(
                {
                    "Id": f"00T{record_id}",
                    "WhoId": lead_id,
                    "Type": rng.choice(("Call", "Email", "Other")),
                    "TaskSubtype": rng.choice(("Call", "Email", "Task")),
                    "Status": rng.choice(("Completed", "Completed", "Not Started")),
                    "Subject": rng.choice(("Call", "Intro email", "Follow up")),
                    "ActivityDate": at.date().isoformat(),
                    "CreatedDate": sf_datetime(at),
                    "CreatedById": rng.choice((*REPS, INTEGRATION_USER)),
                }
            )
        else:
            out["Event"].append(
                {
                    "Id": f"00U{record_id}",
                    "WhoId": lead_id,
                    "Subject": "Discovery meeting",
                    "StartDateTime": sf_datetime(at),
                    "CreatedDate": sf_datetime(at),
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


def run(leads: int, *, repeat: int, definition: Path) -> dict[str, Any]:
    """Score the synthetic leads *repeat* times and return the measurements."""
    compiled = load_compiled(definition)
    data = make_dataset(leads)
    activity_count = sum(len(v) for _, acts in data for v in acts.values())
    timings = []
    cpu_timings = []
    for _ in range(repeat):
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
            f"({result['leads_per_cpu_second']} leads per CPU second)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
