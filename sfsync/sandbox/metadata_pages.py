"""
What the sandbox org checks in a deploy's record pages (FlexiPage), compact layouts, and the
object settings that assign them (compactLayoutAssignment, actionOverrides), before it
changes anything. Pure: components in, problems appended to them.

The rules, by element, from the Metadata API Developer Guide:

- FlexiPage (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_flexipage.htm):
  `masterLabel`, `template` and `type` are required; a RecordPage names its `sobjectType`;
  a region (FlexiPageRegion) has a `name` and a `type` (Region, Facet, Background), a
  Region's name is one of its template's regions; an item (ItemInstance) is either a
  `componentInstance` (with a `componentName`) or a `fieldInstance` (a `fieldItem` of the
  form `Record.<Field>`, with its `uiBehavior`: none, readonly or required); identifiers
  are unique on the page. A facet is the content of exactly one component property
  (`body`, `columns`, `tabs`, `primaryField`, `secondaryFields`), as Lightning App Builder
  writes it and `sf template generate flexipage` generates it; fields live in facets.
- CompactLayout (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_compactlayout.htm):
  `label` and `fields`; Salesforce Help "Compact Layouts": up to 10 fields, and no text
  area, long or rich text area or multi-select picklist fields.
- CustomObject `compactLayoutAssignment` names a compact layout of the object (or SYSTEM);
  an ActionOverride of `type` Flexipage names a record page of the object in `content`
  (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/actionoverride.htm).

Every element is also checked against its type's elements and their order: the Metadata
API reads each type as its WSDL sequence (alphabetical, `fullName` first; the order of
jsforce's generated schema, lib/api/metadata/schema), and rejects an element out of place.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from sfsync.sandbox import schema
from sfsync.sandbox.metadata_rules import (
    DEVELOPER_NAME,
    NS,
    Component,
    FieldIndex,
    OrgMetadata,
    Plan,
    check_elements,
    text_of,
)

_FLEXIPAGE_ELEMENTS = frozenset(
    {"fullName", "description", "flexiPageRegions", "masterLabel", "parentFlexiPage",
     "platformActionlist", "quickActionList", "sobjectType", "template", "type"}
)  # fmt: skip
_PAGE_TYPES = frozenset({"RecordPage", "AppPage", "HomePage"})
_TEMPLATES = {
    "flexipage:recordHomeTemplateDesktop": frozenset({"header", "main", "sidebar"}),
    "flexipage:recordHomeSingleColTemplateDesktop": frozenset({"header", "main"}),
    "flexipage:defaultAppHomeTemplate": frozenset({"main"}),
}
_REGION_TYPES = frozenset({"Region", "Facet", "Background"})
_UI_BEHAVIORS = frozenset({"none", "readonly", "required"})
# The components the sandbox knows, and the properties each must have.
_COMPONENTS: dict[str, frozenset[str]] = {
    "flexipage:fieldSection": frozenset({"columns"}),
    "flexipage:column": frozenset({"body"}),
    "flexipage:tabset": frozenset({"tabs"}),
    "flexipage:tab": frozenset({"body", "title"}),
    "flexipage:richText": frozenset(),
    "force:detailPanel": frozenset(),
    "force:highlightsPanel": frozenset(),
    "force:relatedListContainer": frozenset(),
    "record_flexipage:dynamicHighlights": frozenset({"primaryField"}),
    "runtime_sales_activities:activityPanel": frozenset(),
    "lst:dynamicRelatedList": frozenset(),
}
_FACET_PROPERTIES = frozenset({"body", "columns", "tabs", "primaryField", "secondaryFields"})
_COMPACT_ELEMENTS = frozenset({"fullName", "fields", "label"})
MAX_COMPACT_FIELDS = 10
_NOT_IN_COMPACT = frozenset({schema.TEXTAREA})
_OVERRIDE_ACTIONS = frozenset({"View", "Edit", "New", "Tab", "List", "Clone", "Delete"})
_OVERRIDE_TYPES = frozenset({"Default", "Flexipage", "LightningComponent", "Standard",
                             "Visualforce"})  # fmt: skip
_FORM_FACTORS = frozenset({"Large", "Medium", "Small"})


def checked_root(c: Component, allowed: frozenset[str]) -> ET.Element:
    """The component's element, its children checked against *allowed* and the WSDL order."""
    el = c.element
    assert el is not None
    check_elements(el, allowed, c.type, c)
    check_order(el, c.type, c)
    return el


