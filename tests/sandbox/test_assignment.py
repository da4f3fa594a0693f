"""The lead assignment trap: updates without `Sforce-Auto-Assign: FALSE` re-own the lead."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce

from sfsync.sandbox.org import LEAD_ROUTER_USER_ID
from sfsync.sandbox.server import RunningSandbox
from tests.sandbox.conftest import lead_ids, lead_row

NO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}


@pytest.mark.parametrize("header", [None, "TRUE"])
def test_single_update_without_false_header_reowns(
    sf: Salesforce, sandbox: RunningSandbox, header: str | None
) -> None:
    """A PATCH without the header (or with TRUE) fires the active assignment rule."""
    (lead_id,) = lead_ids(sandbox, 1)
    owner = lead_row(sandbox, lead_id)["OwnerId"]
    assert owner != LEAD_ROUTER_USER_ID
    headers = {"Sforce-Auto-Assign": header} if header else {}
    sf.Lead.update(lead_id, {"SFS_Score__c": 50}, headers=headers)
    assert lead_row(sandbox, lead_id)["OwnerId"] == LEAD_ROUTER_USER_ID


def test_single_update_with_false_header_keeps_owner(
    sf: Salesforce, sandbox: RunningSandbox
) -> None:
    """With Sforce-Auto-Assign: FALSE the owner is untouched."""
    (lead_id,) = lead_ids(sandbox, 1)
    owner = lead_row(sandbox, lead_id)["OwnerId"]
    sf.Lead.update(lead_id, {"SFS_Score__c": 50}, headers=NO_ASSIGN)
    assert owner == lead_row(sandbox, lead_id)["OwnerId"]


def test_collections_update_honours_the_header(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Collections re-own leads without the header and keep owners with it."""
    a, b = lead_ids(sandbox, 2)
    owner_b = lead_row(sandbox, b)["OwnerId"]
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Lead"}, "id": a, "SFS_Score__c": 1}]},
    )
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        headers=NO_ASSIGN,
        json={"records": [{"attributes": {"type": "Lead"}, "id": b, "SFS_Score__c": 1}]},
    )
    assert lead_row(sandbox, a)["OwnerId"] == LEAD_ROUTER_USER_ID
    assert owner_b == lead_row(sandbox, b)["OwnerId"]


def test_bulk_ingest_honours_the_header(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """A Bulk 2.0 update re-owns leads unless the job's requests carry the FALSE header."""
    a, b = lead_ids(sandbox, 2)
    owner_b = lead_row(sandbox, b)["OwnerId"]
    sf.bulk2.Lead.update(records=[{"Id": a, "SFS_Score__c": "1"}], wait=0)
    assert lead_row(sandbox, a)["OwnerId"] == LEAD_ROUTER_USER_ID
    sf.session.headers.update(NO_ASSIGN)
    sf.bulk2.Lead.update(records=[{"Id": b, "SFS_Score__c": "1"}], wait=0)
    assert owner_b == lead_row(sandbox, b)["OwnerId"]
