"""
What reps and managers get from `sfsync fields`: read access, the record page, the compact
layout, list views, reports and a dashboard, all generated from the definition's output
names, and nothing of the org's replaced unless `--assign` names it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from sfsync.definition import load_compiled
from sfsync.errors import ConfigError
from sfsync.fields import FOLLOW_UP_LISTS, Blueprint, build_blueprint, build_project
from sfsync.fields.analytics import SCORE_BANDS, reports
from sfsync.fields.pages import compact_layout_fields, record_page
from sfsync.fields.views import list_views
from sfsync.report import analysis
from tests.metadata.conftest import NS, parse, text, texts, write_definition

DEFAULT = PurePosixPath("force-app/main/default")
LEAD = DEFAULT / "objects/Lead"
READ = DEFAULT / "permissionsets/SFSync_Lead_Score_Read.permissionset-meta.xml"
PAGE = DEFAULT / "flexipages/SFSync_Lead_Record_Page.flexipage-meta.xml"
LAYOUT = LEAD / "compactLayouts/SFSync_Lead_Highlights.compactLayout-meta.xml"


def _files(blueprint: Blueprint, **options: object) -> dict[PurePosixPath, bytes]:
    return build_project(blueprint, api_version="62.0", **options).files  # type: ignore[arg-type]


def test_reps_read_every_output_and_edit_nothing(blueprint: Blueprint) -> None:
    """SFSync_Lead_Score_Read: read on every SFS_* field and on Lead; no edit, no user perms."""
    root = parse(_files(blueprint)[READ])
    fields = {
        text(p, "field"): (text(p, "readable"), text(p, "editable"))
        for p in root.findall(NS + "fieldPermissions")
    }
    objects = root.findall(NS + "objectPermissions")

    assert {f"Lead.{o.api_name}" for o in blueprint.outputs} == set(fields)
    assert {("true", "false")} == set(fields.values())
    assert [text(o, "object") for o in objects] == ["Lead"]
    flags = {c.tag.removeprefix(NS): c.text for c in objects[0] if c.tag != NS + "object"}
    assert flags == {"allowCreate": "false", "allowDelete": "false", "allowEdit": "false",
                     "allowRead": "true", "modifyAllRecords": "false",
                     "viewAllRecords": "false"}  # fmt: skip
    assert root.findall(NS + "userPermissions") == []


def test_the_record_page_shows_score_grade_status_reasons_and_follow_up(
    blueprint: Blueprint,
) -> None:
    """Every output is on the page, read-only, in a field section; the highlights show
    score, grade and status; the Details tab keeps the org's own layout."""
    root = parse(_files(blueprint)[PAGE])
    items = list(root.iter(NS + "fieldInstance"))
    shown = [text(i, "fieldItem") for i in items]
    behaviors = {
        texts(p, "value")[0] for i in items for p in i.findall(NS + "fieldInstanceProperties")
    }
    components = [text(c, "componentName") for c in root.iter(NS + "componentInstance")]

    assert {f"Record.{o.api_name}" for o in blueprint.outputs} <= set(shown)
    assert behaviors == {"readonly"}
    assert (text(root, "type"), text(root, "sobjectType")) == ("RecordPage", "Lead")
    assert components.count("flexipage:fieldSection") == 2
    assert "force:detailPanel" in components  # the org's page layout, untouched
    page = record_page(blueprint)
    assert {"SFS_Score__c", "SFS_Grade__c", "SFS_Status__c"} <= set(page.highlights)
    identifiers = [t.text for t in root.iter(NS + "identifier")]
    assert len(identifiers) == len(set(identifiers))


def test_the_compact_layout_leads_with_score_grade_and_status(blueprint: Blueprint) -> None:
    """The highlights panel's first fields: the lead, then status, score and grade; <= 10."""
    root = parse(_files(blueprint)[LAYOUT])
    fields = texts(root, "fields")

    assert fields == list(compact_layout_fields(blueprint))
    assert fields[2:5] == ["SFS_Status__c", "SFS_Score__c", "SFS_Grade__c"]
    assert len(fields) <= 10
    assert "SFS_Reasons__c" not in fields  # long text areas cannot be in a compact layout


def test_nothing_is_assigned_unless_named(blueprint: Blueprint) -> None:
    """By default Lead's settings track history only; --assign adds exactly what it names."""
    plain = parse(_files(blueprint)[LEAD / "Lead.object-meta.xml"])
    assert [c.tag.removeprefix(NS) for c in plain] == ["enableHistory"]

    both = parse(
        _files(blueprint, assign=("SFSync_Lead_Record_Page", "SFSync_Lead_Highlights"))[
            LEAD / "Lead.object-meta.xml"
        ]
    )
    override = both.find(NS + "actionOverrides")
    assert override is not None
    assert text(both, "compactLayoutAssignment") == "SFSync_Lead_Highlights"
    assert (text(override, "actionName"), text(override, "type"), text(override, "content"),
            text(override, "formFactor")) == ("View", "Flexipage", "SFSync_Lead_Record_Page",
                                              "Large")  # fmt: skip
    with pytest.raises(ConfigError, match="--assign Lead-Lead Layout: sfsync can assign"):
        _files(blueprint, assign=("Lead-Lead Layout",))


def test_remapped_outputs_flow_into_every_rep_facing_component(tmp_path: Path) -> None:
    """An org that names the outputs differently gets pages, views and reports on its names."""
    path = write_definition(
        tmp_path, outputs={"score": "Lead_Score__c", "status": "Lead_Status__c"}
    )
    blueprint = build_blueprint(load_compiled(path))
    files = _files(blueprint)
    everything = b"".join(files.values())

    assert b"SFS_Score__c" not in everything
    assert b"SFS_Status__c" not in everything
    assert b"Record.Lead_Score__c" in files[PAGE]
    assert (
        b"<field>Lead.Lead_Status__c</field>"
        in files[DEFAULT / "reports/SFSync_Reports/SFSync_Open_Leads_by_Status.report-meta.xml"]
    )


def test_report_bands_are_the_html_reports_bands(blueprint: Blueprint) -> None:
    """The conversion-by-score-band report buckets scores as the HTML report bands them."""
    labels = [label for _, _, label in SCORE_BANDS]
    assert labels == [f"{lo}-{hi}" for lo, hi in analysis.SCORE_BANDS]
    for (_, hi, label), (lo_html, hi_html) in zip(SCORE_BANDS, analysis.SCORE_BANDS, strict=True):
        assert label == f"{lo_html}-{hi_html}"
        assert hi is None or hi == hi_html  # a bucket holds up to `to`: 19 is in 0-19


def test_the_report_names_the_lists_the_generated_views_and_report_carry(
    blueprint: Blueprint,
) -> None:
    """The HTML report's pointer names list views and a report that `sfsync fields` makes."""
    labels = {v.label for v in list_views(blueprint)} | {r.label for r in reports(blueprint)}
    for quoted in FOLLOW_UP_LISTS.split("\u201c")[1:]:
        assert quoted.split("\u201d")[0] in labels
