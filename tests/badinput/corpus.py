"""
The hostile-records corpus: leads and activity that a careless import, a form spammer or an
attacker could put into an org, inserted into a sandbox org.

Two routes in:
- through the org's REST API (sObject Collections create), for everything a real org
  accepts: SOQL fragments and quotes in every text field and picklist, control characters,
  emoji and bidi overrides, numbers sent as strings, numeric extremes, dates in 1900 and
  2999, leads with every optional field null;
- straight into the org's tables, for what another org's schema could hand back but the
  demo org's API would refuse: 100,000-character values (long text areas), NUL characters,
  leads with even the required fields null, and activity whose lookup holds the Id of the
  wrong object (a Contact, a Campaign, a User, a Task) or no Id at all.

Every record is tagged, so a test can tell the hostile leads from the seeded ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from sfsync.sandbox.ids import new_id, with_checksum
from sfsync.sandbox.schema import get_object
from sfsync.sandbox.seed import INTEGRATION_USER_ID, REP_IDS
from sfsync.sandbox.server import RunningSandbox

SOQL = "' OR Name LIKE '%"
TEXTS: dict[str, str] = {
    "soql_like": SOQL,
    "soql_escape": "\\' OR 1=1 --",
    "soql_delete": "'; DELETE FROM Lead WHERE Id != '",
    "soql_union": "x' UNION SELECT Id FROM User WHERE Name != '",
    "wildcards": "%_\\%\\_*?",
    "quotes": "He said \"hi\", then 'left'; `tick`",
    "control": "\x07bell\x1b[31mred\x1b[0m\ttab\r\nline\x0bvt\x0cff\x7fdel",
    "unicode": "👩\u200d💻🚀 Ünïcödé 中文 עברית \u202egnp.exe",
    "invisible": "\u200b\ufeff\u2060",
    "markup": "<script>alert(1)</script>&amp;{{7*7}}${jndi:ldap://x}",
    "rich_markup": "[/bold][red]x[/][link=https://evil.example]click[/link]",
    "numberish": "  1,000  ",
    "csv_breaker": 'a,"b""c",\n"d',
    "only_spaces": "   ",
    "yaml_json": '{"Id": "00Q000000000000AAA"}: [1, 2]',
}
LONG_VALUE = ("👩\u200d💻'\" OR Name LIKE '%\r\n" * 10_000)[:100_000]
NUL_VALUE = "nul\x00inside' OR 'x'='x"
PICKLISTS = ("Industry", "LeadSource", "Budget__c", "Purchase_Timeframe__c")
_LENGTHS = {"FirstName": 40, "LastName": 80, "Company": 255, "Title": 128, "Country": 80,
            "Pain_Points__c": 255}  # fmt: skip
CONTACT_ID = with_checksum("003000000000001")


@dataclass
class Corpus:
    """What was inserted: hostile lead Ids with a label each, and the orphan activity Ids."""

    leads: dict[str, str] = field(default_factory=dict)  # Id -> label
    orphans: dict[str, str] = field(default_factory=dict)  # activity Id -> label


def _text_lead(label: str, text: str) -> dict[str, Any]:
    lead: dict[str, Any] = {name: text[:length] for name, length in _LENGTHS.items()}
    if not text.strip():
        lead["LastName"] = lead["Company"] = f"{label}{text}"
    lead.update(dict.fromkeys(PICKLISTS, text[:255]))
    lead["Email"] = "o'brien+%25_x@xn--bcher-kva.example"
    return lead


def api_leads() -> dict[str, dict[str, Any]]:
    """Label -> Lead values, for the REST API."""
    leads = {f"text:{label}": _text_lead(label, text) for label, text in TEXTS.items()}
    leads["nulls_optional"] = {"LastName": "N", "Company": SOQL}
    leads["numbers_as_strings"] = {
        "LastName": "Strings",
        "Company": "250",
        "Title": "1000000",
        "NumberOfEmployees": "250",
        "AnnualRevenue": "5000000.50",
    }
    leads["numbers_extreme"] = {
        "LastName": "Extreme",
        "Company": "Big Co",
        "Title": "Director of IT",
        "Industry": "Software",
        "NumberOfEmployees": 99_999_999,
        "AnnualRevenue": 9.99e17,
    }
    leads["numbers_negative"] = {
        "LastName": "Negative",
        "Company": "Small Co",
        "Title": "VP Sales",
        "NumberOfEmployees": -5,
        "AnnualRevenue": -1.5,
    }
    leads["created_1900"] = {
        "LastName": "Old",
        "Company": "Ancient Ltd",
        "Title": "CEO",
        "CreatedDate": "1900-01-01T00:00:00.000+0000",
    }
    leads["created_2999"] = {
        "LastName": "Future",
        "Company": "Tomorrow Inc",
        "Title": "CTO",
        "CreatedDate": "2999-12-31T23:59:59.000+0000",
    }
    return leads


def _activities(lead_id: str, text: str, campaign_id: str) -> dict[str, list[dict[str, Any]]]:
    rep = REP_IDS[0]
    return {
        "Task": [
            {"WhoId": lead_id, "Subject": text[:255], "Type": "Call", "Status": "Completed",
             "ActivityDate": "1900-01-01", "OwnerId": rep, "CreatedById": rep},
            {"WhoId": lead_id, "Subject": f"Email Opened: {text}"[:255], "Type": "Email",
             "Status": "Completed", "ActivityDate": "2999-12-31", "OwnerId": rep,
             "CreatedById": rep},
        ],
        "Event": [
            {"WhoId": lead_id, "Subject": text[:255], "Type": "Meeting",
             "StartDateTime": "2999-12-31T10:00:00.000+0000", "OwnerId": rep,
             "CreatedById": rep},
        ],
        "Web_Activity__c": [
            {"Lead__c": lead_id, "Name": text[:80], "Url__c": f"https://example.com/pricing?q={text}"[:255],
             "Visited_At__c": "2999-01-01T00:00:00.000+0000"},
            {"Lead__c": lead_id, "Name": "js", "Url__c": "javascript:alert('x')//' OR '1'='1",
             "Visited_At__c": "1900-01-01T00:00:00.000+0000"},
        ],
        # HasResponded and FirstRespondedDate are the org's to derive from Status.
        "CampaignMember": [
            {"LeadId": lead_id, "CampaignId": campaign_id, "Status": "Responded"},
        ],
    }  # fmt: skip


class OrgApi:
    """Just enough of the org's REST API to insert records (as an import tool would)."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.verify = str(sandbox.ca_file)
        self.session.trust_env = False

    def create(self, object_name: str, records: list[dict[str, Any]]) -> list[str]:
        """Create *records* (≤200) with Collections; every one must succeed."""
        body = {
            "allOrNone": True,
            "records": [{"attributes": {"type": object_name}, **r} for r in records],
        }
        response = self.session.post(
            f"{self.sandbox.url}/services/data/v62.0/composite/sobjects",
            data=json.dumps(body),
            headers={
                "Authorization": f"Bearer {self.sandbox.token}",
                "Content-Type": "application/json",
                "Sforce-Auto-Assign": "FALSE",
            },
        )
        assert response.status_code == 200, response.text
        results = response.json()
        failed = [(r, res) for r, res in zip(records, results, strict=True) if not res["success"]]
        assert not failed, f"the org refused corpus records: {failed[:2]}"
        return [str(res["id"]) for res in results]


