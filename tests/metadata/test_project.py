from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest
from structlog.testing import capture_logs

from sfsync.checks import OUTPUT_TYPES, SFS_STATUSES
from sfsync.definition import load_compiled
from sfsync.fields.blueprint import Blueprint, build_blueprint
from sfsync.fields.project import build_project, write_project
from tests.metadata.conftest import DEFAULT_DEFINITION, NS, parse, text, texts, write_definition

LEAD = PurePosixPath("force-app/main/default/objects/Lead")
PERMSET = PurePosixPath(
    "force-app/main/default/permissionsets/SFSync_Integration.permissionset-meta.xml"
)
DEFAULT_OUTPUTS = [
    "SFS_Score__c",
    "SFS_Fit_Score__c",
    "SFS_Engagement_Score__c",
    "SFS_Grade__c",
    "SFS_BANT__c",
    "SFS_Status__c",
    "SFS_Reasons__c",
    "SFS_Sales_Ready_Since__c",
    "SFS_Touches__c",
    "SFS_Touches_Remaining__c",
    "SFS_Last_Touch__c",
    "SFS_First_Touch_Hours__c",
    "SFS_Needs_Follow_Up__c",
    "SFS_Definition_Version__c",
]
ROOTS = {
    ".field-meta.xml": "CustomField",
    ".object-meta.xml": "CustomObject",
    ".listView-meta.xml": "ListView",
    ".permissionset-meta.xml": "PermissionSet",
    ".compactLayout-meta.xml": "CompactLayout",
    ".flexipage-meta.xml": "FlexiPage",
    ".reportFolder-meta.xml": "ReportFolder",
    ".report-meta.xml": "Report",
    ".dashboardFolder-meta.xml": "DashboardFolder",
    ".dashboard-meta.xml": "Dashboard",
    "package.xml": "Package",
}
DEFAULT = PurePosixPath("force-app/main/default")
REPORTS = ["SFSync_Conversion_by_Score_Band", "SFSync_Conversion_by_Grade",
           "SFSync_Follow_Up_by_Owner", "SFSync_Time_to_First_Touch", "SFSync_Status_Mix_by_Month",
           "SFSync_Open_Leads_by_Status"]  # fmt: skip
# Required elements per CustomField type, beyond fullName/label/type (Metadata API CustomField).
TYPE_ELEMENTS = {
    "Number": {"precision", "scale"},
    "Text": {"length"},
    "LongTextArea": {"length", "visibleLines"},
    "Picklist": {"valueSet"},
    "Checkbox": {"defaultValue"},
    "DateTime": set(),
}


def _fields_xml(files: dict[PurePosixPath, bytes]) -> dict[str, bytes]:
    return {
        p.name.removesuffix(".field-meta.xml"): c
        for p, c in files.items()
        if p.parent.name == "fields"
    }


def test_default_tree_has_exactly_the_expected_files(blueprint: Blueprint) -> None:
    """The default definition generates exactly the expected 33 files; 24 without reports."""
    core = {
        PurePosixPath("sfdx-project.json"),
        PurePosixPath("manifest/package.xml"),
        LEAD / "Lead.object-meta.xml",
        LEAD / "listViews/SFS_My_Sales_Ready_Leads.listView-meta.xml",
        LEAD / "listViews/SFS_Needs_Follow_Up.listView-meta.xml",
        LEAD / "listViews/SFS_All_Sales_Ready_Leads.listView-meta.xml",
        LEAD / "compactLayouts/SFSync_Lead_Highlights.compactLayout-meta.xml",
        DEFAULT / "flexipages/SFSync_Lead_Record_Page.flexipage-meta.xml",
        PERMSET,
        DEFAULT / "permissionsets/SFSync_Lead_Score_Read.permissionset-meta.xml",
        *(LEAD / "fields" / f"{name}.field-meta.xml" for name in DEFAULT_OUTPUTS),
    }
    analytics = {
        DEFAULT / "reports/SFSync_Reports.reportFolder-meta.xml",
        *(DEFAULT / f"reports/SFSync_Reports/{name}.report-meta.xml" for name in REPORTS),
        DEFAULT / "dashboards/SFSync_Dashboards.dashboardFolder-meta.xml",
        DEFAULT / "dashboards/SFSync_Dashboards/SFSync_Lead_Quality.dashboard-meta.xml",
    }

    assert core | analytics == set(build_project(blueprint, api_version="62.0").files)
    assert core == set(build_project(blueprint, api_version="62.0", analytics=False).files)
    assert (len(core | analytics), len(core)) == (33, 24)


