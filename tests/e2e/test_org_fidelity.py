"""
What a real org does that sfsync depends on, end to end: a campaign response created through
the API becomes a hand-raise, each org has its own Id that binds sfsync's state (session auth
too), and the production login (the Connected App's JWT bearer flow) runs a sync.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sfsync.sandbox.server import start_sandbox
from tests.e2e.conftest import CLI_TIMEOUT_SECONDS, NOW_ARG, Org, read_rows

pytestmark = pytest.mark.e2e


def test_a_responded_member_created_through_the_api_is_a_hand_raise(synced_org: Org) -> None:
    """A Content Download member created with Status Responded makes a fit lead Sales Ready."""
    org = synced_org
    lead = next(
        row
        for _, row in sorted(org.leads().items())
        if not row["IsConverted"]
        and row["SFS_Status__c"] == "Nurture"
        and row["SFS_Fit_Score__c"] >= 50
        and "Content form fill" not in row["SFS_Reasons__c"]
    )
    (campaign,) = org.query("SELECT Id FROM Campaign WHERE Type = 'Content Download' LIMIT 1")
    member = {"CampaignId": campaign["Id"], "LeadId": lead["Id"], "Status": "Responded"}
    created = org.rest("POST", "/sobjects/CampaignMember", json_body=member)
    assert created.status_code == 201, created.text
    member_id = created.json()["id"]
    (stored,) = org.query(
        f"SELECT HasResponded, FirstRespondedDate FROM CampaignMember WHERE Id = '{member_id}'"
    )
    assert stored["HasResponded"] is True
    assert stored["FirstRespondedDate"]

    report = org.sync()

    after = org.leads()[lead["Id"]]
    assert report["mode"] == "incremental"
    assert report["read"]["CampaignMember"] >= 1
    assert after["SFS_Status__c"] == "Sales Ready"
    assert "Content form fill" in after["SFS_Reasons__c"]


def test_another_orgs_state_is_refused_with_session_auth(synced_org: Org, tmp_path: Path) -> None:
    """Two sandbox orgs have two org Ids; one org's state against the other exits 2."""
    bound = read_rows(synced_org.state_path, "SELECT value FROM meta WHERE key = 'org_id'")
    assert [r["value"] for r in bound] == [synced_org.sandbox.org.org_id]
    with start_sandbox(tmp_path / "other-org") as other:
        assert other.org.org_id != synced_org.sandbox.org.org_id
        refused = subprocess.run(
            [sys.executable, "-m", "sfsync", "--env-file", str(other.env_file), "sync",
             "--now", NOW_ARG],
            capture_output=True, text=True, env=synced_org.cli_env(), cwd=tmp_path,
            timeout=CLI_TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
        written = [c for c in other.org.calls.recent(1000) if c["method"] in ("PATCH", "PUT")]

    assert refused.returncode == 2, refused.stderr
    assert f"mirrors org {synced_org.sandbox.org.org_id}" in refused.stderr
    assert f"this connection is to org {other.org.org_id}" in refused.stderr
    assert "SFSYNC_STATE_PATH" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert written == []


def test_a_jwt_login_runs_the_sync(synced_org: Org) -> None:
    """SFSYNC_SF_AUTH=jwt with connection.env's key and consumer key logs in and syncs."""
    report = synced_org.sync(SFSYNC_SF_AUTH="jwt")

    assert report["outcome"] == "success"
    logins = [c for c in synced_org.calls() if c["path"] == "/services/oauth2/token"]
    assert [c["status"] for c in logins] == [200]
    bound = read_rows(synced_org.state_path, "SELECT value FROM meta WHERE key = 'org_id'")
    assert [r["value"] for r in bound] == [synced_org.sandbox.org.org_id]
