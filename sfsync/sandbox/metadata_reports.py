"""
What the sandbox org checks in a deploy's reports, dashboards and their folders, before it
changes anything. Pure: components in, problems appended to them.

The rules, by element, from the Metadata API Developer Guide:

- Report (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_report.htm):
  `name` (at most 40 characters), `format` (Tabular, Summary, Matrix, MultiBlock) and
  `reportType` are required; every `columns`/`groupingsDown`/`groupingsAcross` field,
  filter column, bucket source, sort column and chart grouping names a column of the report
  type (standard columns, custom fields as `Lead.Field__c`) or one of its buckets; a Summary
  report groups down (up to 3), a Matrix groups down and across (up to 2 each), a Tabular
  report does not group; `dateGranularity` only on date columns; a bucket
  (ReportBucketField) is `BucketField_<name>`, of bucketType number (a number column, ranges
  that meet: each `from` is the previous `to`, open at both ends), text or picklist; a custom
  summary formula (ReportAggregate) is `FORMULA<n>`, datatype number, percent or currency,
  and refers to `COLUMN:SUM|AVG|MAX|MIN` of number or checkbox columns, or RowCount;
  `aggregateTypes` on number columns; chart summaries name RowCount, a formula or a
  summarised column; the report sits in a report folder that exists.
- Folder, ReportFolder, DashboardFolder (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_folder.htm):
  `name` required; accessType Hidden, Public, Shared or PublicInternal; publicFolderAccess
  ReadOnly or ReadWrite.
- Dashboard (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_dashboard.htm):
  backgroundEndColor, backgroundFadeDirection, backgroundStartColor, textColor, title,
  titleColor and titleSize are required; dashboardType SpecifiedUser, LoggedInUser or
  MyTeamUser; grid components (DashboardGridComponent) fit the grid's columns and do not
  overlap; each component (DashboardComponent) has a componentType, shows a report that
  exists (`Folder/Name`), groups by that report's groupings and plots RowCount, one of its
  formulas or a column it summarises; the dashboard sits in a dashboard folder that exists.

The sandbox knows one report type, the standard Leads report type (`LeadList`), with the
columns below; any other report type is refused by name.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from sfsync.sandbox import schema
from sfsync.sandbox.metadata_pages import checked_root
from sfsync.sandbox.metadata_rules import (
    DEVELOPER_NAME,
    NS,
    Component,
    FieldIndex,
    OrgMetadata,
    Plan,
    read_bool,
    text_of,
)

_NUMBER, _DATE, _BOOLEAN, _TEXT = "number", "date", "boolean", "text"
LEAD_COLUMNS: dict[str, str] = {
    "FIRST_NAME": _TEXT, "LAST_NAME": _TEXT, "FULL_NAME": _TEXT, "TITLE": _TEXT,
    "COMPANY": _TEXT, "EMAIL": _TEXT, "PHONE": _TEXT, "LEAD_SOURCE": _TEXT, "STATUS": _TEXT,
    "INDUSTRY": _TEXT, "RATING": _TEXT, "COUNTRY": _TEXT, "OWNER": _TEXT,
    "EMPLOYEES": _NUMBER, "ANNUAL_REVENUE": _NUMBER, "CREATED_DATE": _DATE,
    "LAST_UPDATE": _DATE, "CONVERTED_DATE": _DATE, "CONVERTED": _BOOLEAN,
}  # fmt: skip
"""The standard columns of the Leads report type that the sandbox knows."""
_KIND = {schema.DOUBLE: _NUMBER, schema.CURRENCY: _NUMBER, schema.INT: _NUMBER,
         schema.DATE: _DATE, schema.DATETIME: _DATE, schema.BOOLEAN: _BOOLEAN}  # fmt: skip
_REPORT_ELEMENTS = frozenset(
    {"fullName", "aggregates", "buckets", "chart", "columns", "crossFilters", "currency",
     "description", "filter", "folderName", "format", "formattingRules", "groupingsAcross",
     "groupingsDown", "name", "params", "reportType", "rowLimit", "scope", "showCurrentDate",
     "showDetails", "showGrandTotal", "showSubTotals", "sortColumn", "sortOrder",
     "timeFrameFilter", "userFilter"}
)  # fmt: skip
_FORMATS = {"Tabular": (0, 0), "Summary": (3, 0), "Matrix": (2, 2), "MultiBlock": (0, 0)}
_SCOPES = frozenset({"org", "team", "user"})
_OPERATORS = frozenset(
    {"equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual",
     "contains", "notContain", "startsWith", "includes", "excludes", "within"}
)  # fmt: skip
_GRANULARITIES = frozenset({"None", "Day", "Week", "Month", "Quarter", "Year", "FiscalQuarter",
                            "FiscalYear", "MonthInYear", "DayInMonth"})  # fmt: skip
_AGGREGATE_TYPES = frozenset({"Sum", "Average", "Maximum", "Minimum", "Unique"})
_CHART_TYPES = frozenset(
    {"None", "HorizontalBar", "HorizontalBarGrouped", "HorizontalBarStacked",
     "HorizontalBarStackedTo100", "VerticalColumn", "VerticalColumnGrouped",
     "VerticalColumnStacked", "VerticalColumnStackedTo100", "Line", "LineGrouped",
     "LineCumulative", "Pie", "Donut", "Funnel", "Scatter"}
)  # fmt: skip
_FORMULA_REF = re.compile(r"\b([A-Za-z][A-Za-z0-9_.]*):(SUM|AVG|MAX|MIN)\b")
_FOLDER_ELEMENTS = frozenset({"fullName", "accessType", "folderShares", "name",
                              "publicFolderAccess", "sharedTo"})  # fmt: skip
_ACCESS_TYPES = frozenset({"Hidden", "Public", "Shared", "PublicInternal"})
_DASHBOARD_REQUIRED = ("backgroundEndColor", "backgroundFadeDirection", "backgroundStartColor",
                       "textColor", "title", "titleColor", "titleSize")  # fmt: skip
_DASHBOARD_ELEMENTS = frozenset(
    {"fullName", *_DASHBOARD_REQUIRED, "chartTheme", "colorPalette", "dashboardChartTheme",
     "dashboardColorPalette", "dashboardFilters", "dashboardGridLayout", "dashboardType",
     "description", "isGridLayout", "leftSection", "middleSection", "rightSection",
     "runningUser"}
)  # fmt: skip
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_COMPONENT_TYPES = frozenset(
    {"Bar", "BarGrouped", "BarStacked", "BarStacked100", "Column", "ColumnGrouped",
     "ColumnStacked", "ColumnStacked100", "Donut", "FlexTable", "Funnel", "Gauge", "Line",
     "LineGrouped", "LineCumulative", "Metric", "Pie", "Scatter", "Table"}
)  # fmt: skip


class _Columns:
    """The columns a report can use: the report type's, and the report's own buckets."""

    def __init__(self, known: FieldIndex, buckets: Mapping[str, str]) -> None:
        self.known = known
        self.buckets = dict(buckets)

    def kind(self, name: str) -> str | None:
        """The column's kind (number, date, boolean, text), or None when there is none."""
        if name in self.buckets:
            return _TEXT
        if name in LEAD_COLUMNS:
            return LEAD_COLUMNS[name]
        head, _, field = name.partition(".")
        if head != "Lead" or not field.endswith("__c"):
            return None
        fdef, exists = self.known.find("Lead", field)
        if not exists:
            return None
        return _KIND.get(fdef.type, _TEXT) if fdef is not None else _TEXT


