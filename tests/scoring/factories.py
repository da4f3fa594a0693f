"""Plain factories for leads and activity records in Salesforce's JSON shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sfsync.definition.compile import CompiledDefinition, compile_definition
from sfsync.definition.model import Definition

DEFAULT_YAML = Path(__file__).resolve().parents[2] / "mappings" / "default.yaml"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
REP = "005000000000REPAAA"
MARKETING = "005000000000MKTAAA"
INTEGRATION = "005000000000INTAAA"
USERS = {REP: "Rita Rep", MARKETING: "Marketing Automation", INTEGRATION: "sfsync Integration"}


@cache
def default_definition() -> CompiledDefinition:
    """The shipped default definition, compiled once per test session."""
    return compile_definition(Definition.model_validate(yaml.safe_load(DEFAULT_YAML.read_text())))


def default_data() -> dict[str, Any]:
    """A fresh, mutable copy of the default definition's YAML data."""
    return yaml.safe_load(DEFAULT_YAML.read_text())


def with_lead_score(gte: int) -> CompiledDefinition:
    """The default definition plus a package score on the Lead itself (`object: Lead`), dated
    by its last activity: signal `ma_score`, 20 points once `pi__score__c` >= *gte*."""
    data = default_data()
    data["engagement"]["signals"]["ma_score"] = {"label": f"Score {gte}+", "points": 20, "cap": 20}
    data["engagement"]["sources"].append(
        {
            "object": "Lead",
            "lead_field": "Id",
            "at": "pi__last_activity__c",
            "when": {"field": "pi__score__c", "gte": gte},
            "signal": "ma_score",
        }
    )
    return compile_definition(Definition.model_validate(data))


def sf_time(value: datetime) -> str:
    """A datetime in Salesforce's JSON form."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def days_ago(days: float) -> datetime:
    """NOW minus *days*."""
    return NOW - timedelta(days=days)


def make_lead(**fields: Any) -> dict[str, Any]:
    """A well-fitting lead with every input known (fit 80 with a VP title); override any field."""
    lead: dict[str, Any] = {
        "attributes": {
            "type": "Lead",
            "url": "/services/data/v62.0/sobjects/Lead/00Q000000000001AAA",
        },
        "Id": "00Q000000000001AAA",
        "Title": "Director of Operations",
        "Industry": "Software",
        "NumberOfEmployees": 250,
        "AnnualRevenue": 1_000_000,
        "Email": "dana@acme.example.com",
        "Country": "Germany",
        "Budget__c": "Approved",
        "Purchase_Timeframe__c": "0-3 months",
        "Pain_Points__c": "Spreadsheets everywhere",
        "IsConverted": False,
        "Status": "Open - Not Contacted",
        "CreatedDate": sf_time(days_ago(200)),
    }
    lead.update(fields)
    return lead


def make_web(
    at: datetime, url: str = "https://www.example.com/blog/post", **fields: Any
) -> dict[str, Any]:
    """A Web_Activity__c visit."""
    record = {
        "Id": f"a00{str(url)[-6:]}{sf_time(at)}",
        "Lead__c": "00Q000000000001AAA",
        "Url__c": url,
        "Visited_At__c": sf_time(at),
        "IsDeleted": False,
    }
    record.update(fields)
    return record


def make_member(
    at: datetime, campaign_type: str = "Content Download", **fields: Any
) -> dict[str, Any]:
    """A responded CampaignMember with its Campaign.Type nested as the REST API returns it."""
    record = {
        "Id": f"00v{campaign_type[:4]}{sf_time(at)}",
        "LeadId": "00Q000000000001AAA",
        "HasResponded": True,
        "FirstRespondedDate": at.date().isoformat(),
        "Campaign": {"attributes": {"type": "Campaign"}, "Type": campaign_type},
        "IsDeleted": False,
    }
    record.update(fields)
    return record


def make_task(at: datetime, **fields: Any) -> dict[str, Any]:
    """A completed call logged by a sales rep."""
    record = {
        "Id": f"00T{sf_time(at)}",
        "WhoId": "00Q000000000001AAA",
        "Type": "Call",
        "TaskSubtype": "Call",
        "Status": "Completed",
        "Subject": "Call",
        "CreatedDate": sf_time(at),
        "CreatedById": REP,
        "IsDeleted": False,
    }
    record.update(fields)
    return record


def make_event(at: datetime, **fields: Any) -> dict[str, Any]:
    """A meeting logged by a sales rep."""
    record = {
        "Id": f"00U{sf_time(at)}",
        "WhoId": "00Q000000000001AAA",
        "StartDateTime": sf_time(at),
        "CreatedDate": sf_time(at),
        "CreatedById": REP,
        "IsDeleted": False,
    }
    record.update(fields)
    return record


def activities(*records: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Group records by object, guessing the object from the factory's Id prefix."""
    prefixes = {"a00": "Web_Activity__c", "00v": "CampaignMember", "00T": "Task", "00U": "Event"}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(prefixes[record["Id"][:3]], []).append(record)
    return grouped
