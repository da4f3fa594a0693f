from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import PurePosixPath
from typing import Any

import pytest

from sfsync.errors import ConfigError, SalesforceError
from sfsync.fields import Blueprint, build_project
from sfsync.salesforce.metadata import (
    DX_SOURCE_ROOT,
    MetadataPackage,
    convert_source,
    deploy_package,
    multipart_body,
    parse_deploy_result,
)
from tests.metadata.conftest import NS, parse, text, texts

# The DX source format: where each metadata type lives and how its files are named.
DX_PATTERNS = {
    "CustomObject": re.compile(r"^objects/(\w+)/\1\.object-meta\.xml$"),
    "CustomField": re.compile(r"^objects/(\w+)/fields/(\w+__c)\.field-meta\.xml$"),
    "ListView": re.compile(r"^objects/(\w+)/listViews/(\w+)\.listView-meta\.xml$"),
    "CompactLayout": re.compile(r"^objects/(\w+)/compactLayouts/(\w+)\.compactLayout-meta\.xml$"),
    "PermissionSet": re.compile(r"^permissionsets/(\w+)\.permissionset-meta\.xml$"),
    "FlexiPage": re.compile(r"^flexipages/(\w+)\.flexipage-meta\.xml$"),
    # Folders are members `Folder/`, their items `Folder/Name` (as sf writes package.xml).
    "Report": re.compile(
        r"^reports/(?:(\w+)\.reportFolder-meta\.xml|(\w+/\w+)\.report-meta\.xml)$"
    ),
    "Dashboard": re.compile(
        r"^dashboards/(?:(\w+)\.dashboardFolder-meta\.xml|(\w+/\w+)\.dashboard-meta\.xml)$"
    ),
}


def _project_files(blueprint: Blueprint) -> dict[PurePosixPath, bytes]:
    return build_project(blueprint, api_version="62.0").files


def _manifest(content: bytes) -> dict[str, set[str]]:
    root = parse(content)
    return {
        text(types, "name"): set(texts(types, "members")) for types in root.findall(NS + "types")
    }


def test_every_source_file_has_a_dx_name_and_the_manifest_lists_exactly_them(
    blueprint: Blueprint,
) -> None:
    """Each force-app file matches its type's DX path, and package.xml names exactly those."""
    files = _project_files(blueprint)
    found: dict[str, set[str]] = {}
    for path in files:
        if path.parts[:3] != DX_SOURCE_ROOT.parts:
            continue
        rel = path.relative_to(DX_SOURCE_ROOT).as_posix()
        matches = [(t, m) for t, p in DX_PATTERNS.items() if (m := p.match(rel))]
        assert len(matches) == 1, rel
        type_name, match = matches[0]
        if type_name in ("Report", "Dashboard"):
            folder, item = match.groups()
            found.setdefault(type_name, set()).add(item or f"{folder}/")
            continue
        found.setdefault(type_name, set()).add(".".join(g for g in match.groups() if g != ""))
    found["CustomObject"] = {m.split(".")[0] for m in found["CustomObject"]}

    assert found == _manifest(files[PurePosixPath("manifest/package.xml")])


def test_conversion_merges_fields_and_list_views_into_the_object_file(
    blueprint: Blueprint,
) -> None:
    """objects/Lead.object holds its compact layout, enableHistory, 14 fields and 3 list views,
    in metadata order; every other component is a file of its own, as sf writes them."""
    package = convert_source(_project_files(blueprint), api_version="62.0")
    lead = parse(package.files["objects/Lead.object"])
    tags = [child.tag.removeprefix(NS) for child in lead]

    reports = {f for f in package.files if f.startswith("reports/SFSync_Reports/")}
    assert len(reports) == 6
    assert {
        "package.xml",
        "objects/Lead.object",
        "permissionsets/SFSync_Integration.permissionset",
        "permissionsets/SFSync_Lead_Score_Read.permissionset",
        "flexipages/SFSync_Lead_Record_Page.flexipage",
        "reports/SFSync_Reports-meta.xml",
        "dashboards/SFSync_Dashboards-meta.xml",
        "dashboards/SFSync_Dashboards/SFSync_Lead_Quality.dashboard",
        *reports,
    } == set(package.files)
    assert lead.tag == NS + "CustomObject"
    assert ["compactLayouts", "enableHistory", *["fields"] * 14, *["listViews"] * 3] == tags
    names = [text(f, "fullName") for f in lead.findall(NS + "fields")]
    assert sorted(names) == names
    status = next(f for f in lead.findall(NS + "fields") if text(f, "fullName") == "SFS_Status__c")
    assert text(status, "type") == "Picklist"