def check(plan: Plan, org: OrgMetadata, known: FieldIndex) -> None:
    """Check every folder, report and dashboard in *plan*."""
    folders = {(c.type, c.full_name) for c in plan.components if c.type.endswith("Folder")}
    folders |= {key for key in org.deployed if key[0].endswith("Folder")}
    reports = {c.full_name: c.element for c in plan.components if c.type == "Report"}
    for kind, name in org.deployed:
        if kind == "Report" and name not in reports:
            reports[name] = ET.fromstring(org.deployed[(kind, name)])  # noqa: S314 - ours
    for c in plan.components:
        if c.element is None:
            continue
        if c.type in ("ReportFolder", "DashboardFolder"):
            _check_folder(c)
        elif c.type == "Report":
            _in_folder(c, "ReportFolder", folders)
            _check_report(c, known)
        elif c.type == "Dashboard":
            _in_folder(c, "DashboardFolder", folders)
            _check_dashboard(c, reports)


def _in_folder(c: Component, folder_type: str, folders: set[tuple[str, str]]) -> None:
    folder, _, name = c.full_name.rpartition("/")
    if not DEVELOPER_NAME.match(name):
        c.problems.append(f"{name!r}: not a valid developer name")
    if folder != "unfiled$public" and (folder_type, folder) not in folders:
        c.problems.append(f"{c.type} {c.full_name}: no {folder_type} named {folder!r} (deploy "
                          "the folder with it)")  # fmt: skip


