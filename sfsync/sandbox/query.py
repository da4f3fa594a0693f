"""
Run a parsed SOQL `Query` against the sandbox's SQLite store and shape the rows as the REST
API returns them (`{"attributes": {...}, "Id": ..., "Owner": {...}}`).

Each query becomes one parameterised SQLite SELECT: parent relationships are LEFT JOINs (a
polymorphic one, like Task.Who, joins every object it can point at and reads the Name fields
from whichever matched), every literal is a bound parameter, identifiers come only from the
schema (so the f-string SQL below is safe; ruff's S608 is silenced there for that reason).
Aggregate queries answer AggregateResult rows (`aggregate.py`).

Filter semantics follow Salesforce, not SQL: a comparison with a null field is simply false
(never unknown), so `!=`, `NOT IN` and `NOT (...)` match records whose field is null, and
`Campaign.Type = null` matches a member whose campaign is missing. Text comparisons and
ORDER BY on text are case-insensitive (ASCII, SQLite NOCASE); LIKE is fully case-insensitive.
"""

from __future__ import annotations

import operator
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sfsync.sandbox import schema
from sfsync.sandbox.aggregate import aggregate_sql, run_aggregate
from sfsync.sandbox.sobject import ObjectDef
from sfsync.sandbox.soql import (
    Aggregate,
    And,
    Comparison,
    Expr,
    FieldPath,
    InList,
    Like,
    Not,
    Or,
    Query,
    RelativeDate,
    Value,
    format_datetime,
    parse,
    targets,
)

_CASE_INSENSITIVE = (schema.STRING, schema.TEXTAREA, schema.EMAIL, schema.PICKLIST, schema.URL)
_LIKE_FUNCTION = "sfsync_soql_like"
_MIDNIGHT = "T00:00:00.000+0000"


@dataclass
class QueryResult:
    """The records of one query (all pages), or just the count for `COUNT()`."""

    total_size: int
    rows: list[dict[str, Any]] = field(default_factory=list)


def run_soql(
    conn: sqlite3.Connection,
    soql: str,
    *,
    include_deleted: bool = False,
    now: datetime | None = None,
    instance_url: str = "",
    api_version: str = "62.0",
) -> QueryResult:
    """
    Parse *soql* and run it; see `execute`.

    Raises:
        SoqlError: the query is malformed or names an unknown object or field.
    """
    return execute(conn, parse(soql), include_deleted=include_deleted, now=now,
                   instance_url=instance_url, api_version=api_version)  # fmt: skip


def execute(
    conn: sqlite3.Connection,
    query: Query,
    *,
    include_deleted: bool = False,
    now: datetime | None = None,
    instance_url: str = "",
    api_version: str = "62.0",
) -> QueryResult:
    """
    Run *query* on *conn* and return every matching record in Salesforce's JSON shape.

    Args:
        include_deleted: queryAll semantics: also return rows with IsDeleted = true.
        now: the clock for TODAY, YESTERDAY, LAST_N_DAYS:n (default: the real UTC now).
        instance_url: accepted for symmetry with the server; `attributes.url` is relative,
            as Salesforce returns it, so it is not used.
        api_version: the version in `attributes.url`, e.g. `62.0`.
    """
    del instance_url
    builder = _builder(conn, query, now)
    where = builder.where(include_deleted)

    if query.is_count:
        sql = f"SELECT COUNT(*) FROM {builder.from_clause()}{where}"  # noqa: S608 - see module doc
        (total,) = conn.execute(sql, builder.params).fetchone()
        total = max(0, total - (query.offset or 0))
        if query.limit is not None:
            total = min(total, query.limit)
        return QueryResult(total, [])

    if query.is_aggregate:
        rows = run_aggregate(conn, query, builder, where)
        return QueryResult(len(rows), rows)

    rows = list(_records(conn, query, builder, where, api_version))
    return QueryResult(len(rows), rows)


def iter_records(
    conn: sqlite3.Connection,
    query: Query,
    *,
    include_deleted: bool = False,
    now: datetime | None = None,
    api_version: str = "62.0",
) -> Iterator[dict[str, Any]]:
    """
    The records of a plain (not aggregate) *query* one at a time, as `execute` shapes them,
    never all in memory (a Bulk query job writes them to disk as they come).
    """
    if query.is_count or query.counts:
        raise ValueError("iter_records runs record queries, not aggregates")
    builder = _builder(conn, query, now)
    where = builder.where(include_deleted)
    yield from _records(conn, query, builder, where, api_version)