def check_order(el: ET.Element, type_name: str, c: Component) -> None:
    """Children in WSDL order (fullName first, then alphabetical), at every depth."""
    previous = ""
    for child in el:
        tag = child.tag.removeprefix(NS)
        key = "" if tag == "fullName" else tag
        if key < previous:
            c.problems.append(
                f"Error parsing file: Element {child.tag} invalid at this location in type "
                f"{type_name}"
            )
            return
        previous = key
        if len(child):
            check_order(child, tag, c)


def check(plan: Plan, org: OrgMetadata, known: FieldIndex) -> None:
    """Check every FlexiPage, CompactLayout and object assignment in *plan*."""
    pages = {c.full_name: c for c in plan.components if c.type == "FlexiPage"}
    layouts = {c.full_name for c in plan.components if c.type == "CompactLayout"}
    layouts |= {name for kind, name in org.deployed if kind == "CompactLayout"}
    for c in plan.components:
        if c.element is None:
            continue
        if c.type == "FlexiPage":
            _check_flexipage(c, org, known)
        elif c.type == "CompactLayout":
            _check_compact_layout(c, known)
        elif c.type == "CustomObject":
            _check_assignments(c, org, pages, layouts)


def _check_flexipage(c: Component, org: OrgMetadata, known: FieldIndex) -> None:
    el = checked_root(c, _FLEXIPAGE_ELEMENTS)
    if not DEVELOPER_NAME.match(c.full_name) or len(c.full_name) > 80:
        c.problems.append(f"{c.full_name}: not a valid Lightning page name")
    if not text_of(el, "masterLabel"):
        c.problems.append("Must specify a masterLabel for a FlexiPage")
    page_type = text_of(el, "type")
    if page_type not in _PAGE_TYPES:
        c.problems.append(f"FlexiPage type {page_type!r}: the sandbox org deploys "
                          f"{', '.join(sorted(_PAGE_TYPES))}")  # fmt: skip
        return
    sobject = text_of(el, "sobjectType")
    if page_type == "RecordPage" and (not sobject or sobject.lower() not in org.objects):
        c.problems.append(f"A RecordPage needs the sobjectType of an object in the org, not "
                          f"{sobject!r}")  # fmt: skip
        return
    template = el.find(NS + "template")
    template_name = None if template is None else text_of(template, "name")
    regions = _TEMPLATES.get(template_name or "")
    if regions is None:
        c.problems.append(f"Unknown template {template_name!r} (the sandbox knows "
                          f"{', '.join(sorted(_TEMPLATES))})")  # fmt: skip
        return
    _check_regions(c, el, regions, sobject or "", known)


def _check_regions(
    c: Component, el: ET.Element, template_regions: frozenset[str], sobject: str, known: FieldIndex
) -> None:
    facets: dict[str, int] = {}
    identifiers: set[str] = set()
    references: list[str] = []
    for region in el.findall(NS + "flexiPageRegions"):
        name = text_of(region, "name") or ""
        kind = text_of(region, "type")
        if kind not in _REGION_TYPES:
            c.problems.append(f"Region {name!r}: type must be Region, Facet or Background")
            continue
        if kind == "Region" and name not in template_regions:
            c.problems.append(f"The template has no region named {name!r} (it has "
                              f"{', '.join(sorted(template_regions))})")  # fmt: skip
        if kind == "Facet":
            if name in facets:
                c.problems.append(f"Duplicate facet region {name!r}")
            facets[name] = 0
        for item in region.findall(NS + "itemInstances"):
            parts = [child.tag.removeprefix(NS) for child in item]
            if parts not in (["componentInstance"], ["fieldInstance"]):
                c.problems.append(f"Region {name!r}: an itemInstances holds exactly one "
                                  "componentInstance or fieldInstance")  # fmt: skip
                continue
            inner = item[0]
            identifier = text_of(inner, "identifier")
            if identifier:
                if identifier in identifiers:
                    c.problems.append(f"Duplicate identifier {identifier!r} on the page")
                identifiers.add(identifier)
            if parts == ["fieldInstance"]:
                _check_field_item(c, inner, name, kind or "", sobject, known)
            else:
                references += _check_component(c, inner, name)
    for reference in references:
        if reference not in facets:
            c.problems.append(f"A component property names the facet {reference!r}, which "
                              "the page does not have")  # fmt: skip
        else:
            facets[reference] += 1
    for facet, uses in facets.items():
        if uses != 1:
            c.problems.append(f"Facet {facet!r} is the content of {uses} component "
                              "properties; it must be exactly one")  # fmt: skip