def _check_folder(c: Component) -> None:
    el = checked_root(c, _FOLDER_ELEMENTS)
    if not DEVELOPER_NAME.match(c.full_name):
        c.problems.append(f"{c.full_name!r}: not a valid folder name")
    label = text_of(el, "name")
    if not label:
        c.problems.append(f"Must specify a name for a {c.type}")
    elif len(label) > 40:
        c.problems.append(f"name is {len(label)} characters long; the limit is 40")
    access = text_of(el, "accessType")
    if access is not None and access not in _ACCESS_TYPES:
        c.problems.append(f"accessType {access!r}: Hidden, Public, Shared or PublicInternal")
    public = text_of(el, "publicFolderAccess")
    if public is not None and public not in ("ReadOnly", "ReadWrite"):
        c.problems.append(f"publicFolderAccess {public!r}: ReadOnly or ReadWrite")


def _check_report(c: Component, known: FieldIndex) -> None:
    el = checked_root(c, _REPORT_ELEMENTS)
    label = text_of(el, "name")
    if not label:
        c.problems.append("Must specify a name for a Report")
    elif len(label) > 40:
        c.problems.append(f"name is {len(label)} characters long; the limit is 40")
    report_type = text_of(el, "reportType")
    if report_type != "LeadList":
        c.problems.append(f"reportType {report_type!r}: the sandbox org knows the Leads report "
                          "type (LeadList) only")  # fmt: skip
        return
    scope = text_of(el, "scope")
    if scope is not None and scope not in _SCOPES:
        c.problems.append(f"scope {scope!r}: {', '.join(sorted(_SCOPES))} for this report type")
    buckets = _check_buckets(c, el, known)
    columns = _Columns(known, buckets)
    summarised = _check_columns(c, el, columns)
    groups = _check_groupings(c, el, columns)
    formulas = _check_aggregates(c, el, columns)
    _check_filter(c, el, columns)
    sort = text_of(el, "sortColumn")
    if sort is not None and sort not in {
        text_of(col, "field") for col in el.findall(NS + "columns")
    }:
        c.problems.append(f"sortColumn {sort!r} is not a column of the report")
    if text_of(el, "sortOrder") not in (None, "Asc", "Desc"):
        c.problems.append("sortOrder must be Asc or Desc")
    chart = el.find(NS + "chart")
    if chart is not None:
        _check_chart(c, chart, groups, formulas, summarised)