def _builder(conn: sqlite3.Connection, query: Query, now: datetime | None) -> _SqlBuilder:
    if now is None:
        clock = datetime.now(UTC)
    else:
        clock = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    conn.create_function(_LIKE_FUNCTION, 2, _like, deterministic=True)
    return _SqlBuilder(query, clock)


def _records(
    conn: sqlite3.Connection, query: Query, builder: _SqlBuilder, where: str, api_version: str
) -> Iterator[dict[str, Any]]:
    shaper = _Shaper(query, builder, api_version)
    order = builder.order_by()
    page = ""
    if query.limit is not None or query.offset is not None:
        page = " LIMIT ? OFFSET ?"
        builder.params += [-1 if query.limit is None else query.limit, query.offset or 0]
    select = ", ".join(shaper.columns)
    sql = f"SELECT {select} FROM {builder.from_clause()}{where} ORDER BY {order}{page}"  # noqa: S608
    for row in conn.execute(sql, builder.params):
        yield shaper.shape(row)


@dataclass(frozen=True)
class _Record:
    """A record in the FROM clause: its table alias, or one per object a polymorphic
    relationship can lead to (only one of them matches any row)."""

    aliases: tuple[tuple[ObjectDef, str], ...]

    @property
    def polymorphic(self) -> bool:
        return len(self.aliases) > 1


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _SqlBuilder:
    """Collects LEFT JOINs and bound parameters while translating the AST to SQL."""

    def __init__(self, query: Query, now: datetime) -> None:
        self.query = query
        self.now = now
        self.params: list[Any] = []
        self.joins: dict[tuple[str, ...], _Record] = {}
        self.join_sql: list[str] = []

    def record(self, path: FieldPath, depth: int | None = None) -> _Record:
        """The record *depth* hops along *path* (joining its table(s) as needed)."""
        hops = path.relationships[: len(path.relationships) if depth is None else depth]
        current = _Record(((self.query.object, "t0"),))
        for i, hop in enumerate(hops):
            key = tuple(h.name for h in hops[: i + 1])
            if key not in self.joins:
                reference = self.field_sql(current, hop.reference.name)
                aliases = []
                for target in targets(hop.reference):
                    alias = f"t{len(self.join_sql) + 1}"
                    self.join_sql.append(
                        f' LEFT JOIN {_quote(target.name)} AS {alias} ON {alias}."Id" = {reference}'
                    )
                    aliases.append((target, alias))
                self.joins[key] = _Record(tuple(aliases))
            current = self.joins[key]
        return current

    def field_sql(self, record: _Record, name: str) -> str:
        """A field of a (possibly polymorphic) record as an SQL expression."""
        if record.polymorphic and name.lower() == "type":
            whens = " ".join(
                f"WHEN {alias}.\"Id\" IS NOT NULL THEN '{obj.name}'"
                for obj, alias in record.aliases
            )
            return f"(CASE {whens} END)"
        columns = [
            f"{alias}.{_quote(fdef.name)}"
            for obj, alias in record.aliases
            if (fdef := obj.get(name)) is not None
        ]
        if not columns:
            return "NULL"
        return columns[0] if len(columns) == 1 else f"coalesce({', '.join(columns)})"

    def column(self, path: FieldPath) -> str:
        return self.field_sql(self.record(path), path.field.name)

    def value_sql(self, value: FieldPath | Aggregate) -> tuple[str, str]:
        """An ORDER BY / HAVING operand as SQL, with the describe type of its values."""
        if isinstance(value, Aggregate):
            return aggregate_sql(value, self.column(value.field)), value.result_type
        return self.column(value), value.field.type

    def from_clause(self) -> str:
        return f"{_quote(self.query.object.name)} AS t0" + "".join(self.join_sql)

    def where(self, include_deleted: bool) -> str:
        parts = [] if include_deleted else ['coalesce(t0."IsDeleted", 0) = 0']
        if self.query.where is not None:
            parts.append(self.expr(self.query.where))
        return f" WHERE {' AND '.join(parts)}" if parts else ""

    def order_by(self, tiebreak: Sequence[str] = ('t0."Id"',)) -> str:
        keys = []
        for key in self.query.order_by:
            col, ftype = self.value_sql(key.field)
            if ftype in _CASE_INSENSITIVE:
                col += " COLLATE NOCASE"
            nulls = "LAST" if key.nulls_last else "FIRST"
            keys.append(f"{col} {'DESC' if key.descending else 'ASC'} NULLS {nulls}")
        # Salesforce's order among equal keys is unspecified; Id makes paging deterministic.
        keys.extend(tiebreak)
        return ", ".join(keys)

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    # Every predicate below evaluates to 0 or 1, never NULL, so NOT/AND/OR stay two-valued.
    def expr(self, node: Expr) -> str:
        match node:
            case And(items):
                return "(" + " AND ".join(self.expr(i) for i in items) + ")"
            case Or(items):
                return "(" + " OR ".join(self.expr(i) for i in items) + ")"
            case Not(inner):
                return f"(NOT {self.expr(inner)})"
            case Like(path, pattern):
                return f"{_LIKE_FUNCTION}({self.column(path)}, {self.bind(pattern)})"
            case InList(path, values, negated):
                return self.in_list(path, values, negated)
            case Comparison(lhs, op, value):
                return self.comparison(lhs, op, value)
        raise AssertionError(node)  # pragma: no cover - the parser builds only the cases above

    def in_list(self, path: FieldPath, values: Sequence[Value], negated: bool) -> str:
        col = self.column(path)
        ftype = path.field.type
        if ftype in (schema.DATE, schema.DATETIME):
            inner = " OR ".join(self.comparison(path, "=", v) for v in values)
        else:
            plain = [_to_sql_value(ftype, v) for v in values if v is not None]
            tests = [f"{col} IS NULL"] if None in values else []
            if plain:
                marks = ", ".join(self.bind(v) for v in plain)
                tests.append(f"({col} IS NOT NULL AND {col}{_collate(ftype)} IN ({marks}))")
            inner = " OR ".join(tests)
        return f"(NOT ({inner}))" if negated else f"({inner})"

    def comparison(self, lhs: FieldPath | Aggregate, op: str, value: Value) -> str:
        col, ftype = self.value_sql(lhs)
        if value is None:
            if ftype == schema.BOOLEAN:
                # Salesforce: "WHERE Flag = null is equivalent to WHERE Flag = false".
                value = False
            else:
                return f"({col} IS NULL)" if op == "=" else f"({col} IS NOT NULL)"
        if ftype == schema.BOOLEAN:
            test = f"coalesce({col}, 0) = {self.bind(int(bool(value)))}"
            return f"(NOT {test})" if op == "!=" else f"({test})"
        bounds = self.day_bounds(ftype, value)
        if bounds is not None:
            return self.day_range(col, op, *bounds)
        mark = self.bind(_to_sql_value(ftype, value))
        collate = _collate(ftype)
        if op == "!=":
            return f"({col} IS NULL OR {col}{collate} <> {mark})"
        return f"({col} IS NOT NULL AND {col}{collate} {op} {mark})"

    def day_range(self, col: str, op: str, start: str, end: str) -> str:
        """Compare *col* with the UTC day range [start, end) the way Salesforce compares dates."""
        if op in ("=", "!="):
            test = f"{col} >= {self.bind(start)} AND {col} < {self.bind(end)}"
        else:
            bound, sql_op = {"<": (start, "<"), "<=": (end, "<"), ">": (end, ">="),
                             ">=": (start, ">=")}[op]  # fmt: skip
            test = f"{col} {sql_op} {self.bind(bound)}"
        test = f"({col} IS NOT NULL AND {test})"
        return f"(NOT {test})" if op == "!=" else test

    def day_bounds(self, ftype: str, value: Value) -> tuple[str, str] | None:
        """
        The [start, end) text bounds a date-valued filter covers in a date or datetime column,
        or None when the value compares directly (a datetime on a datetime field).

        Salesforce treats TODAY, LAST_N_DAYS:n... as ranges; a date literal on a datetime field
        and a datetime literal on a date field are compared by their UTC day.
        """
        if isinstance(value, RelativeDate):
            first, last = value.bounds(self.now)
        elif isinstance(value, datetime):
            if ftype == schema.DATETIME:
                return None
            first = value.astimezone(UTC).date()
            last = first + timedelta(days=1)
        elif isinstance(value, date):
            first, last = value, value + timedelta(days=1)
        else:
            return None
        if ftype == schema.DATETIME:
            return first.isoformat() + _MIDNIGHT, last.isoformat() + _MIDNIGHT
        return first.isoformat(), last.isoformat()


