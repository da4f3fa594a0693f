"""
An admin's first hour, with the stock tools, on an org without sfsync's fields: `sfsync fields`
writes the project, `sf project deploy start` deploys it (a dry run first; SOAP, sf's default,
and the REST path), `sf org assign permset` gives the integration user its permission set,
then `sfsync check` passes and `sfsync sync` writes every open lead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.conformance.clients import NodeClients
from tests.conformance.conftest import SfSession, sf_login

LEADS = 300


@pytest.fixture
def bare_org(tmp_path: Path) -> Iterator[RunningSandbox]:
    """A seeded org started with --no-output-fields, as a real org is before sfsync."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org

    data_dir = tmp_path / "org"
    data_dir.mkdir()
    seeded = SandboxOrg(data_dir / DB_FILE, output_fields=False)
    with seeded.lock:
        seed_org(seeded.conn, leads=LEADS, seed=9, now=datetime.now(UTC))
    seeded.close()
    with start_sandbox(data_dir) as running:
        yield running


def sfsync(org: RunningSandbox, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI with the org's connection.env (state beside the org)."""
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "sfsync", "--env-file", str(org.env_file), *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False,
    )  # fmt: skip


def _paths(org: RunningSandbox) -> list[str]:
    return [str(c["path"]) for c in org.org.calls.recent(10_000)]


def _deploy(sf: SfSession, project: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    result = sf.clients.sf(
        "project", "deploy", "start", "--source-dir", "force-app", "--target-org", sf.alias,
        *extra, env=env or sf.env, cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    body = result.json()["result"]
    assert (body["status"], body["success"], body["numberComponentErrors"]) == (
        "Succeeded",
        True,
        0,
    )
    return body


@pytest.mark.workflow("project deploy start (SOAP, dry run, report) + org assign permset", "sf")
def test_fields_deploy_assign_check_and_sync(
    clients: NodeClients, bare_org: RunningSandbox, tmp_path: Path
) -> None:
    """The generated project deploys through SOAP; afterwards check passes and sync writes."""
    project = tmp_path / "sfsync-metadata"
    generated = sfsync(bare_org, "fields", "--out", str(project), cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    sf = sf_login(clients, bare_org, tmp_path / "home", "bare")

    dry = _deploy(sf, project, "--dry-run")
    assert dry["checkOnly"] is True
    before = sfsync(bare_org, "check", cwd=tmp_path)
    assert before.returncode != 0  # the dry run deployed nothing

    bare_org.org.reset_calls()
    deployed = _deploy(sf, project)
    assert any(p.startswith("/services/Soap/m/") for p in _paths(bare_org))
    assert not any("deployRequest" in p for p in _paths(bare_org))
    states = {f["type"]: f["state"] for f in deployed["files"]}
    assert states.keys() == {"CustomField", "CustomObject", "ListView", "PermissionSet"}
    assert states["CustomField"] == "Created"
    report = sf.run("project", "deploy", "report", "--job-id", deployed["id"])["result"]
    assert (report["id"], report["status"], report["done"]) == (deployed["id"], "Succeeded", True)

    assigned = sf.run("org", "assign", "permset", "--name", "SFSync_Integration")["result"]
    assert assigned["successes"] == [
        {"name": bare_org.org.integration_username(), "value": "SFSync_Integration"}
    ]

    check = sfsync(bare_org, "check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "✗" not in check.stdout
    synced = sfsync(bare_org, "sync", "--json", cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    report_json = json.loads(synced.stdout)
    with bare_org.org.lock:
        open_leads = bare_org.org.conn.execute(
            'SELECT COUNT(*), COUNT(SFS_Score__c) FROM "Lead" WHERE IsDeleted = 0'
            " AND IsConverted = 0"
        ).fetchone()
    assert report_json["written"] == open_leads[0] == open_leads[1] > 0


@pytest.mark.workflow("project deploy start (REST deployRequest, entity_content part)", "sf")
def test_rest_deploy_path(clients: NodeClients, bare_org: RunningSandbox, tmp_path: Path) -> None:
    """With org-metadata-rest-deploy, sf's multipart deployRequest (entity_content) deploys."""
    project = tmp_path / "sfsync-metadata"
    assert sfsync(bare_org, "fields", "--out", str(project), cwd=tmp_path).returncode == 0
    sf = sf_login(clients, bare_org, tmp_path / "home", "bare-rest")

    deployed = _deploy(sf, project, env={**sf.env, "SF_ORG_METADATA_REST_DEPLOY": "true"})
    assert any(p.endswith("/metadata/deployRequest") for p in _paths(bare_org))
    assert {f["state"] for f in deployed["files"] if f["type"] == "CustomField"} == {"Created"}
    assert sfsync(bare_org, "check", cwd=tmp_path).returncode == 0
