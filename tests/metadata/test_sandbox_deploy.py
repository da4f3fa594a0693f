from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from sfsync import cli
from sfsync.errors import ConfigError
from sfsync.salesforce.metadata import multipart_body
from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.metadata.conftest import DEFAULT_DEFINITION, write_definition

SEED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OUTPUTS = {
    "SFS_Score__c": ("double", 3, 0),
    "SFS_Fit_Score__c": ("double", 3, 0),
    "SFS_Engagement_Score__c": ("double", 3, 0),
    "SFS_Grade__c": ("string", 0, 0),
    "SFS_BANT__c": ("double", 1, 0),
    "SFS_Status__c": ("picklist", 0, 0),
    "SFS_Reasons__c": ("textarea", 0, 0),
    "SFS_Sales_Ready_Since__c": ("datetime", 0, 0),
    "SFS_Touches__c": ("double", 4, 0),
    "SFS_Touches_Remaining__c": ("double", 4, 0),
    "SFS_Last_Touch__c": ("datetime", 0, 0),
    "SFS_First_Touch_Hours__c": ("double", 8, 1),
    "SFS_Needs_Follow_Up__c": ("boolean", 0, 0),
    "SFS_Definition_Version__c": ("string", 0, 0),
}
NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


@pytest.fixture(name="bare_template", scope="module")
def _bare_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded org directory whose Lead lacks the output fields (certificates made once)."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.tls import ensure_certificates

    path = tmp_path_factory.mktemp("bare-org")
    ensure_certificates(path)
    org = SandboxOrg(path / DB_FILE, output_fields=False)
    with org.lock:
        seed_org(org.conn, leads=40, now=SEED_NOW)
        org.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    org.close()
    return path