def _collate(ftype: str) -> str:
    return " COLLATE NOCASE" if ftype in _CASE_INSENSITIVE else ""


def _to_sql_value(ftype: str, value: Value) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


@lru_cache(maxsize=256)
def _like_regex(pattern: str) -> re.Pattern[str]:
    """Compile a SOQL LIKE pattern (%, _ wildcards; backslash escapes) to a regex."""
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _like(value: object, pattern: str) -> int:
    if value is None:
        return 0
    return 1 if _like_regex(pattern).fullmatch(str(value)) else 0


@dataclass
class _Node:
    """One record in the output: the queried record or a parent reached through a relationship."""

    type_name: str
    id_index: int
    type_index: int | None = None  # a polymorphic parent: the column naming its object
    items: list[tuple[str, int | _Node, Callable[[Any], Any] | None]] = field(default_factory=list)
    # Built by `compile`: every key with its column (a parent's Id marker for relationships),
    # then the keys whose raw value needs converting or replacing by a nested record.
    keys: tuple[str, ...] = ()
    values: Callable[[tuple[Any, ...]], tuple[Any, ...]] = tuple
    fixups: tuple[tuple[str, _Node | None, Callable[[Any], Any] | None], ...] = ()

    def compile(self) -> None:
        self.keys = tuple(key for key, _, _ in self.items)
        indexes = [i.id_index if isinstance(i, _Node) else i for _, i, _ in self.items]
        self.values = _getter(indexes)
        self.fixups = tuple(
            (key, index if isinstance(index, _Node) else None, convert)
            for key, index, convert in self.items
            if isinstance(index, _Node) or convert is not None
        )
        for _, index, _ in self.items:
            if isinstance(index, _Node):
                index.compile()


