"""
What reps see on the Lead record: a Lightning record page (FlexiPage) with sfsync's fields
in their own sections, and a compact layout that puts score, grade and status in the
highlights panel.

Both are *new* components: deploying them replaces nothing the org has. The page is not
anyone's record page until an admin activates it (Lightning App Builder > Activation) or
asks `sfsync fields --assign SFSync_Lead_Record_Page`; the compact layout is not the Lead
default until `--assign SFSync_Lead_Highlights` (or Setup > Object Manager > Lead > Compact
Layouts > Compact Layout Assignment).

The page follows the structure Salesforce's own CLI generates (`sf template generate
flexipage --template RecordPage`, sf 2.138): a `flexipage:recordHomeTemplateDesktop` with
its header, main and sidebar regions, Dynamic Forms field sections (`flexipage:fieldSection`
-> `flexipage:column` facets -> `fieldInstance` items, each read-only), and dynamic
highlights in the header. The Details tab keeps the org's own page layout (`force:detailPanel`),
so the fields an admin already placed stay where they are.

Metadata API: FlexiPage, FlexiPageRegion, ItemInstance, ComponentInstance, FieldInstance,
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_flexipage.htm;
CompactLayout, https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_compactlayout.htm
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sfsync.fields.blueprint import LEAD, Blueprint
from sfsync.fields.documents import Value, render_xml

RECORD_PAGE = "SFSync_Lead_Record_Page"
COMPACT_LAYOUT = "SFSync_Lead_Highlights"
TEMPLATE = "flexipage:recordHomeTemplateDesktop"


@dataclass(frozen=True)
class Section:
    """A field section of the record page: its label and its columns of field API names."""

    label: str
    columns: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class RecordPage:
    """The Lead record page as sfsync defines it (the preview renders the same object)."""

    name: str
    label: str
    primary: str
    highlights: tuple[str, ...]
    sections: tuple[Section, ...]


def record_page(blueprint: Blueprint) -> RecordPage:
    """Score, grade and status up top; the follow-up fields beside them; the reasons below."""
    name = {f.key: f.api_name for f in blueprint.outputs}
    return RecordPage(
        name=RECORD_PAGE,
        label="Lead Record Page (sfsync scores)",
        primary="Name",
        highlights=(
            "Company",
            name["status"],
            name["score"],
            name["grade"],
            name["needs_follow_up"],
        ),
        sections=(
            Section(
                "Lead score (sfsync)",
                (
                    (
                        name["status"],
                        name["score"],
                        name["grade"],
                        name["fit_score"],
                        name["engagement_score"],
                        name["bant"],
                    ),
                    (
                        name["needs_follow_up"],
                        name["sales_ready_since"],
                        name["touches"],
                        name["touches_remaining"],
                        name["last_touch"],
                        name["first_touch_hours"],
                    ),
                ),
            ),
            Section("Why (sfsync)", ((name["reasons"], name["definition_version"]),)),
        ),
    )


def compact_layout_fields(blueprint: Blueprint) -> tuple[str, ...]:
    """The highlights panel: the lead, then status, score and grade (Salesforce shows the
    first fields of a compact layout in the panel)."""
    name = {f.key: f.api_name for f in blueprint.outputs}
    return ("Name", "Company", name["status"], name["score"], name["grade"],
            name["needs_follow_up"], "Phone", "Email")  # fmt: skip


def compact_layout_xml(blueprint: Blueprint) -> bytes:
    """objects/Lead/compactLayouts/SFSync_Lead_Highlights.compactLayout-meta.xml."""
    pairs: list[tuple[str, Value]] = [("fullName", COMPACT_LAYOUT)]
    pairs += [("fields", field) for field in compact_layout_fields(blueprint)]
    pairs.append(("label", "SFSync Lead Highlights"))
    return render_xml("CompactLayout", pairs)


def _identifier(field: str, suffix: str = "Field") -> str:
    """Lightning App Builder's identifier for a field item: Record + name (__c -> _c) + suffix."""
    return "Record" + field.replace("__c", "_c").replace(".", "") + suffix


def _field_item(field: str, identifier: str) -> tuple[str, Value]:
    return (
        "itemInstances",
        [
            (
                "fieldInstance",
                [
                    ("fieldInstanceProperties", [("name", "uiBehavior"), ("value", "readonly")]),
                    ("fieldItem", f"Record.{field}"),
                    ("identifier", identifier),
                ],
            )
        ],
    )