def test_converted_package_xml_matches_the_dx_manifest(blueprint: Blueprint) -> None:
    """The zip's package.xml names the same components as the DX project's manifest."""
    files = _project_files(blueprint)
    package = convert_source(files, api_version="62.0")

    assert _manifest(files[PurePosixPath("manifest/package.xml")]) == _manifest(
        package.files["package.xml"]
    )
    assert text(parse(package.files["package.xml"]), "version") == "62.0"
    assert package.component_count == 31


def test_permission_set_is_copied_byte_for_byte(blueprint: Blueprint) -> None:
    """A permission set only loses the -meta.xml suffix in the metadata-API format."""
    files = _project_files(blueprint)
    package = convert_source(files, api_version="62.0")
    source = files[DX_SOURCE_ROOT / "permissionsets/SFSync_Integration.permissionset-meta.xml"]

    assert source == package.files["permissionsets/SFSync_Integration.permissionset"]


def test_zip_is_deterministic_with_package_xml_at_the_root(blueprint: Blueprint) -> None:
    """The same project zips to the same bytes, every file at its package path."""
    package = convert_source(_project_files(blueprint), api_version="62.0")
    data = package.zip_bytes()

    assert data == convert_source(_project_files(blueprint), api_version="62.0").zip_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(package.files) == sorted(archive.namelist())
        assert package.files["package.xml"] == archive.read("package.xml")


def test_no_history_project_has_no_custom_object_member(blueprint: Blueprint) -> None:
    """Without Lead.object-meta.xml the package deploys fields and views, not Lead's settings."""
    files = {p: c for p, c in _project_files(blueprint).items() if p.name != "Lead.object-meta.xml"}
    package = convert_source(files, api_version="62.0")

    assert "CustomObject" not in package.members
    assert NS + "enableHistory" not in {c.tag for c in parse(package.files["objects/Lead.object"])}


def test_file_name_must_match_full_name(blueprint: Blueprint) -> None:
    """A field file whose fullName differs from its name is refused, naming the file."""
    files = dict(_project_files(blueprint))
    path = DX_SOURCE_ROOT / "objects/Lead/fields/SFS_Score__c.field-meta.xml"
    files[path] = files[path].replace(b"<fullName>SFS_Score__c<", b"<fullName>Other__c<")

    with pytest.raises(ConfigError, match=r"SFS_Score__c\.field-meta\.xml: fullName 'Other__c'"):
        convert_source(files, api_version="62.0")


@pytest.mark.parametrize(
    ("path", "content", "message"),
    [
        ("objects/Lead/compactLayouts/X.compactLayout-meta.xml", b"<x/>", "expected a <Compac"),
        ("objects/Lead/webLinks/X.webLink-meta.xml", b"<x/>", "not a metadata type"),
        ("classes/Foo.cls", b"public class Foo {}", "not a metadata type"),
        ("objects/Lead/fields/Bad__c.field-meta.xml", b"<CustomField>", "not well-formed XML"),
        (
            "objects/Lead/fields/Bad__c.field-meta.xml",
            b"<CustomField><fullName>Bad__c</fullName></CustomField>",
            "metadata namespace",
        ),
    ],
)
def test_unconvertible_files_are_named(path: str, content: bytes, message: str) -> None:
    """A file of another type, malformed XML or the wrong namespace fails with its path."""
    with pytest.raises(ConfigError, match=message) as info:
        convert_source({DX_SOURCE_ROOT / path: content}, api_version="62.0")
    assert path in str(info.value)