def test_every_xml_parses_in_the_metadata_namespace(blueprint: Blueprint) -> None:
    """Every XML file declares UTF-8, parses, and has its root in the metadata namespace."""
    for path, content in build_project(blueprint, api_version="62.0").files.items():
        if path.suffix != ".xml":
            continue
        assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'), path
        root_type = next(t for suffix, t in ROOTS.items() if path.name.endswith(suffix))
        assert NS + root_type == parse(content).tag, path


def test_file_names_match_full_names(blueprint: Blueprint) -> None:
    """Each field and list view file is named <fullName>.<suffix>-meta.xml."""
    files = build_project(blueprint, api_version="62.0").files
    for path, content in files.items():
        for suffix in (".field-meta.xml", ".listView-meta.xml"):
            if path.name.endswith(suffix):
                assert path.name.removesuffix(suffix) == text(parse(content), "fullName")


@pytest.mark.parametrize("key", list(OUTPUT_TYPES))
def test_custom_field_has_the_elements_its_type_needs(blueprint: Blueprint, key: str) -> None:
    """Each field has the elements its type needs, fullName first, the rest sorted."""
    output = blueprint.output(key)
    root = parse(_fields_xml(build_project(blueprint, api_version="62.0").files)[output.api_name])
    ftype = text(root, "type")

    assert output.api_name == text(root, "fullName")
    assert text(root, "label")
    assert len(text(root, "label")) <= 40
    assert 0 < len(text(root, "inlineHelpText")) <= 510
    assert 0 < len(text(root, "description")) <= 1000
    present = {child.tag.removeprefix(NS) for child in root}
    assert TYPE_ELEMENTS[ftype] <= present
    tags = [child.tag.removeprefix(NS) for child in root]
    assert ["fullName", *sorted(present - {"fullName"})] == tags


def test_field_types_follow_the_output_contract(blueprint: Blueprint) -> None:
    """Types, sizes and defaults are those of DESIGN §3 (via sfsync.checks.OUTPUT_TYPES)."""
    fields = {
        name: parse(c)
        for name, c in _fields_xml(build_project(blueprint, api_version="62.0").files).items()
    }

    assert tuple(text(fields["SFS_Score__c"], t) for t in ("type", "precision", "scale")) == (
        "Number",
        "3",
        "0",
    )
    assert tuple(
        text(fields["SFS_First_Touch_Hours__c"], t) for t in ("type", "precision", "scale")
    ) == ("Number", "8", "1")
    assert (
        text(fields["SFS_Grade__c"], "type"),
        text(fields["SFS_Grade__c"], "length"),
    ) == ("Text", "2")
    assert text(fields["SFS_Definition_Version__c"], "length") == "40"
    reasons = fields["SFS_Reasons__c"]
    assert (text(reasons, "type"), text(reasons, "length")) == ("LongTextArea", "32768")
    assert int(text(reasons, "visibleLines")) > 0
    assert text(fields["SFS_Last_Touch__c"], "type") == "DateTime"
    assert (
        text(fields["SFS_Needs_Follow_Up__c"], "type"),
        text(fields["SFS_Needs_Follow_Up__c"], "defaultValue"),
    ) == ("Checkbox", "false")


def test_status_is_a_restricted_picklist_of_the_five_statuses(blueprint: Blueprint) -> None:
    """SFS_Status__c is a restricted picklist of exactly the five statuses, none of them default."""
    status = parse(_fields_xml(build_project(blueprint, api_version="62.0").files)["SFS_Status__c"])
    value_set = status.find(NS + "valueSet")
    assert value_set is not None
    definition = value_set.find(NS + "valueSetDefinition")
    assert definition is not None

    assert text(status, "type") == "Picklist"
    assert text(value_set, "restricted") == "true"
    assert list(SFS_STATUSES) == [text(v, "fullName") for v in definition.findall(NS + "value")]
    assert {"false"} == {text(v, "default") for v in definition.findall(NS + "value")}


def test_history_is_tracked_on_score_and_status_only(blueprint: Blueprint) -> None:
    """trackHistory is on score and status, and Lead's object settings enable history."""
    files = build_project(blueprint, api_version="62.0").files
    tracked = {
        name
        for name, c in _fields_xml(files).items()
        if texts(parse(c), "trackHistory") == ["true"]
    }

    assert {"SFS_Score__c", "SFS_Status__c"} == tracked
    assert text(parse(files[LEAD / "Lead.object-meta.xml"]), "enableHistory") == "true"


def test_no_history_leaves_lead_settings_alone() -> None:
    """Without history tracking no Lead settings, tracked fields or CustomObject."""
    blueprint = build_blueprint(load_compiled(DEFAULT_DEFINITION), track_history=False)
    files = build_project(blueprint, api_version="62.0").files

    assert LEAD / "Lead.object-meta.xml" not in files
    assert not any(texts(parse(c), "trackHistory") for c in _fields_xml(files).values())
    assert b"CustomObject" not in files[PurePosixPath("manifest/package.xml")]