@pytest.fixture(name="org_dir")
def _org_dir(bare_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "org"
    shutil.copytree(bare_template, target)
    return target


@pytest.fixture(name="bare")
def _bare(org_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A running org whose Lead lacks the sfsync output fields; the CLI's state in tmp."""
    monkeypatch.setenv("SFSYNC_STATE_PATH", str(org_dir.parent / "state.sqlite3"))
    with start_sandbox(org_dir) as running:
        yield running


def sfsync(sandbox: RunningSandbox, *args: str) -> int:
    """Run the CLI against *sandbox*."""
    return cli.main(["--env-file", str(sandbox.env_file), "--log-format", "json", *args])


def api(sandbox: RunningSandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    """One raw REST call to the sandbox, bearer-authenticated, trusting its CA."""
    headers = {"Authorization": f"Bearer {sandbox.token}", **kwargs.pop("headers", {})}
    return requests.request(
        method,
        f"{sandbox.url}/services/data/v62.0/{path}",
        headers=headers,
        verify=str(sandbox.ca_file),
        timeout=30,
        **kwargs,
    )


def lead_fields(sandbox: RunningSandbox) -> dict[str, dict[str, Any]]:
    """Lead's describe fields by name."""
    body = api(sandbox, "GET", "sobjects/Lead/describe").json()
    return {f["name"]: f for f in body["fields"]}


def deploy_zip(sandbox: RunningSandbox, files: dict[str, str], **options: Any) -> dict[str, Any]:
    """POST a zip of *files*, then GET its result with details."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    body, content_type = multipart_body({"singlePackage": True, **options}, buffer.getvalue())
    started = api(
        sandbox, "POST", "metadata/deployRequest", data=body, headers={"Content-Type": content_type}
    )
    assert started.status_code == 201, started.text
    assert started.json()["deployResult"]["status"] == "Pending"
    deploy_id = started.json()["id"]
    answer = api(sandbox, "GET", f"metadata/deployRequest/{deploy_id}?includeDetails=true")
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()["deployResult"]
    return result


def package_xml(**members: list[str]) -> str:
    types = "".join(
        "<types>" + "".join(f"<members>{m}</members>" for m in names) + f"<name>{t}</name></types>"
        for t, names in members.items()
    )
    version = "<version>62.0</version>"
    return f'<?xml version="1.0" encoding="UTF-8"?><Package {NS}>{types}{version}</Package>'


def field_xml(name: str, body: str) -> str:
    return f"<fields><fullName>{name}</fullName><label>{name[:-3]}</label>{body}</fields>"


def test_fields_deploy_creates_the_outputs_and_check_is_then_all_ok(
    bare: RunningSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without SFS_* fields check fails; --dry-run changes nothing; the deploy makes check pass."""
    assert not set(OUTPUTS) & set(lead_fields(bare))
    assert sfsync(bare, "check") == 2
    assert "missing" in capsys.readouterr().out

    assert sfsync(bare, "fields", "--deploy", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Validation (check only)" in out
    assert "31 of 31 components validated" in out
    assert not set(OUTPUTS) & set(lead_fields(bare))

    assert sfsync(bare, "fields", "--deploy") == 0
    out = capsys.readouterr().out
    assert "✓ CustomField Lead.SFS_Score__c: created" in out
    assert "✓ PermissionSet SFSync_Integration: created" in out
    for component in ("PermissionSet SFSync_Lead_Score_Read", "FlexiPage SFSync_Lead_Record_Page",
                      "CompactLayout Lead.SFSync_Lead_Highlights", "ReportFolder SFSync_Reports",
                      "Report SFSync_Reports/SFSync_Follow_Up_by_Owner",
                      "DashboardFolder SFSync_Dashboards",
                      "Dashboard SFSync_Dashboards/SFSync_Lead_Quality"):  # fmt: skip
        assert f"✓ {component}: created" in out
    fields = lead_fields(bare)
    for name, (ftype, precision, scale) in OUTPUTS.items():
        assert (ftype, precision, scale) == (
            fields[name]["type"],
            fields[name]["precision"],
            fields[name]["scale"],
        ), name
        assert fields[name]["custom"]
        assert fields[name]["updateable"]
    assert [p["value"] for p in fields["SFS_Status__c"]["picklistValues"]] == [
        "Sales Ready",
        "Nurture",
        "Recycled",
        "Disqualified",
        "Insufficient Data",
    ]
    assert fields["SFS_Reasons__c"]["length"] == 32768

    assert sfsync(bare, "check") == 0
    assert "All checks passed" in capsys.readouterr().err
    assert sfsync(bare, "sync", "--full", "--now", "2026-11-20T12:00:00") == 0
    soql = "SELECT SFS_Status__c FROM Lead WHERE IsConverted = false"
    rows = api(bare, "GET", "query", params={"q": soql}).json()["records"]
    assert rows
    assert all(r["SFS_Status__c"] for r in rows)


def test_deployed_fields_survive_a_restart(org_dir: Path) -> None:
    """Fields deployed once stay after a restart; the org remembers it began without them."""
    with start_sandbox(org_dir) as running:
        assert sfsync(running, "fields", "--deploy") == 0
    with start_sandbox(org_dir) as running:
        assert set(OUTPUTS) <= set(lead_fields(running))
    with pytest.raises(ConfigError, match="created without the sfsync output fields"):
        start_sandbox(org_dir, output_fields=True)


def test_missing_output_field_is_an_invalid_field_in_soql(bare: RunningSandbox) -> None:
    """Before the deploy, SOQL naming SFS_Score__c fails with INVALID_FIELD, as in a real org."""
    answer = api(bare, "GET", "query", params={"q": "SELECT Id, SFS_Score__c FROM Lead"})

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_FIELD"


def _broken_package() -> dict[str, str]:
    fields = "".join(
        [
            field_xml("Bad_Number__c", "<type>Number</type><scale>0</scale>"),
            field_xml(
                "Bad_Pick__c",
                "<type>Picklist</type><valueSet><valueSetDefinition>"
                "<value><fullName>Hot</fullName><default>false</default></value>"
                "<value><fullName>hot</fullName><default>false</default></value>"
                "</valueSetDefinition></valueSet>",
            ),
            field_xml("Bad_Type__c", "<type>Banana</type>"),
            field_xml("Good_Text__c", "<type>Text</type><length>80</length>"),
        ]
    )
    return {
        "package.xml": package_xml(
            CustomField=[
                "Lead.Bad_Number__c",
                "Lead.Bad_Pick__c",
                "Lead.Bad_Type__c",
                "Lead.Good_Text__c",
                "Lead.Not_There__c",
            ],
            PermissionSet=["Reader"],
        ),
        "objects/Lead.object": f'<?xml version="1.0"?><CustomObject {NS}>{fields}</CustomObject>',
        "permissionsets/Reader.permissionset": (
            f"<PermissionSet {NS}><label>Reader</label><fieldPermissions><editable>false"
            "</editable><field>Lead.Nope__c</field><readable>true</readable></fieldPermissions>"
            "</PermissionSet>"
        ),
    }


def test_bad_deploy_is_rejected_with_component_errors(bare: RunningSandbox) -> None:
    """Each broken component is a failure with its reason; nothing, not even the good one, lands."""
    result = deploy_zip(bare, _broken_package())
    problems = {(f["fullName"], f["problem"]) for f in result["details"]["componentFailures"]}

    assert (result["status"], result["success"], result["done"]) == ("Failed", False, True)
    assert ("Lead.Bad_Number__c", "Must specify 'precision' for a CustomField of type Number") in (
        problems
    )
    assert ("Lead.Bad_Pick__c", "Duplicate picklist value: hot") in problems
    assert (
        "Lead.Bad_Type__c",
        "Error parsing file: 'Banana' is not a valid value for the enum 'FieldType'",
    ) in problems
    assert (
        "Lead.Not_There__c",
        "An object 'Lead.Not_There__c' of type CustomField was named in package.xml, but was "
        "not found in zipped directory",
    ) in problems
    assert ("Reader", "In field: field - no CustomField named Lead.Nope__c found") in problems
    assert result["numberComponentErrors"] == 5
    assert "Good_Text__c" not in lead_fields(bare)


def test_without_rollback_the_good_components_land(bare: RunningSandbox) -> None:
    """rollbackOnError=false deploys what is valid: a new column that SOQL and writes then use."""
    result = deploy_zip(bare, _broken_package(), rollbackOnError=False)
    lead_id = api(bare, "GET", "query", params={"q": "SELECT Id FROM Lead LIMIT 1"}).json()[
        "records"
    ][0]["Id"]

    assert result["status"] == "SucceededPartial"
    assert lead_fields(bare)["Good_Text__c"]["length"] == 80
    assert api(bare, "PATCH", f"sobjects/Lead/{lead_id}", json={"Good_Text__c": "ok"}).ok
    soql = f"SELECT Good_Text__c FROM Lead WHERE Id = '{lead_id}'"
    rows = api(bare, "GET", "query", params={"q": soql}).json()["records"]
    assert rows[0]["Good_Text__c"] == "ok"


def test_history_tracking_needs_history_enabled_on_the_object(bare: RunningSandbox) -> None:
    """A tracked field deployed without enabling Lead history fails; with it, it deploys."""
    field = field_xml(
        "Tracked__c", "<type>Number</type><precision>3</precision><scale>0</scale>"
        "<trackHistory>true</trackHistory>"
    )  # fmt: skip
    alone = {
        "package.xml": package_xml(CustomField=["Lead.Tracked__c"]),
        "objects/Lead.object": f"<CustomObject {NS}>{field}</CustomObject>",
    }
    with_object = {
        "package.xml": package_xml(CustomObject=["Lead"]),
        "objects/Lead.object": (
            f"<CustomObject {NS}><enableHistory>true</enableHistory>{field}</CustomObject>"
        ),
    }

    failed = deploy_zip(bare, alone)
    assert (
        "Field history tracking is not enabled for Lead"
        in (failed["details"]["componentFailures"][0]["problem"])
    )
    assert deploy_zip(bare, with_object)["status"] == "Succeeded"
    assert "Tracked__c" in lead_fields(bare)


def test_check_only_changes_nothing(bare: RunningSandbox) -> None:
    """A valid deploy with checkOnly succeeds and leaves describe as it was."""
    files = {
        "package.xml": package_xml(CustomField=["Lead.Note__c"]),
        "objects/Lead.object": (
            f"<CustomObject {NS}>{field_xml('Note__c', '<type>Text</type><length>20</length>')}"
            "</CustomObject>"
        ),
    }

    result = deploy_zip(bare, files, checkOnly=True)

    assert (result["status"], result["checkOnly"]) == ("Succeeded", True)
    assert "Note__c" not in lead_fields(bare)


def test_package_in_a_root_folder_deploys_without_single_package(bare: RunningSandbox) -> None:
    """With singlePackage false the zip may hold one folder with package.xml inside."""
    files = {
        "unpackaged/package.xml": package_xml(CustomField=["Lead.Note__c"]),
        "unpackaged/objects/Lead.object": (
            f"<CustomObject {NS}>{field_xml('Note__c', '<type>Text</type><length>20</length>')}"
            "</CustomObject>"
        ),
    }

    assert deploy_zip(bare, files, singlePackage=False)["status"] == "Succeeded"
    assert "Note__c" in lead_fields(bare)


def test_cli_shows_a_rejected_deploy_and_exits_1(
    bare: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input mapped to a field the org lacks: the permission set is rejected, nothing lands."""
    definition = write_definition(
        tmp_path, inputs={"pain_points": {"field": "Pain_Detail__c", "optional": True}}
    )

    assert sfsync(bare, "fields", "--deploy", "--definition", str(definition)) == 1
    captured = capsys.readouterr()
    assert (
        "✗ PermissionSet SFSync_Integration: In field: field - no CustomField named "
        "Lead.Pain_Detail__c found (permissionsets/SFSync_Integration.permissionset)"
    ) in captured.out
    assert "nothing was changed in the org" in captured.err
    assert not set(OUTPUTS) & set(lead_fields(bare))


def test_fields_without_out_or_deploy_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`sfsync fields` needs --out or --deploy."""
    assert cli.main(["fields", "--definition", str(DEFAULT_DEFINITION)]) == 2
    assert "--out is required" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"Content-Type": "application/json"}, b"{}", 400, "INVALID_MULTIPART_REQUEST"),
        (None, {"deployOptions": {"checkOnly": "yes"}}, 400, "JSON_PARSER_ERROR"),
        (None, {"deployOptions": {"makeItSo": True}}, 400, "JSON_PARSER_ERROR"),
    ],
)
def test_malformed_deploy_requests_are_refused(
    bare: RunningSandbox, headers: dict[str, str] | None, body: Any, status: int, code: str
) -> None:
    """A request that is not multipart, or has bad deployOptions, is a 400 with the error code."""
    if headers is None:
        data, content_type = multipart_body(body["deployOptions"], b"PK")
        headers = {"Content-Type": content_type}
    else:
        data = body
    answer = api(bare, "POST", "metadata/deployRequest", data=data, headers=headers)

    assert (status, code) == (answer.status_code, answer.json()[0]["errorCode"])


def test_not_a_zip_fails_the_deploy(bare: RunningSandbox) -> None:
    """A file part that is no zip is accepted, then fails with an error message."""
    data, content_type = multipart_body({}, b"this is not a zip")
    started = api(
        bare, "POST", "metadata/deployRequest", data=data, headers={"Content-Type": content_type}
    )
    answer = api(bare, "GET", f"metadata/deployRequest/{started.json()['id']}").json()

    assert answer["deployResult"]["status"] == "Failed"
    assert answer["deployResult"]["errorMessage"] == "The 'file' part is not a valid zip file"
    assert answer["deployResult"]["details"] is None


def test_unknown_deploy_id_is_not_found(bare: RunningSandbox) -> None:
    """GET of a deploy request that does not exist is Salesforce's 404."""
    answer = api(bare, "GET", "metadata/deployRequest/0Af000000000000AAA")

    assert (answer.status_code, answer.json()[0]["errorCode"]) == (404, "NOT_FOUND")


def test_default_sandbox_accepts_the_same_deploy(tmp_path: Path) -> None:
    """An org that already has the outputs takes the deploy as an update ("changed")."""
    with start_sandbox(tmp_path / "org") as running:
        result_path = tmp_path / "out"
        assert sfsync(running, "fields", "--deploy", "--out", str(result_path)) == 0
        assert (result_path / "manifest" / "package.xml").is_file()
        body = json.loads(json.dumps(lead_fields(running)["SFS_Status__c"]))
        assert body["type"] == "picklist"