def test_multipart_body_has_the_json_and_file_parts() -> None:
    """The body carries deployOptions as the `json` part and the zip as the `file` part."""
    body, content_type = multipart_body({"checkOnly": True}, b"PK\x03\x04zip\r\n--bytes")
    boundary = content_type.split("boundary=")[1]
    parts = body.split(b"--" + boundary.encode())

    assert content_type.startswith("multipart/form-data; ")
    assert b'name="json"' in parts[1]
    assert json.loads(parts[1].split(b"\r\n\r\n")[1]) == {"deployOptions": {"checkOnly": True}}
    assert b'name="file"; filename="deploy.zip"' in parts[2]
    assert parts[2].endswith(b"PK\x03\x04zip\r\n--bytes\r\n")
    assert parts[3] == b"--\r\n"


class FakeOrg:
    """A MetadataTransport answering the deploy, then the given statuses in order."""

    def __init__(self, statuses: list[dict[str, Any]]) -> None:
        self.statuses = statuses
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def request_json(self, method: str, path: str, *, name: str, **kwargs: Any) -> Any:
        self.calls.append((method, path, kwargs))
        if method == "POST":
            return {"id": "0Af000000000001AAA", "deployResult": {"status": "Pending"}}
        return {"id": "0Af000000000001AAA", "deployResult": self.statuses.pop(0)}


def _package() -> MetadataPackage:
    return MetadataPackage("62.0", {"package.xml": b"<Package/>"}, {})


def test_deploy_polls_until_done_and_maps_failures() -> None:
    """deploy_package posts once, polls with growing waits, and returns the component failures."""
    failed = {
        "status": "Failed",
        "done": True,
        "success": False,
        "checkOnly": True,
        "numberComponentErrors": 1,
        "numberComponentsTotal": 2,
        "details": {
            "componentFailures": {
                "componentType": "CustomField",
                "fullName": "Lead.X__c",
                "fileName": "objects/Lead.object",
                "problem": "Must specify 'precision'",
                "problemType": "Error",
                "lineNumber": "12",
            },
            "componentSuccesses": [],
        },
    }
    org = FakeOrg([{"status": "Pending"}, {"status": "InProgress"}, failed])
    waits: list[float] = []

    result = deploy_package(org, _package(), check_only=True, sleep=waits.append)

    assert [c[0] for c in org.calls] == ["POST", "GET", "GET", "GET"]
    assert waits == [1.0, 2.0]
    assert org.calls[1][2]["params"] == {"includeDetails": "true"}
    assert not result.success
    assert (
        result.failures[0].full_name,
        result.failures[0].problem,
        result.failures[0].line,
    ) == ("Lead.X__c", "Must specify 'precision'", 12)


def test_deploy_sends_check_only_and_single_package() -> None:
    """The json part asks for checkOnly as given, singlePackage and rollbackOnError."""
    org = FakeOrg([{"status": "Succeeded", "success": True, "done": True}])

    deploy_package(org, _package(), check_only=False, sleep=lambda s: None)
    body = org.calls[0][2]["data"]
    options = json.loads(body.split(b"\r\n\r\n")[1].split(b"\r\n")[0])["deployOptions"]

    expected = {"checkOnly": False, "singlePackage": True, "rollbackOnError": True}
    assert expected.items() <= options.items()


def test_deploy_that_never_finishes_times_out() -> None:
    """A deploy still in progress after the timeout raises SalesforceError with its id."""
    org = FakeOrg([{"status": "InProgress"}] * 10)
    now = iter(range(0, 1000, 100))

    with pytest.raises(SalesforceError, match="0Af000000000001AAA is still InProgress"):
        deploy_package(
            org, _package(), check_only=True, sleep=lambda s: None, clock=lambda: next(now),
            timeout_seconds=250,
        )  # fmt: skip


def test_answer_without_deploy_result_is_an_error() -> None:
    """A status answer without deployResult is a SalesforceError, not a KeyError."""
    with pytest.raises(SalesforceError, match="without a deployResult"):
        parse_deploy_result({"id": "0Af"})
