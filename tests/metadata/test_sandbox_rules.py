"""
The sandbox org's checks for record pages, compact layouts, assignments, reports, dashboards
and folders (sandbox/metadata_pages.py, metadata_reports.py), run on the generated package
with one thing broken at a time: the deploy must name the component and what is wrong, as
Salesforce's Metadata API would (each rule cites its reference in the module docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

import pytest

from sfsync.fields import Blueprint, build_project
from sfsync.salesforce.metadata import convert_source
from sfsync.sandbox import schema
from sfsync.sandbox.metadata_package import plan_deploy
from sfsync.sandbox.metadata_pages import MAX_COMPACT_FIELDS
from sfsync.sandbox.metadata_reports import LEAD_COLUMNS
from sfsync.sandbox.metadata_rules import OrgMetadata

PAGE = "flexipages/SFSync_Lead_Record_Page.flexipage"
LEAD = "objects/Lead.object"
BAND = "reports/SFSync_Reports/SFSync_Conversion_by_Score_Band.report"
OWNER = "reports/SFSync_Reports/SFSync_Follow_Up_by_Owner.report"
DASHBOARD = "dashboards/SFSync_Dashboards/SFSync_Lead_Quality.dashboard"
REPORT_FOLDER = "reports/SFSync_Reports-meta.xml"


def _org(**deployed: bytes) -> OrgMetadata:
    return OrgMetadata(objects=schema.OBJECTS, deployed={}, history_enabled={"Lead": True})


def _package(blueprint: Blueprint, *assign: str) -> dict[str, bytes]:
    project = build_project(blueprint, api_version="62.0", assign=assign)
    return dict(convert_source(project.files, api_version="62.0").files)


def _problems(files: dict[str, bytes]) -> list[str]:
    plan = plan_deploy(files, _org())
    return [f"{c.type} {c.full_name}: {p}" for c in plan.failed for p in c.problems]


def test_the_generated_package_passes_every_check(blueprint: Blueprint) -> None:
    """Fields, permission sets, views, page, layout, reports and dashboard: no problem, and
    the assignments too when asked for."""
    assert _problems(_package(blueprint)) == []
    files = _package(blueprint, "SFSync_Lead_Record_Page", "SFSync_Lead_Highlights")
    assert _problems(files) == []
    plan = plan_deploy(files, _org())
    kinds = {c.type for c in plan.components}
    assert {"FlexiPage", "CompactLayout", "Report", "ReportFolder", "Dashboard",
            "DashboardFolder", "PermissionSet", "CustomObject"} <= kinds  # fmt: skip


def _swap(path: str, old: str, new: str) -> Callable[[dict[str, bytes]], None]:
    def change(files: dict[str, bytes]) -> None:
        assert old.encode() in files[path], old
        files[path] = files[path].replace(old.encode(), new.encode(), 1)

    return change


def _drop(path: str) -> Callable[[dict[str, bytes]], None]:
    def change(files: dict[str, bytes]) -> None:
        del files[path]
        files["package.xml"] = files["package.xml"].replace(
            b"<members>SFSync_Reports/</members>", b""
        )

    return change


BROKEN = [
    # FlexiPage: fields, behaviours, facets, components, regions, order
    (_swap(PAGE, "<fieldItem>Record.SFS_Score__c</fieldItem>",
           "<fieldItem>Record.Nope__c</fieldItem>"),
     "FlexiPage SFSync_Lead_Record_Page: Invalid fieldItem 'Record.Nope__c'"),
    (_swap(PAGE, "<value>readonly</value>", "<value>editable</value>"),
     "uiBehavior must be none, readonly or required"),
    (_swap(PAGE, "<value>Facet-sfsync-section1-columns</value>", "<value>Facet-nowhere</value>"),
     "names the facet 'Facet-nowhere', which the page does not have"),
    (_swap(PAGE, "<componentName>force:detailPanel</componentName>",
           "<componentName>c:madeUp</componentName>"),
     "does not know the component 'c:madeUp'"),
    (_swap(PAGE, "<name>sidebar</name>", "<name>footer</name>"),
     "The template has no region named 'footer'"),
    (_swap(PAGE, "<masterLabel>", "<zzz>x</zzz><masterLabel>"),
     "Element {http://soap.sforce.com/2006/04/metadata}zzz invalid at this location"),
    (_swap(PAGE, "<type>RecordPage</type>",
           "<type>RecordPage</type><description>late</description>"),
     "invalid at this location in type FlexiPage"),
    (_swap(PAGE, "<identifier>force_detailPanel</identifier>",
           "<identifier>detailTab</identifier>"),
     "Duplicate identifier 'detailTab'"),
    # CompactLayout and the Lead's assignments
    (_swap(LEAD, "<fields>SFS_Grade__c</fields>", "<fields>SFS_Reasons__c</fields>"),
     "SFS_Reasons__c: text area fields can't be in a compact layout"),
    (_swap(LEAD, "<fields>Email</fields>", "<fields>Email</fields>" + "<fields>Title</fields>" * 3),
     "up to 10 fields, not 11"),
    (_swap(LEAD, "<enableHistory>", "<compactLayoutAssignment>Nope</compactLayoutAssignment>"
           "<enableHistory>"), "compactLayoutAssignment: no compact layout 'Nope' on Lead"),
    # Reports
    (_swap(BAND, "<field>COMPANY</field>", "<field>NOT_A_COLUMN</field>"),
     "Report SFSync_Reports/SFSync_Conversion_by_Score_Band: Invalid column 'NOT_A_COLUMN'"),
    (_swap(BAND, "<from>39</from>", "<from>40</from>"), "ranges must meet"),
    (_swap(BAND, "<calculatedFormula>CONVERTED:SUM", "<calculatedFormula>COMPANY:SUM"),
     "COMPANY is not a number or checkbox column"),
    (_swap(BAND, "<reportType>LeadList</reportType>", "<reportType>Opportunity</reportType>"),
     "reportType 'Opportunity': the sandbox org knows the Leads report type (LeadList) only"),
    (_swap(BAND, "<groupingColumn>BucketField_ScoreBand</groupingColumn>",
           "<groupingColumn>COMPANY</groupingColumn>"),
     "The chart's groupingColumn 'COMPANY' is not a grouping"),
    (_swap(OWNER, "<value>1</value>", "<value>yes</value>"), "'yes' is not a checkbox value"),
    (_swap(OWNER, "<sortColumn>Lead.SFS_Sales_Ready_Since__c", "<sortColumn>CREATED_DATE"),
     "sortColumn 'CREATED_DATE' is not a column of the report"),
    (_swap(OWNER, "<format>Summary</format>", "<format>Tabular</format>"),
     "A Tabular report can have 0 groupingsDown, not 1"),
    (_drop(REPORT_FOLDER), "no ReportFolder named 'SFSync_Reports'"),
    # Dashboard
    (_swap(DASHBOARD, "<report>SFSync_Reports/SFSync_Follow_Up_by_Owner</report>",
           "<report>SFSync_Reports/Gone</report>"), "no report named 'SFSync_Reports/Gone'"),
    (_swap(DASHBOARD, "<columnIndex>6</columnIndex>", "<columnIndex>0</columnIndex>"),
     "overlaps another"),
    (_swap(DASHBOARD, "<columnIndex>6</columnIndex>", "<columnIndex>7</columnIndex>"),
     "does not fit a 12-column grid"),
    (_swap(DASHBOARD, "<column>FORMULA1</column>", "<column>FORMULA7</column>"),
     "plots 'FORMULA7'"),
    (_swap(DASHBOARD, "<titleColor>#000000</titleColor>", ""),
     "Must specify 'titleColor' for a Dashboard"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "problem"), BROKEN, ids=[p for _, p in BROKEN])
def test_a_broken_component_is_refused_with_its_reason(
    blueprint: Blueprint, change: Callable[[dict[str, bytes]], None], problem: str
) -> None:
    """One broken element fails the deploy, naming the component and the rule."""
    files = _package(blueprint)
    change(files)

    problems = _problems(files)

    assert any(problem in p for p in problems), problems


def test_a_record_page_override_must_name_a_lead_record_page(blueprint: Blueprint) -> None:
    """--assign's actionOverrides may only name a Lightning record page of the same object."""
    files = _package(blueprint, "SFSync_Lead_Record_Page")
    _swap(LEAD, "<content>SFSync_Lead_Record_Page</content>", "<content>Other_Page</content>")(
        files
    )

    assert any(
        "'Other_Page' is not a Lightning record page for Lead" in p for p in _problems(files)
    )


