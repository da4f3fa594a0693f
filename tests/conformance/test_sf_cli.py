"""The Salesforce CLI (`sf`), a client not written here, used on the sandbox as admins use it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sfsync.sandbox.server import RunningSandbox
from tests.conformance.conftest import LEADS, SfSession


@pytest.mark.workflow("org login access-token", "sf")
def test_login_with_an_access_token(sf: SfSession, org: RunningSandbox) -> None:
    """sf logs in with the access token and reads the org's own Id and the user's name."""
    result = sf.login["result"]
    assert (result["orgId"], result["username"]) == (
        org.org.org_id,
        org.org.integration_username(),
    )
    assert result["instanceUrl"].rstrip("/") == org.url


@pytest.mark.workflow("org display", "sf")
def test_org_display(sf: SfSession, org: RunningSandbox) -> None:
    """org display shows the org as connected, with its Id and API version."""
    result = sf.run("org", "display")["result"]
    assert (result["id"], result["connectedStatus"]) == (org.org.org_id, "Connected")
    assert result["apiVersion"]


@pytest.mark.workflow("data query (REST, columns=true)", "sf")
def test_data_query(sf: SfSession) -> None:
    """A REST query with a parent field and an aggregate query print their records."""
    soql = "SELECT Id, Company, Owner.Name FROM Lead ORDER BY Id LIMIT 5"
    rows = sf.run("data", "query", "--query", soql)["result"]
    assert rows["totalSize"] == 5
    assert all(r["Owner"]["Name"] for r in rows["records"])
    grouped = sf.run("data", "query", "--query",
                     "SELECT Status, COUNT(Id) FROM Lead GROUP BY Status")["result"]  # fmt: skip
    assert sum(r["expr0"] for r in grouped["records"]) == LEADS


@pytest.mark.workflow("data query, human output (column metadata)", "sf")
def test_data_query_table_uses_column_metadata(sf: SfSession) -> None:
    """The human table is built from columns=true: the parent column shows as Owner.Name."""
    result = sf.clients.run(
        [str(sf.clients.bin / "sf"), "data", "query", "--target-org", sf.alias, "--query",
         "SELECT Id, Owner.Name FROM Lead ORDER BY Id LIMIT 3"],
        sf.env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "OWNER.NAME" in result.stdout.upper()
    assert "Total number of records retrieved: 3" in result.stdout


@pytest.mark.workflow("data export bulk (Bulk 2.0 query)", "sf")
def test_data_export_bulk(sf: SfSession, tmp_path: Path) -> None:
    """A Bulk 2.0 export writes every lead to CSV."""
    out = tmp_path / "leads.csv"
    result = sf.run("data", "export", "bulk", "--query", "SELECT Id, Email FROM Lead",
                    "--output-file", str(out), "--wait", "2")["result"]  # fmt: skip
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert result["totalSize"] == len(rows) == LEADS
    assert len({r["Id"] for r in rows}) == LEADS


@pytest.mark.workflow("data update bulk (Bulk 2.0 ingest)", "sf")
def test_data_update_bulk(sf: SfSession, org: RunningSandbox, tmp_path: Path) -> None:
    """A Bulk 2.0 update from CSV changes the rows it names."""
    with org.org.lock:
        found = org.org.conn.execute(
            'SELECT Id FROM "Lead" WHERE IsConverted = 0 ORDER BY Id DESC LIMIT 3'
        ).fetchall()
    ids = [r[0] for r in found]
    data = tmp_path / "update.csv"
    data.write_text("Id,Title\n" + "".join(f"{i},Bulk Title {n}\n" for n, i in enumerate(ids)))
    result = sf.run("data", "update", "bulk", "--sobject", "Lead", "--file", str(data),
                    "--wait", "2")["result"]  # fmt: skip
    assert (result["processedRecords"], result["failedRecords"]) == (3, 0)
    quoted = ", ".join(f"'{i}'" for i in ids)
    titles = sf.run("data", "query", "--query",
                    f"SELECT Title FROM Lead WHERE Id IN ({quoted}) ORDER BY Title")  # fmt: skip
    titles = titles["result"]["records"]
    assert [r["Title"] for r in titles] == ["Bulk Title 0", "Bulk Title 1", "Bulk Title 2"]


@pytest.mark.workflow("sobject describe", "sf")
def test_sobject_describe(sf: SfSession) -> None:
    """sobject describe prints Lead's describe with its fields."""
    result = sf.run("sobject", "describe", "--sobject", "Lead")["result"]
    assert result["name"] == "Lead"
    assert {"Id", "Status", "OwnerId"} <= {f["name"] for f in result["fields"]}


@pytest.mark.workflow("org list limits", "sf")
def test_org_list_limits(sf: SfSession) -> None:
    """org list limits reads /limits."""
    limits = {r["name"]: r for r in sf.run("org", "list", "limits")["result"]}
    assert limits["DailyApiRequests"]["max"] >= limits["DailyApiRequests"]["remaining"] > 0


@pytest.mark.workflow("org login jwt (Connected App key), then org display", "sf")
def test_login_with_jwt(sf: SfSession, org: RunningSandbox, tmp_path: Path) -> None:
    """sf's own JWT bearer flow logs in with the Connected App's key and consumer key."""
    from sfsync.sandbox.connected_app import KEY_FILE

    env = sf.clients.env(tmp_path, org.ca_file)
    login = sf.clients.sf(
        "org", "login", "jwt", "--client-id", org.org.client_id,
        "--jwt-key-file", str(org.data_dir / KEY_FILE),
        "--username", org.org.integration_username(), "--instance-url", org.url,
        "--alias", "jwt", env=env,
    )  # fmt: skip
    assert login.returncode == 0, login.stdout + login.stderr
    assert login.json()["result"]["orgId"] == org.org.org_id
    shown = sf.clients.sf("org", "display", "--target-org", "jwt", env=env)
    assert shown.json()["result"]["connectedStatus"] == "Connected"
