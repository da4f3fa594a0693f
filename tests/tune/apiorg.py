"""
Build a sandbox org through the Salesforce REST API (simple-salesforce, sObject Collections),
not through the seed code, then sync it and run the CLI against it.

Converted leads are inserted converted, with their CreatedDate and ConvertedDate: the way a
real org takes history in a data migration, with "Set Audit Fields upon Record Creation"
enabled (IsConverted and ConvertedDate are createable, never updateable; a real org also
wants ConvertedAccountId, a field the sandbox's Lead does not model). Converting leads one by
one (Apex `Database.convertLead`, the SOAP `convertLead` call) would stamp today's date, so
it cannot plant history. Sources:
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm
https://help.salesforce.com/s/articleView?id=000386875&type=1 (audit fields on insert).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from simple_salesforce import Salesforce

from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.report.conftest import DemoOrg as Org
from tests.sandbox.conftest import PinnedSession
from tests.tune.synthetic import PlannedLead, sf_time

__all__ = ["Org", "api_org", "build", "connect"]

BATCH = 200


def _create(sf: Salesforce, sobject: str, records: Sequence[dict[str, Any]]) -> list[str]:
    """Insert *records* with sObject Collections, 200 a call, all or none; their new Ids."""
    ids: list[str] = []
    for start in range(0, len(records), BATCH):
        chunk = [{"attributes": {"type": sobject}, **r} for r in records[start : start + BATCH]]
        results = sf.restful(
            "composite/sobjects", method="POST", json={"allOrNone": True, "records": chunk}
        )
        failed = [r for r in results if not r["success"]]
        assert not failed, failed[:3]
        ids.extend(r["id"] for r in results)
    return ids


def build(sf: Salesforce, leads: Sequence[PlannedLead]) -> list[str]:
    """Insert the leads and their web visits; the lead Ids in order."""
    ids = _create(sf, "Lead", [{k: v for k, v in p.fields.items() if v is not None} for p in leads])
    visits = [
        {
            "Name": url[:80],
            "Lead__c": lead_id,
            "Url__c": url,
            "Visited_At__c": sf_time(at),
            "CreatedDate": sf_time(at),
        }
        for lead_id, planned in zip(ids, leads, strict=True)
        for at, url in planned.visits
    ]
    _create(sf, "Web_Activity__c", visits)
    return ids


def connect(sandbox: RunningSandbox) -> Salesforce:
    """simple-salesforce connected to the sandbox org by session id, as the sync connects."""
    session = PinnedSession(sandbox.ca_file)
    return Salesforce(
        instance_url=sandbox.url, session_id=sandbox.token, session=session, version="62.0"
    )


def api_org(root: Path, leads: Sequence[PlannedLead]) -> Iterator[Org]:
    """Start an empty sandbox org under *root*, fill it through the API, yield it."""
    with start_sandbox(root / "org") as sandbox:
        build(connect(sandbox), leads)
        yield Org(sandbox, root / "state.sqlite3")
