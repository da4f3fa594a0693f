"""
`GET /query?q=...&columns=true`: what a query would return, as column metadata instead of
records. The sf CLI asks for it before printing `sf data query` results
(@salesforce/plugin-data `retrieveColumns`). Shape as captured from real orgs in
salesforcecli/plugin-data test/test-files/queryFields.exemplars.ts: one entry per selected
column, parent fields nested under their relationship in `joinColumns`, aggregates with
`aggregate: true`, their key as `columnName` and the call as `displayName` (`avg(Amount)`).
"""

from __future__ import annotations

from typing import Any

from sfsync.sandbox import schema
from sfsync.sandbox.sobject import FieldDef
from sfsync.sandbox.soql import Aggregate, FieldPath, GroupedField, Query

_APEX_TYPES = {
    schema.ID: "Id", schema.REFERENCE: "Id", schema.STRING: "String",
    schema.PICKLIST: "String", schema.TEXTAREA: "String", schema.EMAIL: "String",
    schema.URL: "String", schema.BOOLEAN: "Boolean", schema.DOUBLE: "Double",
    schema.CURRENCY: "Decimal", schema.INT: "Integer", schema.DATE: "Date",
    schema.DATETIME: "Datetime",
}  # fmt: skip
_NUMBERS = (schema.DOUBLE, schema.CURRENCY, schema.INT)
_TEXT = (schema.STRING, schema.PICKLIST, schema.TEXTAREA, schema.EMAIL, schema.URL)


def _column(name: str, *, display: str | None = None, **values: Any) -> dict[str, Any]:
    column: dict[str, Any] = {
        "aggregate": False,
        "apexType": None,
        "booleanType": False,
        "columnName": name,
        "custom": False,
        "displayName": display or name,
        "foreignKeyName": None,
        "insertable": False,
        "joinColumns": [],
        "numberType": False,
        "textType": False,
        "updatable": False,
    }
    column.update(values)
    return column


def _field(fdef: FieldDef, name: str | None = None) -> dict[str, Any]:
    return _column(
        name or fdef.name,
        display=fdef.name,
        apexType=_APEX_TYPES.get(fdef.type, "String"),
        booleanType=fdef.type == schema.BOOLEAN,
        custom=fdef.custom,
        insertable=fdef.createable,
        numberType=fdef.type in _NUMBERS,
        textType=fdef.type in _TEXT,
        updatable=fdef.updateable,
    )


def _nest(paths: list[tuple[FieldPath, str | None]], depth: int = 0) -> list[dict[str, Any]]:
    """Columns for *paths* from hop *depth* on: parent fields grouped by relationship."""
    out: list[dict[str, Any]] = []
    parents: dict[str, dict[str, Any]] = {}
    children: dict[str, list[tuple[FieldPath, str | None]]] = {}
    for path, alias in paths:
        if len(path.relationships) == depth:
            out.append(_field(path.field, alias))
            continue
        hop = path.relationships[depth]
        if hop.name not in parents:
            parents[hop.name] = _column(
                hop.name, custom=hop.reference.custom, foreignKeyName=hop.reference.name
            )
            children[hop.name] = []
            out.append(parents[hop.name])
        children[hop.name].append((path, alias))
    for name, column in parents.items():
        column["joinColumns"] = _nest(children[name], depth + 1)
    return out


def _aggregate(aggregate: Aggregate) -> dict[str, Any]:
    return _column(
        aggregate.key,
        display=aggregate.display,
        aggregate=True,
        numberType=aggregate.result_type in _NUMBERS,
        textType=aggregate.result_type in _TEXT,
    )


def column_metadata(query: Query) -> dict[str, Any]:
    """The `columns=true` answer for a parsed query."""
    columns: list[dict[str, Any]] = []
    if query.is_aggregate:
        for column in query.columns:
            if isinstance(column, GroupedField):
                # Flat, under its AggregateResult key, as the rows carry it.
                columns.append(_field(column.path.field, column.key))
            else:
                columns.append(_aggregate(column))
    elif not query.is_count:
        columns = _nest([(path, None) for path in query.fields])
    return {
        "columnMetadata": columns,
        "entityName": query.object.name,
        "groupBy": bool(query.group_by),
        "idSelected": any(not p.relationships and p.field.name == "Id" for p in query.fields),
        "keyPrefix": query.object.key_prefix,
    }