def insert_raw(
    sandbox: RunningSandbox, object_name: str, values: Mapping[str, Any], *, record_id: str = ""
) -> str:
    """Insert one row straight into the org's table (no API checks); returns its Id."""
    obj = get_object(object_name)
    assert obj is not None
    org = sandbox.org
    with org.lock:
        stamp = org.tick()
        row: dict[str, Any] = {
            "Id": record_id or new_id(obj.key_prefix),
            "IsDeleted": 0,
            "CreatedDate": stamp,
            "CreatedById": INTEGRATION_USER_ID,
            "LastModifiedDate": stamp,
            "LastModifiedById": INTEGRATION_USER_ID,
            "SystemModstamp": stamp,
        }
        row.update(values)
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        org.conn.execute(
            f'INSERT INTO "{obj.name}" ({columns}) VALUES ({marks})', list(row.values())
        )
    return str(row["Id"])


def insert_corpus(sandbox: RunningSandbox) -> Corpus:
    """Insert every hostile record into the running org; return their Ids."""
    corpus = Corpus()
    api = OrgApi(sandbox)
    with sandbox.org.lock:
        campaign_id = sandbox.org.conn.execute(
            "SELECT Id FROM Campaign WHERE Type = 'Webinar' ORDER BY Id LIMIT 1"
        ).fetchone()[0]
        other_task = sandbox.org.conn.execute("SELECT Id FROM Task LIMIT 1").fetchone()[0]
        event_id = sandbox.org.conn.execute("SELECT Id FROM Event LIMIT 1").fetchone()[0]
    leads = api_leads()
    ids = api.create("Lead", list(leads.values()))
    corpus.leads.update(dict(zip(ids, leads, strict=True)))
    texts = {f"text:{k}": v for k, v in TEXTS.items()}
    per_object: dict[str, list[dict[str, Any]]] = {}
    for lead_id, label in corpus.leads.items():
        text = texts.get(label, SOQL)
        for name, records in _activities(lead_id, text, campaign_id).items():
            per_object.setdefault(name, []).extend(records)
    for name, records in per_object.items():
        for start in range(0, len(records), 200):
            api.create(name, records[start : start + 200])

    rep = REP_IDS[1]
    long_lead = insert_raw(
        sandbox,
        "Lead",
        {**dict.fromkeys(_LENGTHS, LONG_VALUE), **dict.fromkeys(PICKLISTS, LONG_VALUE),
         "Email": "long@example.com", "OwnerId": rep, "Status": "Open - Not Contacted",
         "IsConverted": 0},
    )  # fmt: skip
    corpus.leads[long_lead] = "long_100k"
    insert_raw(
        sandbox,
        "Task",
        {"WhoId": long_lead, "Subject": LONG_VALUE, "Type": "Call", "Status": "Completed",
         "ActivityDate": "2026-11-01", "OwnerId": rep, "CreatedById": rep},
    )  # fmt: skip
    nul_lead = insert_raw(
        sandbox,
        "Lead",
        {**dict.fromkeys(_LENGTHS, NUL_VALUE), "OwnerId": rep, "Status": "Open - Not Contacted",
         "IsConverted": 0},
    )  # fmt: skip
    corpus.leads[nul_lead] = "nul_chars"
    null_lead = insert_raw(
        sandbox,
        "Lead",
        {"IsConverted": None, "IsDeleted": 0, "CreatedDate": None, "CreatedById": None,
         "LastModifiedDate": None, "LastModifiedById": None},
    )  # fmt: skip
    corpus.leads[null_lead] = "nulls_everywhere"
    wrong: dict[str, tuple[str, dict[str, Any]]] = {
        "who_contact": ("Task", {"WhoId": CONTACT_ID}),
        "who_campaign": ("Task", {"WhoId": campaign_id}),
        "who_user": ("Task", {"WhoId": rep}),
        "who_garbage": ("Task", {"WhoId": SOQL}),
        "who_missing_lead": ("Task", {"WhoId": with_checksum("00Q5g00000Gone1")}),
        "who_null": ("Task", {"WhoId": None}),
        "event_who_contact": ("Event", {"WhoId": CONTACT_ID}),
        "web_lead_is_task": ("Web_Activity__c", {"Lead__c": other_task}),
        "member_lead_is_event": ("CampaignMember", {"LeadId": event_id,
                                                    "CampaignId": campaign_id}),
    }  # fmt: skip
    base: dict[str, dict[str, Any]] = {
        "Task": {"Subject": SOQL, "Type": "Call", "Status": "Completed",
                 "ActivityDate": "2026-11-01", "OwnerId": rep, "CreatedById": rep},
        "Event": {"Subject": SOQL, "StartDateTime": "2026-11-01T10:00:00.000+0000",
                  "OwnerId": rep, "CreatedById": rep},
        "Web_Activity__c": {"Url__c": "https://example.com/pricing",
                            "Visited_At__c": "2026-11-19T10:00:00.000+0000"},
        "CampaignMember": {"Status": "Responded", "HasResponded": 1,
                           "FirstRespondedDate": "2026-11-19"},
    }  # fmt: skip
    for label, (name, values) in wrong.items():
        corpus.orphans[insert_raw(sandbox, name, {**base[name], **values})] = label
    return corpus