def test_package_members_of_folders_with_or_without_the_slash(blueprint: Blueprint) -> None:
    """`SFSync_Reports/` (sf) and `SFSync_Reports` (older tools) both name the folder."""
    files = _package(blueprint)
    files["package.xml"] = files["package.xml"].replace(
        b"<members>SFSync_Reports/</members>", b"<members>SFSync_Reports</members>"
    )
    plan = plan_deploy(files, _org())

    assert _problems(files) == []
    assert ("ReportFolder", "SFSync_Reports") in {(c.type, c.full_name) for c in plan.components}


def test_paths_are_those_of_the_dx_project(blueprint: Blueprint) -> None:
    """Sanity: the package above is the DX project converted (no file invented here)."""
    project = build_project(blueprint, api_version="62.0")
    assert PurePosixPath("force-app/main/default/" + PAGE + "-meta.xml") in project.files


def test_the_rules_limits_are_salesforces(blueprint: Blueprint) -> None:
    """A compact layout holds 10 fields; the generated reports use standard columns the
    sandbox knows for the Leads report type, and custom fields as Lead.<name>."""
    import re

    assert MAX_COMPACT_FIELDS == 10
    files = _package(blueprint)
    used = {
        m.decode()
        for name, content in files.items()
        if name.endswith(".report")
        for m in re.findall(rb"<(?:field|column|sourceColumnName)>([^<]+)<", content)
    }
    standard = {u for u in used if not u.startswith(("Lead.", "BucketField_"))} - {
        "RowCount",
        "FORMULA1",
    }
    assert standard <= set(LEAD_COLUMNS)
    assert {"FIRST_NAME", "LAST_NAME", "COMPANY", "OWNER", "CONVERTED", "CREATED_DATE"} <= standard