def _check_buckets(c: Component, el: ET.Element, known: FieldIndex) -> dict[str, str]:
    buckets: dict[str, str] = {}
    plain = _Columns(known, {})
    for bucket in el.findall(NS + "buckets"):
        name = text_of(bucket, "developerName") or ""
        kind = text_of(bucket, "bucketType")
        source = text_of(bucket, "sourceColumnName") or ""
        if not re.fullmatch(r"BucketField_[A-Za-z0-9_]+", name) or name in buckets:
            c.problems.append(f"Bucket {name!r}: developerName must be BucketField_<name>, "
                              "unique in the report")  # fmt: skip
        if not text_of(bucket, "masterLabel"):
            c.problems.append(f"Bucket {name}: must specify a masterLabel")
        source_kind = plain.kind(source)
        if source_kind is None:
            c.problems.append(f"Bucket {name}: no column {source!r} in the report type")
        elif kind == "number" and source_kind != _NUMBER:
            c.problems.append(f"Bucket {name}: a number bucket needs a number column, not "
                              f"{source}")  # fmt: skip
        elif kind not in ("number", "text", "picklist"):
            c.problems.append(f"Bucket {name}: bucketType must be number, text or picklist")
        if text_of(bucket, "nullTreatment") not in (None, "z", "n"):
            c.problems.append(f"Bucket {name}: nullTreatment must be z or n")
        if kind == "number":
            _number_ranges(c, name, bucket)
        buckets[name] = kind or ""
    return buckets


def _number_ranges(c: Component, name: str, bucket: ET.Element) -> None:
    previous: str | None = None
    values = bucket.findall(NS + "values")
    for i, value in enumerate(values):
        source = value.find(NS + "sourceValues")
        lo = None if source is None else text_of(source, "from")
        hi = None if source is None else text_of(source, "to")
        first, last = i == 0, i == len(values) - 1
        try:
            ends = [float(x) for x in (lo, hi) if x is not None]
        except ValueError:
            c.problems.append(f"Bucket {name}: from and to must be numbers")
            return
        if (lo is None) != first or (hi is None) != last or (lo != previous and not first):
            c.problems.append(f"Bucket {name}: ranges must meet (each from is the previous "
                              "to), the first open below and the last open above")  # fmt: skip
            return
        if len(ends) == 2 and ends[0] >= ends[1]:
            c.problems.append(f"Bucket {name}: from {lo} is not below to {hi}")
        if not text_of(value, "value"):
            c.problems.append(f"Bucket {name}: every range needs a value (its label)")
        previous = hi


def _check_columns(c: Component, el: ET.Element, columns: _Columns) -> dict[str, set[str]]:
    """Problems of the columns; the summarised ones with their aggregate types."""
    summarised: dict[str, set[str]] = {}
    for column in el.findall(NS + "columns"):
        name = text_of(column, "field") or ""
        kind = columns.kind(name)
        if kind is None:
            c.problems.append(f"Invalid column {name!r}: not in the report type")
            continue
        types = {(t.text or "").strip() for t in column.findall(NS + "aggregateTypes")}
        if types - _AGGREGATE_TYPES:
            c.problems.append(f"{name}: aggregateTypes must be among "
                              f"{', '.join(sorted(_AGGREGATE_TYPES))}")  # fmt: skip
        if types and kind != _NUMBER:
            c.problems.append(f"{name}: only number columns can be summarised")
        if types:
            summarised[name] = types
    return summarised


def _check_groupings(c: Component, el: ET.Element, columns: _Columns) -> set[str]:
    fmt = text_of(el, "format") or ""
    if fmt not in _FORMATS:
        c.problems.append(f"format {fmt!r}: Tabular, Summary, Matrix or MultiBlock")
        return set()
    groups: set[str] = set()
    limits = dict(zip(("groupingsDown", "groupingsAcross"), _FORMATS[fmt], strict=True))
    for tag, limit in limits.items():
        found = el.findall(NS + tag)
        if len(found) > limit:
            c.problems.append(f"A {fmt} report can have {limit} {tag}, not {len(found)}")
        for grouping in found:
            name = text_of(grouping, "field") or ""
            kind = columns.kind(name)
            if kind is None:
                c.problems.append(f"Invalid grouping {name!r}: not in the report type")
            granularity = text_of(grouping, "dateGranularity")
            if granularity is not None and (kind != _DATE or granularity not in _GRANULARITIES):
                c.problems.append(f"{name}: dateGranularity {granularity!r} needs a date "
                                  "column and a known granularity")  # fmt: skip
            if text_of(grouping, "sortOrder") not in ("Asc", "Desc"):
                c.problems.append(f"Grouping {name}: sortOrder must be Asc or Desc")
            groups.add(name)
    if fmt in ("Summary", "Matrix") and not el.findall(NS + "groupingsDown"):
        c.problems.append(f"A {fmt} report must group rows (groupingsDown)")
    if fmt == "Matrix" and not el.findall(NS + "groupingsAcross"):
        c.problems.append("A Matrix report must group columns (groupingsAcross)")
    return groups


