"""jsforce 3, a client not written here, drives the sandbox org through everyday workflows."""

from __future__ import annotations

import pytest

from sfsync.sandbox.connected_app import KEY_FILE
from sfsync.sandbox.server import RunningSandbox
from tests.conformance.clients import NodeClients
from tests.conformance.conftest import LEADS, run_jsforce


@pytest.mark.workflow("query with autoFetch and queryMore", "jsforce")
def test_query_pages_with_autofetch_and_query_more(
    clients: NodeClients, jsforce_env: dict[str, str]
) -> None:
    """autoFetch follows every nextRecordsUrl; queryMore returns the next page, no overlap."""
    result = run_jsforce(clients, "query", jsforce_env)
    assert result["totalSize"] == result["fetched"] == result["distinct"] >= LEADS
    assert result["owners"] == result["fetched"]
    assert (result["firstPage"], result["firstDone"], result["secondPage"]) == (200, False, 200)
    assert result["overlap"] == 0


@pytest.mark.workflow("query with scanAll (deleted rows)", "jsforce")
def test_scan_all_sees_the_recycle_bin(clients: NodeClients, jsforce_env: dict[str, str]) -> None:
    """scanAll returns deleted tasks that a plain query does not."""
    result = run_jsforce(clients, "scanAll", jsforce_env)
    assert result["live"] == 0
    assert result["deleted"] > 0


@pytest.mark.workflow("describeGlobal and describe", "jsforce")
def test_describe(clients: NodeClients, jsforce_env: dict[str, str]) -> None:
    """Global and object describes parse; references name their real targets."""
    result = run_jsforce(clients, "describe", jsforce_env)
    assert {"Lead", "Task", "Organization", "PermissionSetAssignment"} <= set(result["objects"])
    assert result["leadKeyPrefix"] == "00Q"
    assert result["leadOwnerTargets"] == ["Group", "User"]
    assert result["taskWhoTargets"] == ["Contact", "Lead"]
    assert "Open - Not Contacted" in result["statusValues"]


@pytest.mark.workflow("limits and Sforce-Limit-Info", "jsforce")
def test_limits(clients: NodeClients, jsforce_env: dict[str, str]) -> None:
    """limits() reads DailyApiRequests; jsforce picks api-usage out of Sforce-Limit-Info."""
    result = run_jsforce(clients, "limits", jsforce_env)
    assert result["daily"]["Max"] >= result["daily"]["Remaining"] > 0
    assert result["apiUsage"]["limit"] == result["daily"]["Max"]


@pytest.mark.workflow("Collections update with bad records", "jsforce")
def test_collections_keep_good_records(clients: NodeClients, jsforce_env: dict[str, str]) -> None:
    """allOrNone=false saves the good record; the bad ones fail alone with Salesforce's codes."""
    result = run_jsforce(clients, "collections", jsforce_env)
    good, missing, bad_email = result["results"]
    assert good["success"] is True
    assert missing["success"] is False
    assert bad_email["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert result["title"] == "Head of Conformance"


@pytest.mark.workflow("Bulk 2.0 query and ingest with failed results", "jsforce")
def test_bulk2_query_and_ingest(clients: NodeClients, jsforce_env: dict[str, str]) -> None:
    """A Bulk 2.0 query returns every lead once; ingest reports the good and the failed row."""
    result = run_jsforce(clients, "bulk2", jsforce_env)
    assert result["queried"] == result["distinct"] >= LEADS
    assert result["successful"] == [result["expectedSuccess"]]
    (failed,) = result["failed"]
    assert failed["error"].startswith("INVALID_EMAIL_ADDRESS:")


@pytest.mark.workflow("identity", "jsforce")
def test_identity(clients: NodeClients, jsforce_env: dict[str, str], org: RunningSandbox) -> None:
    """identity() follows the advertised identity URL to the user and the org's own Id."""
    result = run_jsforce(clients, "identity", jsforce_env)
    assert (result["user_id"], result["organization_id"]) == (org.org.user_id, org.org.org_id)
    assert result["username"] == org.org.integration_username()


@pytest.mark.workflow("JWT bearer login (Connected App), then identity", "jsforce")
def test_jwt_bearer_login(clients: NodeClients, org: RunningSandbox, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A JWT signed with the Connected App's key logs in; the id URL names user and org."""
    env = clients.env(
        tmp_path,
        org.ca_file,
        SANDBOX_URL=org.url,
        SANDBOX_CLIENT_ID=org.org.client_id,
        SANDBOX_USERNAME=org.org.integration_username(),
        SANDBOX_KEY_FILE=str(org.data_dir / KEY_FILE),
    )
    result = run_jsforce(clients, "identity", env)
    assert result["loggedInAs"] == {
        "id": org.org.user_id,
        "organizationId": org.org.org_id,
        "url": f"{org.url}/id/{org.org.org_id}/{org.org.user_id}",
    }
    assert result["organization_id"] == org.org.org_id
