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
    states = {(f["type"], f["fullName"]): f["state"] for f in deployed["files"]}
    assert {t for t, _ in states} == {
        "CustomField", "CustomObject", "ListView", "PermissionSet", "CompactLayout",
        "FlexiPage", "ReportFolder", "Report", "DashboardFolder", "Dashboard",
    }  # fmt: skip
    # Every new component was created; Lead's settings (an existing object) changed.
    assert {s for (t, _), s in states.items() if t != "CustomObject"} == {"Created"}
    for component in (("PermissionSet", "SFSync_Lead_Score_Read"),
                      ("FlexiPage", "SFSync_Lead_Record_Page"),
                      ("CompactLayout", "Lead.SFSync_Lead_Highlights"),
                      ("Report", "SFSync_Reports/SFSync_Conversion_by_Score_Band"),
                      ("Dashboard", "SFSync_Dashboards/SFSync_Lead_Quality")):  # fmt: skip
        assert component in states, component
    report = sf.run("project", "deploy", "report", "--job-id", deployed["id"])["result"]
    assert (report["id"], report["status"], report["done"]) == (deployed["id"], "Succeeded", True)

    assigned = sf.run("org", "assign", "permset", "--name", "SFSync_Integration")["result"]
    assert assigned["successes"] == [
        {"name": bare_org.org.integration_username(), "value": "SFSync_Integration"}
    ]
    with bare_org.org.lock:
        rep = bare_org.org.conn.execute(
            'SELECT Username FROM "User" WHERE Name NOT IN (?, ?) AND IsActive = 1 ORDER BY Id',
            ("sfsync Integration", "Marketing Automation"),
        ).fetchone()[0]
    reps = sf.run(
        "org", "assign", "permset", "--name", "SFSync_Lead_Score_Read", "--on-behalf-of", rep
    )["result"]
    assert reps["successes"] == [{"name": rep, "value": "SFSync_Lead_Score_Read"}]

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


@pytest.mark.workflow("project convert source (the generated project, every type)", "sf")
def test_sf_converts_the_project_as_sfsync_does(clients: NodeClients, tmp_path: Path) -> None:
    """`sf project convert source` accepts every generated file (Salesforce's own source
    validation: types, names, folders) and writes the same files and package.xml that
    sfsync's own conversion (`fields --deploy`) sends; only Lead.object's element order
    differs (sf appends its children after the settings; sfsync sorts them as the WSDL)."""
    import xml.etree.ElementTree as ET

    from sfsync.salesforce.metadata import convert_source

    project = tmp_path / "sfsync-metadata"
    generated = sfsync_offline(project, "--assign", "SFSync_Lead_Record_Page",
                               "--assign", "SFSync_Lead_Highlights")  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    env = clients.env(tmp_path / "home", Path("/dev/null"))
    mdapi = str(tmp_path / "mdapi")
    converted = clients.sf("project", "convert", "source", "--source-dir", "force-app",
                           "--output-dir", mdapi, env=env, cwd=project)  # fmt: skip
    assert converted.returncode == 0, converted.stdout + converted.stderr
    assert converted.json()["status"] == 0

    ours = convert_source(
        {p.relative_to(project): p.read_bytes() for p in project.rglob("*") if p.is_file()},
        api_version="62.0",
    )
    theirs = {
        p.relative_to(tmp_path / "mdapi").as_posix(): p.read_bytes()
        for p in (tmp_path / "mdapi").rglob("*")
        if p.is_file()
    }
    assert set(ours.files) == set(theirs)
    assert ours.files["package.xml"] == theirs["package.xml"]
    for name, content in theirs.items():
        if name == "objects/Lead.object":
            elements = [sorted(ET.tostring(e) for e in ET.fromstring(c)) for c in
                        (content, ours.files[name])]  # fmt: skip
            assert elements[0] == elements[1]
        else:
            assert ours.files[name] == content, name


def sfsync_offline(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`sfsync fields --out OUT ARGS` with no org (a fresh clone's defaults)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(out.parent)}
    return subprocess.run(
        [sys.executable, "-m", "sfsync", "fields", "--out", str(out), *args],
        capture_output=True, text=True, env=env, cwd=out.parent, timeout=300, check=False,
    )  # fmt: skip