def _check_aggregates(c: Component, el: ET.Element, columns: _Columns) -> set[str]:
    formulas: set[str] = set()
    for aggregate in el.findall(NS + "aggregates"):
        name = text_of(aggregate, "developerName") or ""
        if not re.fullmatch(r"FORMULA\d+", name) or name in formulas:
            c.problems.append(f"Summary formula {name!r}: developerName must be FORMULA<n>, "
                              "unique in the report")  # fmt: skip
        formulas.add(name)
        if text_of(aggregate, "datatype") not in ("number", "percent", "currency"):
            c.problems.append(f"{name}: datatype must be number, percent or currency")
        if not text_of(aggregate, "masterLabel"):
            c.problems.append(f"{name}: must specify a masterLabel")
        read_bool(aggregate, "isActive", c, required=True)
        formula = text_of(aggregate, "calculatedFormula") or ""
        refs = _FORMULA_REF.findall(formula)
        if not refs and "RowCount" not in formula:
            c.problems.append(f"{name}: the formula {formula!r} summarises no column")
        for column, _ in refs:
            if columns.kind(column) not in (_NUMBER, _BOOLEAN):
                c.problems.append(f"{name}: {column} is not a number or checkbox column of the "
                                  "report type")  # fmt: skip
    return formulas


def _check_filter(c: Component, el: ET.Element, columns: _Columns) -> None:
    flt = el.find(NS + "filter")
    if flt is None:
        return
    for item in flt.findall(NS + "criteriaItems"):
        column = text_of(item, "column") or ""
        kind = columns.kind(column)
        if kind is None:
            c.problems.append(f"Invalid filter column {column!r}: not in the report type")
        if text_of(item, "operator") not in _OPERATORS:
            c.problems.append(f"Filter on {column}: unknown operator {text_of(item, 'operator')!r}")
        value = text_of(item, "value") or ""
        if kind == _BOOLEAN and value not in ("0", "1", "true", "false", "True", "False"):
            c.problems.append(f"Filter on {column}: {value!r} is not a checkbox value")


def _check_chart(
    c: Component,
    chart: ET.Element,
    groups: set[str],
    formulas: set[str],
    summarised: dict[str, set[str]],
) -> None:
    if text_of(chart, "chartType") not in _CHART_TYPES:
        c.problems.append(f"chartType {text_of(chart, 'chartType')!r} is not a report chart type")
    grouping = text_of(chart, "groupingColumn")
    if grouping is not None and grouping not in groups:
        c.problems.append(f"The chart's groupingColumn {grouping!r} is not a grouping")
    for summary in chart.findall(NS + "chartSummaries"):
        _plotted(c, summary, formulas, summarised, "The chart")


def _plotted(
    c: Component,
    summary: ET.Element,
    formulas: set[str],
    summarised: Mapping[str, set[str]],
    what: str,
) -> None:
    column = text_of(summary, "column") or ""
    aggregate = text_of(summary, "aggregate")
    if column == "RowCount" or column in formulas:
        return
    if column not in summarised:
        c.problems.append(f"{what} plots {column!r}: not RowCount, a summary formula or a "
                          "summarised column of the report")  # fmt: skip
    elif aggregate not in summarised[column]:
        c.problems.append(f"{what} plots the {aggregate} of {column}, which the report does not "
                          "summarise")  # fmt: skip


