"""
The sandbox's Metadata API deploys on their own (no HTTP): deploy options as DeployOptions
allows them, the org's schema as deploys change it, and the DeployResult of a good, a
check-only and a refused deploy (field names of the Metadata API's DeployResult).
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sfsync.errors import ConfigError
from sfsync.sandbox import schema
from sfsync.sandbox.metadata import MetadataDeploys, check_options, load_objects
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import ApiError

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
TEXT_40 = "<type>Text</type><length>40</length>"


def _zip(field_name: str, field_body: str) -> bytes:
    """A metadata-API zip with one CustomField on Lead."""
    package = (
        f'<?xml version="1.0" encoding="UTF-8"?><Package {NS}><types>'
        f"<members>Lead.{field_name}</members><name>CustomField</name></types>"
        "<version>62.0</version></Package>"
    )
    field = f"<fields><fullName>{field_name}</fullName><label>X</label>{field_body}</fields>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("package.xml", package)
        archive.writestr("objects/Lead.object", f"<CustomObject {NS}>{field}</CustomObject>")
    return buffer.getvalue()


def _columns(org: SandboxOrg) -> set[str]:
    return {str(r[1]) for r in org.conn.execute('PRAGMA table_info("Lead")')}


def test_check_options_takes_deploy_options_and_test_levels() -> None:
    """Known DeployOptions with their types pass unchanged, every test level included."""
    for level in ("NoTestRun", "RunSpecifiedTests", "RunLocalTests", "RunAllTestsInOrg"):
        options: dict[str, Any] = {
            "checkOnly": True,
            "testLevel": level,
            "runTests": [],
            "singlePackage": True,
        }
        assert check_options(options) == options
    assert check_options({}) == {}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"checkonly": True}, 'Unrecognized field "checkonly" in deployOptions'),
        ({"checkOnly": "true"}, "deployOptions.checkOnly: wrong type"),
        ({"rollbackOnError": 1}, "deployOptions.rollbackOnError: wrong type"),
        ({"testLevel": True}, "deployOptions.testLevel: wrong type"),
        ({"runTests": "MyTest"}, "deployOptions.runTests: wrong type"),
        ({"testLevel": "RunNoTests"}, "Invalid testLevel: RunNoTests"),
    ],
)
def test_check_options_refuses_unknown_names_and_wrong_types(
    options: dict[str, Any], message: str
) -> None:
    """An unknown (or wrongly cased) option, a value of the wrong JSON type (a string or
    number for a boolean, a boolean for a string) or an unknown testLevel is a 400
    JSON_PARSER_ERROR naming it."""
    with pytest.raises(ApiError) as refused:
        check_options(options)
    assert (refused.value.status, refused.value.error_code, refused.value.message) == (
        400, "JSON_PARSER_ERROR", message)  # fmt: skip


def test_load_objects_remembers_how_a_new_org_began(tmp_path: Path) -> None:
    """A new org made without the output fields has a Lead without SFS_*; later loads keep
    that, and asking for the other way is a ConfigError."""
    conn = sqlite3.connect(tmp_path / "org.sqlite3", isolation_level=None)
    try:
        objects = load_objects(conn, output_fields=False)
        assert "sfs_score__c" not in objects["lead"].by_name
        assert "company" in objects["lead"].by_name
        assert set(objects) == set(schema.OBJECTS)
        assert "sfs_score__c" not in load_objects(conn)["lead"].by_name
        with pytest.raises(ConfigError, match="created without the sfsync output fields"):
            load_objects(conn, output_fields=True)
    finally:
        conn.close()
    fresh = sqlite3.connect(tmp_path / "other.sqlite3", isolation_level=None)
    try:
        assert "sfs_score__c" in load_objects(fresh)["lead"].by_name
    finally:
        fresh.close()


def test_a_deployed_custom_field_becomes_a_column_and_a_field(org: SandboxOrg) -> None:
    """One good CustomField: the DeployResult is done and Succeeded with one component
    deployed (package.xml listed first in the successes); Lead gains the column and the
    field, also for the org's schema loaded again."""
    deploys = MetadataDeploys(org)
    record = deploys.deploy({"singlePackage": True}, _zip("Region__c", TEXT_40))
    result = deploys.result(record, include_details=True)
    assert {k: result[k] for k in ("done", "success", "status", "checkOnly")} == {
        "done": True, "success": True, "status": "Succeeded", "checkOnly": False}  # fmt: skip
    assert (result["numberComponentsDeployed"], result["numberComponentsTotal"]) == (1, 1)
    assert (result["numberComponentErrors"], result["errorMessage"]) == (0, None)
    successes = result["details"]["componentSuccesses"]
    assert [(s["componentType"], s["fullName"], s["created"]) for s in successes] == [
        ("", "package.xml", False),
        ("CustomField", "Lead.Region__c", True),
    ]
    assert result["details"]["componentFailures"] == []
    assert "Region__c" in _columns(org)
    region = org.objects["lead"].by_name["region__c"]
    assert (region.type, region.length, region.custom) == (schema.STRING, 40, True)
    assert "region__c" in load_objects(org.conn)["lead"].by_name
    assert deploys.find(record.id[:15]) is record


def test_check_only_validates_without_changing_the_org(org: SandboxOrg) -> None:
    """checkOnly: the same Succeeded result, marked checkOnly, and no column or field."""
    deploys = MetadataDeploys(org)
    record = deploys.deploy({"checkOnly": True}, _zip("Region__c", TEXT_40))
    result = deploys.result(record, include_details=False)
    assert (result["status"], result["success"], result["checkOnly"]) == (
        "Succeeded", True, True)  # fmt: skip
    assert result["details"] is None
    assert "Region__c" not in _columns(org)
    assert "region__c" not in org.objects["lead"].by_name


def test_a_bad_component_is_refused_with_its_reason(org: SandboxOrg) -> None:
    """A Number field without precision fails the deploy: status Failed, nothing deployed,
    one component error with Salesforce's problem text, and the org unchanged."""
    deploys = MetadataDeploys(org)
    record = deploys.deploy({}, _zip("Seats__c", "<type>Number</type><scale>0</scale>"))
    result = deploys.result(record, include_details=True)
    assert (result["done"], result["success"], result["status"]) == (True, False, "Failed")
    assert (result["numberComponentsDeployed"], result["numberComponentErrors"]) == (0, 1)
    failures = result["details"]["componentFailures"]
    assert [(f["componentType"], f["fullName"], f["problemType"], f["problem"])
            for f in failures] == [
        ("CustomField", "Lead.Seats__c", "Error",
         "Must specify 'precision' for a CustomField of type Number"),
    ]  # fmt: skip
    assert "Seats__c" not in _columns(org)


def test_a_file_that_is_not_a_zip_fails_the_whole_deploy(org: SandboxOrg) -> None:
    """Bytes that are no zip: Failed with an errorMessage and UNKNOWN_EXCEPTION, no components."""
    deploys = MetadataDeploys(org)
    result = deploys.result(deploys.deploy({}, b"not a zip"), include_details=True)
    assert (result["status"], result["numberComponentsTotal"]) == ("Failed", 0)
    assert (result["errorMessage"], result["errorStatusCode"]) == (
        "The 'file' part is not a valid zip file", "UNKNOWN_EXCEPTION")  # fmt: skip
    assert deploys.find("0Af000000000000") is None
