"""
The Lead list views sfsync generates: the reps' own Sales Ready leads, the ones overdue for
follow-up, and every Sales Ready lead for managers.

The Metadata API's ListView has no sort element (columns, filters, filterScope, label, ...:
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_listview.htm),
so a generated view cannot carry a sort order; Salesforce remembers the column each user
sorts by. The columns are ordered as reps scan them (who, then how ready, then the
follow-up), and the sorted lists live in the reports (`analytics.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sfsync.fields.blueprint import Blueprint
from sfsync.fields.documents import Value, render_xml

OWNER_ALIAS = "CORE.USERS.ALIAS"
"""The owner column of Lead list views (as Salesforce's own Lead views name it)."""


@dataclass(frozen=True)
class ListView:
    """A Lead list view: whose leads (`scope`), which of them, which columns."""

    name: str
    label: str
    columns: tuple[str, ...]
    filters: tuple[tuple[str, str, str], ...]  # (field, operation, value)
    scope: str = "Mine"


def list_views(blueprint: Blueprint) -> list[ListView]:
    """The reps' two views of their own leads, and the managers' view of everyone's."""
    name = {f.key: f.api_name for f in blueprint.outputs}
    status = name["status"]
    ready = (status, "equals", "Sales Ready")
    follow_up = (
        name["sales_ready_since"],
        name["touches"],
        name["touches_remaining"],
        name["last_touch"],
    )
    return [
        ListView(
            name="SFS_Needs_Follow_Up",
            label="SFS Needs Follow-Up",
            columns=(
                "FULL_NAME",
                "LEAD.COMPANY",
                "LEAD.PHONE",
                "LEAD.EMAIL",
                name["score"],
                name["grade"],
                *follow_up,
            ),
            filters=(ready, (name["needs_follow_up"], "equals", "1")),
        ),
        ListView(
            name="SFS_My_Sales_Ready_Leads",
            label="SFS My Sales Ready Leads",
            columns=(
                "FULL_NAME",
                "LEAD.COMPANY",
                "LEAD.TITLE",
                name["needs_follow_up"],
                name["score"],
                name["grade"],
                *follow_up,
            ),
            filters=(ready,),
        ),
        ListView(
            name="SFS_All_Sales_Ready_Leads",
            label="SFS All Sales Ready Leads",
            columns=(
                "FULL_NAME",
                "LEAD.COMPANY",
                OWNER_ALIAS,
                name["needs_follow_up"],
                name["score"],
                name["grade"],
                *follow_up,
            ),
            filters=(ready,),
            scope="Everything",
        ),
    ]


def list_view_xml(view: ListView) -> bytes:
    """One ListView in DX source format (objects/Lead/listViews/<name>.listView-meta.xml)."""
    pairs: list[tuple[str, Value]] = [("fullName", view.name), ("label", view.label)]
    pairs += [("columns", column) for column in view.columns]
    pairs.append(("filterScope", view.scope))
    pairs += [
        ("filters", [("field", field), ("operation", op), ("value", value)])
        for field, op, value in view.filters
    ]
    return render_xml("ListView", pairs)