def _component(
    name: str, identifier: str, properties: Sequence[tuple[str, str]] = ()
) -> tuple[str, Value]:
    props: list[tuple[str, Value]] = [
        ("componentInstanceProperties", [("name", key), ("value", value)])
        for key, value in properties
    ]
    return (
        "itemInstances",
        [("componentInstance", [*props, ("componentName", name), ("identifier", identifier)])],
    )


def _region(name: str, kind: str, items: Sequence[tuple[str, Value]]) -> tuple[str, Value]:
    return ("flexiPageRegions", [*items, ("name", name), ("type", kind)])


def record_page_xml(page: RecordPage) -> bytes:
    """flexipages/SFSync_Lead_Record_Page.flexipage-meta.xml."""
    regions: list[tuple[str, Value]] = [
        _region("Facet-sfsync-primary", "Facet",
                [_field_item(page.primary, _identifier(page.primary, "PrimaryField"))]),
        _region("Facet-sfsync-secondary", "Facet", [
            _field_item(f, _identifier(f, f"SecondaryField{i}"))
            for i, f in enumerate(page.highlights)
        ]),
        _region("header", "Region", [_component(
            "record_flexipage:dynamicHighlights", "record_flexipage_dynamicHighlights",
            [("numVisibleActions", "3"), ("primaryField", "Facet-sfsync-primary"),
             ("secondaryFields", "Facet-sfsync-secondary")],
        )]),
    ]  # fmt: skip
    sections: list[tuple[str, Value]] = []
    for s, section in enumerate(page.sections, start=1):
        columns: list[tuple[str, Value]] = []
        for c, fields in enumerate(section.columns, start=1):
            facet = f"Facet-sfsync-section{s}-column{c}"
            regions.append(
                _region(facet, "Facet", [_field_item(f, _identifier(f)) for f in fields])
            )
            columns.append(
                _component("flexipage:column", f"flexipage_column_s{s}c{c}", [("body", facet)])
            )
        regions.append(_region(f"Facet-sfsync-section{s}-columns", "Facet", columns))
        sections.append(
            _component(
                "flexipage:fieldSection",
                f"flexipage_fieldSection_sfsync{s}",
                [("columns", f"Facet-sfsync-section{s}-columns"),
                 ("horizontalAlignment", "false"), ("label", section.label)],
            )
        )  # fmt: skip
    regions += [
        _region("detailTabContent", "Facet",
                [_component("force:detailPanel", "force_detailPanel")]),
        _region("relatedTabContent", "Facet",
                [_component("force:relatedListContainer", "force_relatedListContainer",
                            [("relatedListComponentOverride", "NONE"), ("rowsToDisplay", "10"),
                             ("showActionBar", "true")])]),
        _region("maintabs", "Facet", [
            _component("flexipage:tab", "detailTab", [("active", "true"),
                       ("body", "detailTabContent"), ("title", "Standard.Tab.detail")]),
            _component("flexipage:tab", "relatedListsTab", [("body", "relatedTabContent"),
                       ("title", "Standard.Tab.relatedLists")]),
        ]),
        _region("main", "Region",
                [*sections, _component("flexipage:tabset", "flexipage_tabset",
                                       [("tabs", "maintabs")])]),
        _region("activityTabContent", "Facet",
                [_component("runtime_sales_activities:activityPanel",
                            "runtime_sales_activities_activityPanel",
                            [("showLegacyActivityComposer", "false")])]),
        _region("sidebartabs", "Facet", [
            _component("flexipage:tab", "activityTab", [("active", "true"),
                       ("body", "activityTabContent"), ("title", "Standard.Tab.activity")]),
        ]),
        _region("sidebar", "Region",
                [_component("flexipage:tabset", "flexipage_tabset2", [("tabs", "sidebartabs")])]),
    ]  # fmt: skip
    pairs: list[tuple[str, Value]] = [
        *regions,
        (
            "description",
            "sfsync: the Lead with its score, grade, status, reasons and follow-up fields on "
            "top, the org's own page layout in the Details tab.",
        ),
        ("masterLabel", page.label),
        ("sobjectType", LEAD),
        ("template", [("name", TEMPLATE)]),
        ("type", "RecordPage"),
    ]
    return render_xml("FlexiPage", pairs)
