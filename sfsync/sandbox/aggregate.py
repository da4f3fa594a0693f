"""
Aggregate SOQL run on the sandbox's store: COUNT, COUNT_DISTINCT, MIN, MAX, SUM and AVG, with
GROUP BY (plain and parent fields) and HAVING, answered as AggregateResult rows
(tests/fixtures/salesforce/query_aggregate_group_by.json: `attributes.type` AggregateResult,
no url, each value under its key).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from sfsync.sandbox import schema
from sfsync.sandbox.soql import Aggregate, GroupedField, Query

if TYPE_CHECKING:
    from sfsync.sandbox.query import _SqlBuilder

_SQL = {
    "COUNT": "COUNT({})",
    "COUNT_DISTINCT": "COUNT(DISTINCT {})",
    "MIN": "MIN({})",
    "MAX": "MAX({})",
    "SUM": "SUM({})",
    "AVG": "AVG({})",
}


def aggregate_sql(aggregate: Aggregate, column: str) -> str:
    """The SQL of one aggregate function over *column*."""
    return _SQL[aggregate.function].format(column)


def _json_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == schema.BOOLEAN:
        return bool(value)
    if kind == schema.INT:
        return int(value)
    if kind in (schema.DOUBLE, schema.CURRENCY):
        return float(value)
    return value


def run_aggregate(
    conn: sqlite3.Connection, query: Query, builder: _SqlBuilder, where: str
) -> list[dict[str, Any]]:
    """Every AggregateResult row of *query* (WHERE already built into *builder*'s params)."""
    selected: list[str] = []
    kinds: list[str] = []
    for column in query.columns:
        if isinstance(column, GroupedField):
            selected.append(builder.column(column.path))
            kinds.append(column.path.field.type)
        else:
            selected.append(aggregate_sql(column, builder.column(column.field)))
            kinds.append(column.result_type)
    groups = [builder.column(path) for path in query.group_by]
    sql = f"SELECT {', '.join(selected) or 'NULL'} FROM {builder.from_clause()}{where}"  # noqa: S608 - see query.py
    if groups:
        sql += f" GROUP BY {', '.join(groups)}"
        if query.having is not None:
            sql += f" HAVING {builder.expr(query.having)}"
        sql += f" ORDER BY {builder.order_by(tiebreak=groups)}"
    if query.limit is not None or query.offset is not None:
        sql += " LIMIT ? OFFSET ?"
        builder.params += [-1 if query.limit is None else query.limit, query.offset or 0]
    keys = [column.key for column in query.columns]
    rows = []
    for values in conn.execute(sql, builder.params):
        row: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        row.update(
            (key, _json_value(kind, value))
            for key, kind, value in zip(keys, kinds, values, strict=True)
        )
        rows.append(row)
    return rows
