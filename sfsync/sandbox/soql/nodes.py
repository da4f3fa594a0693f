"""
The SOQL syntax tree the parser builds and `sandbox/query.py` runs: field paths through parent
relationships, literals, conditions, aggregates and the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, timedelta

from sfsync.sandbox import schema
from sfsync.sandbox.sobject import FieldDef, ObjectDef


@dataclass(frozen=True)
class Relationship:
    """One hop of a parent path: `Owner` on Lead, through the `OwnerId` reference, to User."""

    name: str
    reference: FieldDef = dataclass_field(repr=False)
    target: ObjectDef = dataclass_field(repr=False)


@dataclass(frozen=True)
class FieldPath:
    """A field of the queried object or, through `relationships`, of a parent record."""

    relationships: tuple[Relationship, ...]
    field: FieldDef

    def __repr__(self) -> str:
        return f"FieldPath({self.api_name!r})"

    @property
    def api_name(self) -> str:
        """The path as Salesforce spells it, e.g. `Owner.Name`."""
        return ".".join([*(r.name for r in self.relationships), self.field.name])


@dataclass(frozen=True)
class RelativeDate:
    """A relative date literal such as TODAY or LAST_N_DAYS:7; resolved against `now`."""

    name: str
    n: int = 0

    def bounds(self, now: datetime) -> tuple[date, date]:
        """The UTC days [start, end) this literal covers at *now*."""
        today = now.astimezone(UTC).date()
        day = timedelta(days=1)
        match self.name:
            case "TODAY":
                return today, today + day
            case "YESTERDAY":
                return today - day, today
            case "TOMORROW":
                return today + day, today + 2 * day
            case "LAST_N_DAYS":
                # Salesforce: "starts with the current day and continues for the past n days".
                return today - self.n * day, today + day
            case _:  # NEXT_N_DAYS: starts tomorrow and covers the next n days.
                return today + day, today + (self.n + 1) * day


# A literal: None is SOQL null; datetimes are timezone-aware UTC.
Value = None | bool | int | float | str | date | datetime | RelativeDate


@dataclass(frozen=True)
class Aggregate:
    """
    An aggregate function of a field (`COUNT(Id)`, `MAX(CreatedDate)`) in SELECT, HAVING or
    ORDER BY; `key` names its value in the AggregateResult (its alias, or `expr0`, `expr1`...
    in the order of the unaliased aggregates of the SELECT list).
    """

    function: str  # COUNT, COUNT_DISTINCT, MIN, MAX, SUM or AVG
    field: FieldPath
    key: str = ""

    @property
    def display(self) -> str:
        """How Salesforce shows the call in column metadata: `count(Id)`."""
        return f"{self.function.lower()}({self.field.api_name})"

    @property
    def result_type(self) -> str:
        """The describe type of the result: int for counts, double for SUM/AVG of numbers."""
        if self.function in ("COUNT", "COUNT_DISTINCT"):
            return schema.INT
        if self.function in ("SUM", "AVG"):
            return schema.DOUBLE
        return self.field.field.type


@dataclass(frozen=True)
class GroupedField:
    """A grouped field in the SELECT list of an aggregate query, under its alias if any."""

    path: FieldPath
    alias: str | None = None

    @property
    def key(self) -> str:
        """Its key in the AggregateResult: the alias, else the field's own name."""
        return self.alias or self.path.field.name


@dataclass(frozen=True)
class Comparison:
    """
    `field op value` with op one of = != < <= > >= (`<>` is normalised to `!=`); in HAVING
    the left side may be an aggregate.
    """

    field: FieldPath | Aggregate
    op: str
    value: Value


@dataclass(frozen=True)
class InList:
    """`field IN (...)`, or `field NOT IN (...)` when negated."""

    field: FieldPath
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like:
    """`field LIKE pattern`; pattern keeps % and _ as wildcards, backslash escapes literals."""

    field: FieldPath
    pattern: str


@dataclass(frozen=True)
class Not:
    """`NOT expr`."""

    expr: Expr


@dataclass(frozen=True)
class And:
    """Every item holds."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """At least one item holds."""

    items: tuple[Expr, ...]


Expr = Comparison | InList | Like | Not | And | Or


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY key; Salesforce's default is NULLS FIRST ascending, NULLS LAST descending."""

    field: FieldPath | Aggregate
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class Query:
    """
    A parsed, validated SOQL query. A plain query selects `fields`; an aggregate query (any
    aggregate function or GROUP BY) selects `columns` in SELECT order and answers
    AggregateResult rows.
    """

    object: ObjectDef = dataclass_field(repr=False)
    fields: tuple[FieldPath, ...]
    is_count: bool
    where: Expr | None
    order_by: tuple[OrderKey, ...]
    limit: int | None
    offset: int | None
    columns: tuple[GroupedField | Aggregate, ...] = ()
    group_by: tuple[FieldPath, ...] = ()
    having: Expr | None = None
    soql: str = ""

    @property
    def is_aggregate(self) -> bool:
        """Whether the query answers AggregateResult rows."""
        return bool(self.group_by) or any(isinstance(c, Aggregate) for c in self.columns)

    @property
    def aggregates(self) -> tuple[Aggregate, ...]:
        """The aggregate functions of the SELECT list."""
        return tuple(c for c in self.columns if isinstance(c, Aggregate))

    @property
    def counts(self) -> tuple[GroupedField | Aggregate, ...]:
        """The SELECT list of an aggregate query (empty otherwise); Bulk API 2.0 refuses those."""
        return self.columns if self.is_aggregate else ()