def _permissions(
    blueprint: Blueprint,
) -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, str]], object]:
    root = parse(build_project(blueprint, api_version="62.0").files[PERMSET])
    fields = {
        text(fp, "field"): (text(fp, "readable"), text(fp, "editable"))
        for fp in root.findall(NS + "fieldPermissions")
    }
    objects = {
        text(op, "object"): {c.tag.removeprefix(NS): c.text or "" for c in op}
        for op in root.findall(NS + "objectPermissions")
    }
    return fields, objects, root


def test_permission_set_edits_outputs_and_only_reads_the_rest(blueprint: Blueprint) -> None:
    """The permission set edits the outputs only, and reads every input and activity field."""
    fields, _, root = _permissions(blueprint)
    editable = {name for name, (_, edit) in fields.items() if edit == "true"}

    assert text(root, "label") == "SFSync Integration"
    assert {f"Lead.{name}" for name in DEFAULT_OUTPUTS} == editable
    assert {"true"} == {read for read, _ in fields.values()}
    inputs = {"Industry", "NumberOfEmployees", "AnnualRevenue", "Title", "Email", "Budget__c"}
    inputs |= {"Purchase_Timeframe__c", "Pain_Points__c"}
    for name in inputs:
        assert fields[f"Lead.{name}"] == ("true", "false")
    assert fields["Lead.Address"] == ("true", "false")  # Country is part of the compound address
    for name in (
        "Web_Activity__c.Url__c",
        "Web_Activity__c.Visited_At__c",
        "Web_Activity__c.Lead__c",
    ):
        assert fields[name] == ("true", "false")
    assert fields["Campaign.Type"] == ("true", "false")
    assert fields["Task.Type"] == ("true", "false")


def test_permission_set_never_grants_system_or_required_fields(blueprint: Blueprint) -> None:
    """Fields Salesforce refuses in a permission set (audit, required, ids) are left out."""
    fields, _, _ = _permissions(blueprint)

    for name in (
        "Lead.Id",
        "Lead.Status",
        "Lead.OwnerId",
        "Lead.IsConverted",
        "Task.Status",
        "Task.CreatedById",
    ):
        assert name not in fields
    assert not any(
        name.endswith((".SystemModstamp", ".IsDeleted", ".CreatedDate")) for name in fields
    )


def test_permission_set_grants_object_read_and_nothing_more(blueprint: Blueprint) -> None:
    """Objects are read (Lead edit), never create/delete/view/modify all; only API Enabled."""
    _, objects, root = _permissions(blueprint)

    assert {"Campaign", "Lead", "Web_Activity__c"} == set(objects)
    for name, perms in objects.items():
        assert perms["allowRead"] == "true"
        assert ("true" if name == "Lead" else "false") == perms["allowEdit"]
        for flag in ("allowCreate", "allowDelete", "viewAllRecords", "modifyAllRecords"):
            assert perms[flag] == "false", (name, flag)
    users = root.findall(NS + "userPermissions")
    assert [(text(u, "name"), text(u, "enabled")) for u in users] == [("ApiEnabled", "true")]


def test_list_views_show_my_sales_ready_leads(blueprint: Blueprint) -> None:
    """The reps' views are Mine, the managers' Everything; all filter on the status output and
    show score and grade, not reasons."""
    files = build_project(blueprint, api_version="62.0").files
    ready = parse(files[LEAD / "listViews/SFS_My_Sales_Ready_Leads.listView-meta.xml"])
    follow = parse(files[LEAD / "listViews/SFS_Needs_Follow_Up.listView-meta.xml"])

    everyone = parse(files[LEAD / "listViews/SFS_All_Sales_Ready_Leads.listView-meta.xml"])
    assert text(everyone, "filterScope") == "Everything"  # managers: every rep's leads
    assert "CORE.USERS.ALIAS" in texts(everyone, "columns")
    for view in (ready, follow):
        assert text(view, "filterScope") == "Mine"
        assert text(view, "label")
        assert {"SFS_Score__c", "SFS_Grade__c", "FULL_NAME"} <= set(texts(view, "columns"))
        assert "SFS_Reasons__c" not in texts(view, "columns")
    filters = [
        (text(f, "field"), text(f, "operation"), text(f, "value"))
        for f in follow.findall(NS + "filters")
    ]
    assert filters == [
        ("SFS_Status__c", "equals", "Sales Ready"),
        ("SFS_Needs_Follow_Up__c", "equals", "1"),
    ]
    ready_filters = [(text(f, "field"), text(f, "value")) for f in ready.findall(NS + "filters")]
    assert ready_filters == [("SFS_Status__c", "Sales Ready")]


