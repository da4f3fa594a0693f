"""
Native reports and a dashboard for managers, on Salesforce's standard Leads report type
(`LeadList`), in a report folder and a dashboard folder of their own:

- **Conversion by score band**: a number bucket on the score (the HTML report's bands) and a
  custom summary formula `CONVERTED:SUM/RowCount`. Converted leads keep the values sfsync last
  wrote before they converted (it never writes a converted lead), so this is the score a lead
  had when it was bought.
- **Conversion by grade**: a text bucket on the grade's fit letter, then the grade.
- **Sales Ready leads needing follow-up, by owner**: sorted by Sales Ready since, oldest first.
- **Time to first touch, by owner**: the average and longest hours from Sales Ready to the
  first touch.
- **Status mix by month created** (a matrix): for each month's new leads, their status now.
  Choice: the fields allow a cohort view on the Leads report type; a status mix *over time*
  needs history. Field history is tracked on the status field (`sfsync fields` turns it on),
  so Setup's "Lead History" report type can show every status change; sfsync does not
  generate that report because the history report type's API and column names could not be
  verified against a real org here, and one wrong name fails the whole deploy.
- **Open leads by status**, for the dashboard's donut.

Column names of the standard report type (FIRST_NAME, LAST_NAME, COMPANY, OWNER, CONVERTED,
CREATED_DATE, custom fields as `Lead.Field__c`) are those Salesforce's report builder writes.
Metadata API: Report, ReportFolder/Folder, Dashboard, DashboardFolder:
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_report.htm,
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_folder.htm,
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_dashboard.htm
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sfsync.fields.blueprint import Blueprint
from sfsync.fields.documents import Value, render_xml

REPORT_TYPE = "LeadList"
REPORT_FOLDER = "SFSync_Reports"
DASHBOARD_FOLDER = "SFSync_Dashboards"
DASHBOARD = "SFSync_Lead_Quality"
CONVERSION_RATE = "FORMULA1"
SCORE_BANDS = ((None, 19, "0-19"), (19, 39, "20-39"), (39, 59, "40-59"), (59, 79, "60-79"),
               (79, None, "80-100"))  # fmt: skip
"""The HTML report's bands as number buckets: up to `to`, above `from` (Salesforce's rule)."""


def _lead(api_name: str) -> str:
    """A custom Lead field as a column of the Leads report type."""
    return f"Lead.{api_name}"


@dataclass(frozen=True)
class Report:
    """One report: enough to render it and to place it on the dashboard."""

    name: str
    label: str
    description: str
    pairs: tuple[tuple[str, Value], ...]
    grouping: str
    chart: str  # the dashboard component type
    summary: tuple[str, str] = ("RowCount", "")  # (column, aggregate) the dashboard plots
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def member(self) -> str:
        """Its package.xml member: Folder/Name."""
        return f"{REPORT_FOLDER}/{self.name}"


def _number_bucket(
    name: str, label: str, column: str, bands: Sequence[tuple[float | None, float | None, str]]
) -> tuple[str, Value]:
    values: list[tuple[str, Value]] = []
    for lo, hi, value in bands:
        source: list[tuple[str, Value]] = []
        if lo is not None:
            source.append(("from", f"{lo:g}"))
        if hi is not None:
            source.append(("to", f"{hi:g}"))
        values.append(("values", [("sourceValues", source), ("value", value)]))
    return (
        "buckets",
        [("bucketType", "number"), ("developerName", name), ("masterLabel", label),
         ("nullTreatment", "n"), ("sourceColumnName", column), ("useOther", False), *values],
    )  # fmt: skip


def _grade_bucket(column: str) -> tuple[str, Value]:
    values: list[tuple[str, Value]] = [
        (
            "values",
            [
                *[("sourceValues", [("sourceValue", f"{letter}{d}")]) for d in "1234"],
                ("value", letter),
            ],
        )
        for letter in "ABCD"
    ]
    return (
        "buckets",
        [("bucketType", "text"), ("developerName", "BucketField_FitLetter"),
         ("masterLabel", "Fit letter"), ("nullTreatment", "n"), ("otherBucketLabel", "Other"),
         ("sourceColumnName", column), ("useOther", True), *values],
    )  # fmt: skip


def _conversion_rate() -> tuple[str, Value]:
    return (
        "aggregates",
        [("calculatedFormula", "CONVERTED:SUM/RowCount"), ("datatype", "percent"),
         ("developerName", CONVERSION_RATE), ("isActive", True), ("isCrossBlock", False),
         ("masterLabel", "Conversion rate"), ("scale", 1)],
    )  # fmt: skip


def _columns(
    names: Sequence[str], aggregates: dict[str, Sequence[str]] | None = None
) -> list[tuple[str, Value]]:
    out: list[tuple[str, Value]] = []
    for name in names:
        inner: list[tuple[str, Value]] = [
            ("aggregateTypes", a) for a in (aggregates or {}).get(name, ())
        ]
        out.append(("columns", [*inner, ("field", name)]))
    return out


def _filter(*items: tuple[str, str, str]) -> tuple[str, Value]:
    return (
        "filter",
        [("criteriaItems", [("column", c), ("operator", op), ("value", v)]) for c, op, v in items],
    )


def _grouping(field_name: str, *, granularity: str | None = None) -> list[tuple[str, Value]]:
    pairs: list[tuple[str, Value]] = [("field", field_name), ("sortOrder", "Asc")]
    if granularity:
        pairs.append(("dateGranularity", granularity))
    return pairs


def _chart(chart_type: str, grouping: str, column: str, aggregate: str = "") -> tuple[str, Value]:
    summary: list[tuple[str, Value]] = [("axisBinding", "y"), ("column", column)]
    if aggregate:
        summary.insert(0, ("aggregate", aggregate))
    return (
        "chart",
        [("chartSummaries", summary), ("chartType", chart_type), ("enableHoverLabels", True),
         ("expandOthers", True), ("groupingColumn", grouping), ("location", "CHART_TOP"),
         ("showAxisLabels", True), ("showPercentage", False), ("showTotal", False),
         ("showValues", True), ("size", "Medium"), ("summaryAxisRange", "Auto"),
         ("textColor", "#000000"), ("textSize", 12), ("titleColor", "#000000"),
         ("titleSize", 18)],
    )  # fmt: skip


def reports(blueprint: Blueprint) -> list[Report]:
    """Every report sfsync generates for *blueprint*'s output fields."""
    f = {o.key: _lead(o.api_name) for o in blueprint.outputs}
    who = ("FIRST_NAME", "LAST_NAME", "COMPANY")
    converted = ("CONVERTED",)
    common: list[tuple[str, Value]] = [
        ("format", "Summary"),
        ("reportType", REPORT_TYPE),
        ("scope", "org"),
        ("showDetails", False),
        ("showGrandTotal", True),
        ("showSubTotals", True),
    ]
    return [
        Report(
            "SFSync_Conversion_by_Score_Band",
            "SFSync Conversion by Score Band",
            "Leads and conversion rate by sfsync score band (converted leads: the score when "
            "they converted).",
            (
                _conversion_rate(),
                _number_bucket("BucketField_ScoreBand", "Score band", f["score"], SCORE_BANDS),
                _chart("VerticalColumn", "BucketField_ScoreBand", CONVERSION_RATE),
                *_columns((*who, f["score"], f["grade"], f["status"], *converted)),
                ("groupingsDown", _grouping("BucketField_ScoreBand")),
                *common,
            ),
            "BucketField_ScoreBand",
            "Column",
            (CONVERSION_RATE, ""),
        ),
        Report(
            "SFSync_Conversion_by_Grade",
            "SFSync Conversion by Grade",
            "Leads and conversion rate by fit letter (A-D), then by grade (A1-D4).",
            (
                _conversion_rate(),
                _grade_bucket(f["grade"]),
                _chart("VerticalColumn", "BucketField_FitLetter", CONVERSION_RATE),
                *_columns((*who, f["score"], f["status"], *converted)),
                ("groupingsDown", _grouping("BucketField_FitLetter")),
                ("groupingsDown", _grouping(f["grade"])),
                *common,
            ),
            "BucketField_FitLetter",
            "Column",
            (CONVERSION_RATE, ""),
        ),
        Report(
            "SFSync_Follow_Up_by_Owner",
            "SFSync Follow-Up by Owner",
            "Open Sales Ready leads that need follow-up now, by owner, waiting longest first.",
            (
                _chart("HorizontalBar", "OWNER", "RowCount"),
                *_columns(
                    (
                        *who,
                        "PHONE",
                        "EMAIL",
                        f["score"],
                        f["grade"],
                        f["sales_ready_since"],
                        f["touches"],
                        f["touches_remaining"],
                        f["last_touch"],
                    )
                ),
                _filter(
                    (f["status"], "equals", "Sales Ready"),
                    (f["needs_follow_up"], "equals", "1"),
                    ("CONVERTED", "equals", "0"),
                ),
                ("groupingsDown", _grouping("OWNER")),
                *common,
                ("sortColumn", f["sales_ready_since"]),
                ("sortOrder", "Asc"),
            ),
            "OWNER",
            "Bar",
        ),
        Report(
            "SFSync_Time_to_First_Touch",
            "SFSync Time to First Touch",
            "Hours from Sales Ready to the first call, email or meeting, by owner (leads "
            "Sales Ready or Recycled, touched at least once).",
            (
                _chart("HorizontalBar", "OWNER", f["first_touch_hours"], "Average"),
                *_columns(
                    (*who, f["status"], f["sales_ready_since"], f["first_touch_hours"]),
                    {f["first_touch_hours"]: ("Average", "Maximum")},
                ),
                _filter((f["first_touch_hours"], "notEqual", "")),
                ("groupingsDown", _grouping("OWNER")),
                *common,
                ("sortColumn", f["first_touch_hours"]),
                ("sortOrder", "Desc"),
            ),
            "OWNER",
            "Bar",
            (f["first_touch_hours"], "Average"),
        ),
        Report(
            "SFSync_Status_Mix_by_Month",
            "SFSync Status Mix by Month Created",
            "Open leads by the month they were created (rows) and their sfsync status now "
            "(columns).",
            (
                _chart("VerticalColumnStacked", "CREATED_DATE", "RowCount"),
                *_columns((*who, f["score"])),
                _filter(("CONVERTED", "equals", "0")),
                ("format", "Matrix"),
                ("groupingsAcross", _grouping(f["status"])),
                ("groupingsDown", _grouping("CREATED_DATE", granularity="Month")),
                ("reportType", REPORT_TYPE),
                ("scope", "org"),
                ("showDetails", False),
                ("showGrandTotal", True),
                ("showSubTotals", True),
            ),
            "CREATED_DATE",
            "ColumnStacked",
            extra={"across": f["status"]},
        ),
        Report(
            "SFSync_Open_Leads_by_Status",
            "SFSync Open Leads by Status",
            "Open leads by sfsync status now.",
            (
                _chart("Donut", f["status"], "RowCount"),
                *_columns((*who, f["score"], f["grade"])),
                _filter(("CONVERTED", "equals", "0")),
                ("groupingsDown", _grouping(f["status"])),
                *common,
            ),
            f["status"],
            "Donut",
        ),
    ]