def _check_dashboard(c: Component, reports: Mapping[str, ET.Element | None]) -> None:
    el = checked_root(c, _DASHBOARD_ELEMENTS)
    for tag in _DASHBOARD_REQUIRED:
        if text_of(el, tag) is None:
            c.problems.append(f"Must specify '{tag}' for a Dashboard")
    for tag in ("backgroundEndColor", "backgroundStartColor", "textColor", "titleColor"):
        value = text_of(el, tag)
        if value is not None and not _COLOR.match(value):
            c.problems.append(f"{tag} {value!r} is not a #RRGGBB colour")
    if text_of(el, "backgroundFadeDirection") not in (None, "Diagonal", "LeftToRight",
                                                       "TopToBottom"):  # fmt: skip
        c.problems.append("backgroundFadeDirection must be Diagonal, LeftToRight or TopToBottom")
    if text_of(el, "dashboardType") not in (None, "SpecifiedUser", "LoggedInUser", "MyTeamUser"):
        c.problems.append("dashboardType must be SpecifiedUser, LoggedInUser or MyTeamUser")
    grid = el.find(NS + "dashboardGridLayout")
    if grid is None:
        c.problems.append("The sandbox org deploys Lightning dashboards (dashboardGridLayout)")
        return
    _check_grid(c, grid, reports)


def _check_grid(c: Component, grid: ET.Element, reports: Mapping[str, ET.Element | None]) -> None:
    try:
        width = int(text_of(grid, "numberOfColumns") or "0")
        int(text_of(grid, "rowHeight") or "0")
    except ValueError:
        c.problems.append("numberOfColumns and rowHeight must be whole numbers")
        return
    if not 1 <= width <= 12:
        c.problems.append(f"numberOfColumns {width}: 1 to 12")
    taken: set[tuple[int, int]] = set()
    for i, cell in enumerate(grid.findall(NS + "dashboardGridComponents"), start=1):
        try:
            row, col, rows, cols = (int(text_of(cell, t) or "-1") for t in
                                    ("rowIndex", "columnIndex", "rowSpan", "colSpan"))  # fmt: skip
        except ValueError:
            c.problems.append(f"Grid component {i}: positions must be whole numbers")
            continue
        if row < 0 or col < 0 or rows < 1 or cols < 1 or col + cols > width:
            c.problems.append(f"Grid component {i} does not fit a {width}-column grid")
            continue
        squares = {(r, k) for r in range(row, row + rows) for k in range(col, col + cols)}
        if squares & taken:
            c.problems.append(f"Grid component {i} overlaps another")
        taken |= squares
        component = cell.find(NS + "dashboardComponent")
        if component is None:
            c.problems.append(f"Grid component {i} has no dashboardComponent")
        else:
            _check_component(c, component, reports, i)


def _check_component(
    c: Component, component: ET.Element, reports: Mapping[str, ET.Element | None], i: int
) -> None:
    what = f"Component {i}"
    if text_of(component, "componentType") not in _COMPONENT_TYPES:
        c.problems.append(f"{what}: componentType {text_of(component, 'componentType')!r} is "
                          "not a dashboard component type")  # fmt: skip
    name = text_of(component, "report") or ""
    report = reports.get(name)
    if report is None:
        c.problems.append(f"{what}: no report named {name!r} (Folder/Name, in the org or in "
                          "this deploy)")  # fmt: skip
        return
    groups = {
        text_of(g, "field")
        for tag in ("groupingsDown", "groupingsAcross")
        for g in report.findall(NS + tag)
    }
    for grouping in component.findall(NS + "groupingColumn"):
        if (grouping.text or "").strip() not in groups:
            c.problems.append(f"{what}: {grouping.text!r} is not a grouping of {name}")
    formulas = {text_of(a, "developerName") or "" for a in report.findall(NS + "aggregates")}
    summarised = {
        text_of(col, "field") or "": {
            (t.text or "").strip() for t in col.findall(NS + "aggregateTypes")
        }
        for col in report.findall(NS + "columns")
        if col.find(NS + "aggregateTypes") is not None
    }
    for summary in component.findall(NS + "chartSummary"):
        _plotted(c, summary, formulas, summarised, what)
