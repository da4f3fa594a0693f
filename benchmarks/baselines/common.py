"""
What both baselines share, so that they differ only in how they write: the connection
(from the sandbox's connection.env), the reads (one `query_all` per object, everything in
memory, as an admin's script does) and the scoring (sfsync's own engine with the default
definition when it is importable, so the work per lead is the same; a small inline score
otherwise).
"""

from __future__ import annotations

import math
import os
import shlex
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from simple_salesforce.api import Salesforce

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEFINITION = ROOT / "mappings" / "default.yaml"

Record = dict[str, Any]
Activities = dict[str, list[Record]]
Scorer = Callable[[Record, Activities], Record]

LEAD_SOQL = (
    "SELECT Id, Title, Email, Company, Industry, NumberOfEmployees, AnnualRevenue, Country,"
    " LeadSource, Status, OwnerId, IsConverted, CreatedDate, Budget__c,"
    " Purchase_Timeframe__c, Pain_Points__c, SFS_Status__c, SFS_Sales_Ready_Since__c"
    " FROM Lead WHERE IsConverted = false"
)
# Activity object -> (its query, the field that points at the Lead).
ACTIVITY_SOQL = {
    "Task": (
        "SELECT Id, WhoId, Subject, Type, TaskSubtype, Status, ActivityDate, CreatedDate,"
        " CreatedById, OwnerId FROM Task WHERE WhoId != null",
        "WhoId",
    ),
    "Event": (
        "SELECT Id, WhoId, Subject, Type, StartDateTime, CreatedDate, CreatedById, OwnerId"
        " FROM Event WHERE WhoId != null",
        "WhoId",
    ),
    "CampaignMember": (
        "SELECT Id, LeadId, Status, HasResponded, FirstRespondedDate, CreatedDate,"
        " Campaign.Type FROM CampaignMember WHERE LeadId != null",
        "LeadId",
    ),
    "Web_Activity__c": (
        "SELECT Id, Lead__c, Url__c, Visited_At__c, CreatedDate FROM Web_Activity__c",
        "Lead__c",
    ),
}


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines (values may be shell-quoted); comments and blanks are skipped."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        parts = shlex.split(value)
        values[key.strip()] = parts[0] if parts else ""
    return values


def connect(env_file: Path) -> Salesforce:
    """A session-id client that never fires lead assignment rules and trusts the org's CA."""
    env = read_env_file(env_file)
    session = requests.Session()
    session.headers["Sforce-Auto-Assign"] = "FALSE"
    ca_bundle = env.get("SFSYNC_SF_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
        # requests lets REQUESTS_CA_BUNDLE override Session.verify: point it at the same CA.
        os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle
    return Salesforce(
        instance_url=env["SFSYNC_SF_INSTANCE_URL"],
        session_id=env["SFSYNC_SF_ACCESS_TOKEN"],
        session=session,
    )


def read_org(sf: Salesforce) -> tuple[list[Record], dict[str, Activities], dict[str, str]]:
    """Every open lead, its activity grouped by lead and object, and the users' names."""
    leads: list[Record] = sf.query_all(LEAD_SOQL)["records"]
    activities: dict[str, Activities] = defaultdict(lambda: {name: [] for name in ACTIVITY_SOQL})
    for name, (soql, lead_field) in ACTIVITY_SOQL.items():
        for record in sf.query_all(soql)["records"]:
            activities[record[lead_field]][name].append(record)
    users = {u["Id"]: u["Name"] for u in sf.query_all("SELECT Id, Name FROM User")["records"]}
    return leads, activities, users


def integration_user_id(sf: Salesforce) -> str | None:
    """The user the token belongs to (OAuth userinfo; not an API call)."""
    response = sf.session.get(
        f"https://{sf.sf_instance}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {sf.session_id}"},
        timeout=30,
    )
    response.raise_for_status()
    user_id = response.json().get("user_id")
    return str(user_id) if user_id else None


def make_scorer(
    users: dict[str, str], integration_user: str | None, now: datetime
) -> tuple[str, Scorer]:
    """The scorer's name and a function (lead, activities) -> the fields to write."""
    try:
        from sfsync.definition.loader import load_compiled
        from sfsync.scoring import qualify
    except ImportError:
        return "inline", lambda lead, acts: inline_score(lead, acts, now)
    compiled = load_compiled(DEFAULT_DEFINITION)

    def score(lead: Record, acts: Activities) -> Record:
        result = qualify(
            lead, acts, compiled, now=now, users=users, integration_user_id=integration_user
        )
        return dict(result.to_fields())

    return "sfsync.scoring.qualify", score


_TARGET_INDUSTRIES = {"Software", "Technology", "Financial Services", "Healthcare", "Manufacturing"}


def inline_score(lead: Record, acts: Activities, now: datetime) -> Record:
    """A simple fit + decayed-engagement score (used only while the engine is missing)."""
    employees = lead.get("NumberOfEmployees") or 0
    title = (lead.get("Title") or "").lower()
    fit = 20 if lead.get("Industry") in _TARGET_INDUSTRIES else 0
    fit += 20 if employees >= 1000 else 15 if employees >= 200 else 10 if employees >= 50 else 0
    fit += 30 if any(w in title for w in ("chief", "vp", "founder", "president")) else 0
    fit += 20 if "director" in title else 10 if "manager" in title else 0
    engagement = 0.0
    for visit in acts.get("Web_Activity__c", []):
        when = datetime.strptime(visit["Visited_At__c"][:19], "%Y-%m-%dT%H:%M:%S")
        age_days = (now - when.replace(tzinfo=UTC)).total_seconds() / 86_400
        points = 15 if "/pricing" in (visit.get("Url__c") or "") else 5
        engagement += points * math.pow(0.5, max(age_days, 0) / 30)
    engagement += 10 * sum(1 for m in acts.get("CampaignMember", []) if m.get("HasResponded"))
    eng = min(100, round(engagement))
    fit = min(100, fit)
    return {
        "SFS_Score__c": round((fit + eng) / 2),
        "SFS_Fit_Score__c": fit,
        "SFS_Engagement_Score__c": eng,
        "SFS_Status__c": "Sales Ready" if fit >= 50 and eng >= 40 else "Nurture",
        "SFS_Definition_Version__c": "baseline-inline",
    }
