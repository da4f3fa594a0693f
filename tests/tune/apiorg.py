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

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import structlog
from simple_salesforce import Salesforce

from sfsync import cli
from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.tune.synthetic import PlannedLead, sf_time

BATCH = 200


class PinnedSession(requests.Session):
    """A requests Session that trusts only the sandbox's CA, whatever REQUESTS_CA_BUNDLE says."""

    def __init__(self, ca_file: Path) -> None:
        super().__init__()
        self.ca_file = str(ca_file)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = self.ca_file
        return settings


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


@dataclass
class Org:
    """A running sandbox org and a state store beside it."""

    sandbox: RunningSandbox
    state_path: Path

    def salesforce(self) -> Salesforce:
        """simple-salesforce connected to the org by session id."""
        session = PinnedSession(self.sandbox.ca_file)
        return Salesforce(
            instance_url=self.sandbox.url,
            session_id=self.sandbox.token,
            session=session,
            version="62.0",
        )

    def run(self, *args: str) -> int:
        """Run the CLI against this org and state store, in this process."""
        with pytest.MonkeyPatch.context() as mp:
            for name in [n for n in os.environ if n.startswith("SFSYNC_")]:
                if name != "SFSYNC_BULK_POLL_FIRST_SECONDS":
                    mp.delenv(name)
            mp.setenv("SFSYNC_STATE_PATH", str(self.state_path))
            try:
                return cli.main(
                    ["--env-file", str(self.sandbox.env_file), "--log-format", "json", *args]
                )
            finally:
                structlog.reset_defaults()


def api_org(root: Path, leads: Sequence[PlannedLead]) -> Iterator[Org]:
    """Start an empty sandbox org under *root*, fill it through the API, yield it."""
    with start_sandbox(root / "org") as sandbox:
        org = Org(sandbox, root / "state.sqlite3")
        build(org.salesforce(), leads)
        yield org