def test_manifest_lists_every_generated_component(blueprint: Blueprint) -> None:
    """package.xml names every generated component at the requested API version."""
    files = build_project(blueprint, api_version="61.0").files
    root = parse(files[PurePosixPath("manifest/package.xml")])
    types = {text(t, "name"): texts(t, "members") for t in root.findall(NS + "types")}

    assert text(root, "version") == "61.0"
    assert sorted(f"Lead.{n}" for n in DEFAULT_OUTPUTS) == types["CustomField"]
    assert types["CustomObject"] == ["Lead"]
    assert types["ListView"] == [
        "Lead.SFS_All_Sales_Ready_Leads",
        "Lead.SFS_My_Sales_Ready_Leads",
        "Lead.SFS_Needs_Follow_Up",
    ]
    assert types["PermissionSet"] == ["SFSync_Integration", "SFSync_Lead_Score_Read"]
    assert types["CompactLayout"] == ["Lead.SFSync_Lead_Highlights"]
    assert types["FlexiPage"] == ["SFSync_Lead_Record_Page"]
    assert types["Report"] == ["SFSync_Reports/", *sorted(f"SFSync_Reports/{r}" for r in REPORTS)]
    assert types["Dashboard"] == ["SFSync_Dashboards/", "SFSync_Dashboards/SFSync_Lead_Quality"]


def test_sfdx_project_json_points_at_force_app(blueprint: Blueprint) -> None:
    """sfdx-project.json declares force-app as the default package directory at the API version."""
    project = json.loads(
        build_project(blueprint, api_version="62.0").files[PurePosixPath("sfdx-project.json")]
    )

    assert project["packageDirectories"] == [{"path": "force-app", "default": True}]
    assert project["sourceApiVersion"] == "62.0"


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    """Two independent builds and writes produce byte-identical trees."""
    trees = []
    for run in ("a", "b"):
        blueprint = build_blueprint(load_compiled(DEFAULT_DEFINITION))
        write_project(build_project(blueprint, api_version="62.0"), tmp_path / run)
        root = tmp_path / run
        trees.append(
            {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
        )

    assert trees[0] == trees[1]


def test_remapped_definition_generates_remapped_names(tmp_path: Path) -> None:
    """Remapped outputs and inputs, and no web activity, change file names, grants and objects."""
    path = write_definition(
        tmp_path,
        outputs={"score": "Lead_Score__c", "status": "Qualification__c", "reasons": "Why__c"},
        inputs={"industry": {"field": "Sector__c"}},
        engagement={
            "sources": [
                {
                    "object": "Task",
                    "lead_field": "WhoId",
                    "at": "CreatedDate",
                    "when": {"field": "Subject", "matches": "^email (opened|clicked):"},
                    "signal": "email_engagement",
                }
            ]
        },
    )
    blueprint = build_blueprint(load_compiled(path))
    files = build_project(blueprint, api_version="62.0").files
    fields, objects, _ = _permissions(blueprint)
    names = set(_fields_xml(files))

    assert {"Lead_Score__c", "Qualification__c", "Why__c"} <= names
    assert not {"SFS_Score__c", "SFS_Status__c", "SFS_Reasons__c"} & names
    assert fields["Lead.Lead_Score__c"] == ("true", "true")
    assert fields["Lead.Sector__c"] == ("true", "false")
    assert "Lead.Industry" not in fields
    assert not any(name.startswith("Web_Activity__c.") for name in fields)
    assert "Web_Activity__c" not in objects
    follow = parse(files[LEAD / "listViews/SFS_Needs_Follow_Up.listView-meta.xml"])
    assert text(follow.findall(NS + "filters")[0], "field") == "Qualification__c"
    assert "Lead_Score__c" in texts(follow, "columns")
    score = parse(_fields_xml(files)["Lead_Score__c"])
    assert "See Why for why." in text(score, "inlineHelpText")


def test_writing_logs_one_summary_event(blueprint: Blueprint, tmp_path: Path) -> None:
    """Writing the project logs sfsync.fields.project_written with the counts."""
    project = build_project(blueprint, api_version="62.0")
    with capture_logs() as logs:
        write_project(project, tmp_path / "md")

    assert [(e["event"], e["written"], e["unchanged"], e["stale"]) for e in logs] == [
        ("sfsync.fields.project_written", 33, 0, 0)
    ]


def test_package_xml_lists_members_by_type_in_name_order() -> None:
    """manifest/package.xml names each type's members sorted, and the API version."""
    from sfsync.fields.documents import package_xml

    xml = package_xml({"CustomField": ["Lead.B__c", "Lead.A__c"]}, "62.0").decode()
    assert xml.index("Lead.A__c") < xml.index("Lead.B__c")
    assert "<version>62.0</version>" in xml
    assert "<name>CustomField</name>" in xml