def report_xml(report: Report) -> bytes:
    """reports/SFSync_Reports/<name>.report-meta.xml."""
    pairs = [*report.pairs, ("description", report.description), ("name", report.label)]
    return render_xml("Report", pairs)


def folder_xml(root_tag: str, label: str) -> bytes:
    """A report or dashboard folder everyone can read (and only admins change)."""
    return render_xml(
        root_tag,
        [("accessType", "Public"), ("name", label), ("publicFolderAccess", "ReadOnly")],
    )


def dashboard_xml(report_list: Sequence[Report], title: str = "SFSync Lead Quality") -> bytes:
    """
    dashboards/SFSync_Dashboards/SFSync_Lead_Quality.dashboard-meta.xml: one component per
    report on a 12-column grid, two to a row. Dynamic (`LoggedInUser`): each viewer sees the
    leads they may see, so no running user has to be named in the generated file.
    """
    components: list[tuple[str, Value]] = []
    for i, report in enumerate(report_list):
        column, aggregate = report.summary
        summary: list[tuple[str, Value]] = [("axisBinding", "y"), ("column", column)]
        if aggregate:
            summary.insert(0, ("aggregate", aggregate))
        component: list[tuple[str, Value]] = [
            ("autoselectColumnsFromReport", True), ("chartAxisRange", "Auto"),
            ("chartSummary", summary), ("componentType", report.chart),
            ("displayUnits", "Auto"), ("enableHover", True), ("groupingColumn", report.grouping),
            ("header", report.label.removeprefix("SFSync ")), ("legendPosition", "Right"),
            ("report", report.member), ("showPercentage", False), ("showValues", True),
            ("sortBy", "RowLabelAscending"), ("useReportChart", False),
        ]  # fmt: skip
        if "across" in report.extra:
            component.append(("groupingColumn", report.extra["across"]))
        components.append(
            (
                "dashboardGridComponents",
                [("colSpan", 6), ("columnIndex", 6 * (i % 2)), ("dashboardComponent", component),
                 ("rowIndex", 8 * (i // 2)), ("rowSpan", 8)],
            )
        )  # fmt: skip
    pairs: list[tuple[str, Value]] = [
        ("backgroundEndColor", "#FFFFFF"),
        ("backgroundFadeDirection", "Diagonal"),
        ("backgroundStartColor", "#FFFFFF"),
        ("dashboardGridLayout", [*components, ("numberOfColumns", 12), ("rowHeight", 36)]),
        ("dashboardType", "LoggedInUser"),
        ("description", "sfsync: does the score predict buying, and do reps follow up?"),
        ("isGridLayout", True),
        ("textColor", "#000000"),
        ("title", title),
        ("titleColor", "#000000"),
        ("titleSize", 12),
    ]
    return render_xml("Dashboard", pairs)