def _getter(indexes: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        (only,) = indexes
        return lambda row: (row[only],)
    return operator.itemgetter(*indexes)


def _to_bool(value: Any) -> Any:
    return None if value is None else bool(value)


class _Shaper:
    """Turns SQLite rows into REST records: SELECT order, nested parents, JSON-typed values."""

    def __init__(self, query: Query, builder: _SqlBuilder, api_version: str) -> None:
        self.prefix = f"/services/data/v{api_version}/sobjects/"
        self.columns: list[str] = ['t0."Id"']
        self.root = _Node(query.object.name, 0)
        nodes: dict[tuple[str, ...], _Node] = {(): self.root}
        for path in query.fields:
            node = self.root
            for depth, hop in enumerate(path.relationships, start=1):
                key = tuple(h.name for h in path.relationships[:depth])
                if key not in nodes:
                    record = builder.record(path, depth)
                    parent = _Node(hop.target.name, self.add(builder.field_sql(record, "Id")))
                    if record.polymorphic:
                        parent.type_index = self.add(builder.field_sql(record, "Type"))
                    nodes[key] = parent
                    node.items.append((hop.name, parent, None))
                node = nodes[key]
            convert = _to_bool if path.field.type == schema.BOOLEAN else None
            node.items.append((path.field.name, self.add(builder.column(path)), convert))
        self.root.compile()

    def add(self, column: str) -> int:
        self.columns.append(column)
        return len(self.columns) - 1

    def shape(self, row: tuple[Any, ...]) -> dict[str, Any]:
        return self.record(self.root, row)

    def record(self, node: _Node, row: tuple[Any, ...]) -> dict[str, Any]:
        type_name = node.type_name if node.type_index is None else row[node.type_index]
        url = f"{self.prefix}{type_name}/{row[node.id_index]}"
        out: dict[str, Any] = {"attributes": {"type": type_name, "url": url}}
        # One C-level update keeps SELECT order; the few converted or nested keys are then
        # replaced in place, which keeps their position.
        out.update(zip(node.keys, node.values(row), strict=True))
        for key, child, convert in node.fixups:
            value = out[key]
            if child is not None:
                out[key] = None if value is None else self.record(child, row)
            elif convert is not None:
                out[key] = convert(value)
        return out