def _check_component(c: Component, inner: ET.Element, region: str) -> list[str]:
    """Problems of one componentInstance; the facets its properties name."""
    component = text_of(inner, "componentName") or ""
    if component not in _COMPONENTS:
        c.problems.append(f"Region {region!r}: the sandbox org does not know the component "
                          f"{component!r}")  # fmt: skip
        return []
    properties: dict[str, str] = {}
    for prop in inner.findall(NS + "componentInstanceProperties"):
        key = text_of(prop, "name") or ""
        if not key:
            c.problems.append(f"{component}: a componentInstanceProperties has no name")
        properties[key] = text_of(prop, "value") or ""
    missing = sorted(_COMPONENTS[component] - set(properties))
    if missing:
        c.problems.append(f"{component} in {region!r}: missing the property "
                          f"{', '.join(missing)}")  # fmt: skip
    return [v for k, v in properties.items() if k in _FACET_PROPERTIES and v]


def _check_field_item(
    c: Component, inner: ET.Element, region: str, kind: str, sobject: str, known: FieldIndex
) -> None:
    item = text_of(inner, "fieldItem") or ""
    if kind != "Facet":
        c.problems.append(f"The {item} field isn't allowed in the {region} region (fields go "
                          "in a field section's column facets)")  # fmt: skip
    head, _, field = item.partition(".")
    _, exists = known.find(sobject, field) if head == "Record" and field else (None, False)
    if not exists:
        c.problems.append(f"Invalid fieldItem {item!r}: no field {field!r} on {sobject}")
    behaviors = {
        text_of(p, "name"): text_of(p, "value")
        for p in inner.findall(NS + "fieldInstanceProperties")
    }
    if behaviors.get("uiBehavior") not in _UI_BEHAVIORS:
        c.problems.append(f"{item}: uiBehavior must be none, readonly or required")


def _check_compact_layout(c: Component, known: FieldIndex) -> None:
    el = checked_root(c, _COMPACT_ELEMENTS)
    if not text_of(el, "label"):
        c.problems.append("Must specify a label for a CompactLayout")
    fields = [(f.text or "").strip() for f in el.findall(NS + "fields")]
    if not fields:
        c.problems.append("A compact layout needs at least one field")
    if len(fields) > MAX_COMPACT_FIELDS:
        c.problems.append(f"A compact layout can have up to {MAX_COMPACT_FIELDS} fields, not "
                          f"{len(fields)}")  # fmt: skip
    for name in fields:
        fdef, exists = known.find(c.object_name, name)
        if not exists:
            c.problems.append(f"Invalid field {name!r} in the compact layout: no such field on "
                              f"{c.object_name}")  # fmt: skip
        elif fdef is not None and fdef.type in _NOT_IN_COMPACT:
            c.problems.append(f"{name}: text area fields can't be in a compact layout")


def _check_assignments(
    c: Component, org: OrgMetadata, pages: dict[str, Component], layouts: Iterable[str]
) -> None:
    el = c.element
    assert el is not None
    assigned = text_of(el, "compactLayoutAssignment")
    if assigned and assigned != "SYSTEM" and f"{c.full_name}.{assigned}" not in set(layouts):
        c.problems.append(f"compactLayoutAssignment: no compact layout {assigned!r} on "
                          f"{c.full_name}")  # fmt: skip
    for override in el.findall(NS + "actionOverrides"):
        action = text_of(override, "actionName")
        kind = text_of(override, "type")
        factor = text_of(override, "formFactor")
        if action not in _OVERRIDE_ACTIONS or kind not in _OVERRIDE_TYPES:
            c.problems.append(f"actionOverrides: {action!r} / {kind!r} is not an action and "
                              "override type Salesforce knows")  # fmt: skip
            continue
        if factor is not None and factor not in _FORM_FACTORS:
            c.problems.append(f"actionOverrides: formFactor {factor!r} is not Large, Medium or "
                              "Small")  # fmt: skip
        if kind == "Flexipage" and not _is_record_page(text_of(override, "content"), c, org, pages):
            c.problems.append(f"actionOverrides: {text_of(override, 'content')!r} is not a "
                              f"Lightning record page for {c.full_name}")  # fmt: skip


def _is_record_page(
    name: str | None, c: Component, org: OrgMetadata, pages: dict[str, Component]
) -> bool:
    if not name:
        return False
    if name in pages:
        el = pages[name].element
    elif ("FlexiPage", name) in org.deployed:
        el = ET.fromstring(org.deployed[("FlexiPage", name)])  # noqa: S314 - stored by us
    else:
        return False
    return (
        el is not None
        and text_of(el, "type") == "RecordPage"
        and text_of(el, "sobjectType") == c.full_name
    )
