"""
Plain factories for mirrored Salesforce records, in REST shape; keyword overrides win.
"""

from __future__ import annotations

from typing import Any

MODSTAMP = "2026-03-01T10:00:00.000+0000"


def lead_id(n: int) -> str:
    return f"00Q{n:015d}"


def make_lead(n: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "attributes": {"type": "Lead", "url": f"/services/data/v62.0/sobjects/Lead/{lead_id(n)}"},
        "Id": lead_id(n),
        "LastName": f"Lee {n}",
        "Company": "Acme",
        "Title": "VP Sales",
        "IsDeleted": False,
        "SystemModstamp": MODSTAMP,
    }
    record.update(overrides)
    return record


def make_task(n: int, lead: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "attributes": {"type": "Task", "url": f"/services/data/v62.0/sobjects/Task/00T{n:015d}"},
        "Id": f"00T{n:015d}",
        "WhoId": lead_id(lead),
        "Type": "Call",
        "Status": "Completed",
        "Subject": "Call",
        "IsDeleted": False,
        "SystemModstamp": MODSTAMP,
    }
    record.update(overrides)
    return record


def make_member(
    n: int, lead: int, campaign_type: str = "Webinar", **overrides: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "attributes": {"type": "CampaignMember", "url": "/x"},
        "Id": f"00v{n:015d}",
        "LeadId": lead_id(lead),
        "HasResponded": True,
        "Campaign": {"attributes": {"type": "Campaign", "url": "/y"}, "Type": campaign_type},
        "IsDeleted": False,
        "SystemModstamp": MODSTAMP,
    }
    record.update(overrides)
    return record


def make_visit(n: int, lead: int, url: str = "https://acme.example/pricing") -> dict[str, Any]:
    return {
        "Id": f"a00{n:015d}",
        "Lead__c": lead_id(lead),
        "Url__c": url,
        "Visited_At__c": MODSTAMP,
        "IsDeleted": False,
        "SystemModstamp": MODSTAMP,
    }


def make_event(n: int, lead: int) -> dict[str, Any]:
    return {
        "Id": f"00U{n:015d}",
        "WhoId": lead_id(lead),
        "StartDateTime": MODSTAMP,
        "IsDeleted": False,
        "SystemModstamp": MODSTAMP,
    }
