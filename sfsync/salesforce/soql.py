"""
Build SOQL text safely: quoted values, validated API names, SELECT and COUNT() shapes.

Pure: no network, clock or environment. Every SOQL string sfsync sends is built here.
Escaping follows
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from string import Formatter
from typing import Any

from sfsync.errors import ConfigError
from sfsync.values.datetimes import format_soql_datetime

_STRING_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\b": "\\b",
        "\f": "\\f",
    }
)
# Inside LIKE patterns `%` and `_` are wildcards; `\%` and `\_` match them literally.
_LIKE_ESCAPES = str.maketrans({"%": "\\%", "_": "\\_"})

# One API name segment: starts with a letter, then letters, digits and underscores
# (custom suffixes such as __c, __r, namespace prefixes such as ns__Field__c). Salesforce
# caps names at 80 characters.
_NAME = r"[A-Za-z][A-Za-z0-9_]{0,79}"
_OBJECT_RE = re.compile(rf"^{_NAME}$")
_FIELD_RE = re.compile(rf"^{_NAME}(\.{_NAME}){{0,4}}$")
_ORDER_RE = re.compile(
    rf"^(?P<field>{_NAME}(\.{_NAME}){{0,4}})(\s+(?P<dir>ASC|DESC))?"
    r"(\s+NULLS\s+(?P<nulls>FIRST|LAST))?$",
    re.IGNORECASE,
)
_MAX_LIMIT = 2_000_000_000


def quote_object(name: str) -> str:
    """
    Return *name* unchanged if it is a valid sObject API name (`Lead`, `Web_Activity__c`).

    Raises:
        ConfigError: for anything else (spaces, dots, quotes, SOQL fragments).
    """
    if not isinstance(name, str) or not _OBJECT_RE.fullmatch(name):
        msg = f"invalid Salesforce object API name: {name!r}"
        raise ConfigError(msg)
    return name


def quote_field(name: str) -> str:
    """
    Return *name* unchanged if it is a valid field API name or relationship path
    (`Email`, `SFS_Score__c`, `Owner.Name`, `Campaign.Type`).

    Raises:
        ConfigError: for anything else.
    """
    if not isinstance(name, str) or not _FIELD_RE.fullmatch(name):
        msg = f"invalid Salesforce field API name: {name!r}"
        raise ConfigError(msg)
    return name


def quote_value(value: object) -> str:  # noqa: PLR0911 (one branch per SOQL literal type)
    """
    Render *value* as a SOQL literal.

    Strings are quoted and escaped, datetimes become UTC `2024-05-01T10:00:00Z`, dates
    `2024-05-01`, booleans `true`/`false`, None `null`, and lists/tuples/sets
    `('a','b')` (sets sorted so the text is stable).

    Raises:
        ValueError: for naive datetimes, NaN/infinite numbers, empty collections
            (`IN ()` is a syntax error) and unsupported types.
    """
    if isinstance(value, str):
        return "'" + value.translate(_STRING_ESCAPES) + "'"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _quote_number(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"naive datetime {value.isoformat()} has no timezone; pass an aware datetime"
            raise ValueError(msg)
        return format_soql_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = [quote_value(v) for v in value]
        if not items:
            msg = "cannot render an empty collection: SOQL has no empty IN () list"
            raise ValueError(msg)
        if isinstance(value, set | frozenset):
            items.sort()
        return "(" + ",".join(items) + ")"
    msg = f"cannot render a {type(value).__name__} as a SOQL value"
    raise ValueError(msg)


def _quote_number(value: float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"cannot render {value!r} as a SOQL number"
        raise ValueError(msg)
    if isinstance(value, Decimal) and not value.is_finite():
        msg = f"cannot render {value!r} as a SOQL number"
        raise ValueError(msg)
    # SOQL has no exponent notation: 1e-05 must become 0.00001.
    return format(Decimal(repr(value)) if isinstance(value, float) else value, "f")


def escape_like(value: str) -> str:
    """
    Escape *value* for use inside a quoted LIKE pattern (quotes, backslashes, `%`, `_`).

    The caller adds the surrounding quotes and any wildcards.
    """
    return value.translate(_STRING_ESCAPES).translate(_LIKE_ESCAPES)


class _SoqlFormatter(Formatter):
    """
    Quote every replacement field; `:literal` inserts SOQL text built elsewhere,
    `:like` escapes a LIKE fragment, `:field` and `:object` validate API names.
    """

    def format_field(self, value: Any, format_spec: str) -> Any:
        if not format_spec:
            return quote_value(value)
        if format_spec == "literal":
            return str(value)
        if format_spec == "like":
            return escape_like(str(value))
        if format_spec == "field":
            return quote_field(value)
        if format_spec == "object":
            return quote_object(value)
        msg = f"unknown SOQL format spec {format_spec!r} (use literal, like, field or object)"
        raise ValueError(msg)


def format_soql(template: str, *args: object, **kwargs: object) -> str:
    """
    Fill *template* (str.format syntax) with SOQL-quoted values.

    `format_soql("SELECT Id FROM Lead WHERE Email = {}", "a'b@x.com")` gives
    `SELECT Id FROM Lead WHERE Email = 'a\\'b@x.com'`. Format specs: `{:literal}` for
    SOQL built by this module, `{:like}` for LIKE fragments, `{:field}` / `{:object}` for
    validated API names.

    Raises:
        ValueError: for values that cannot be rendered (see `quote_value`).
        ConfigError: for invalid API names given with `:field` / `:object`.
    """
    return _SoqlFormatter().vformat(template, args, kwargs)


def build_select(
    sobject: str,
    fields: Iterable[str],
    *,
    where: str | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
) -> str:
    """
    Build `SELECT f1, f2 FROM Object [WHERE ...] [ORDER BY ...] [LIMIT n]`.

    *where* is SOQL text built with `format_soql`; *order_by* entries are field names with
    an optional `ASC`/`DESC` and `NULLS FIRST`/`NULLS LAST`. Duplicate fields are dropped,
    keeping the first occurrence (Salesforce rejects duplicates).

    Raises:
        ConfigError: for invalid object/field names or an empty field list.
        ValueError: for a non-positive or absurd *limit*.
    """
    names = list(dict.fromkeys(quote_field(f) for f in fields))
    if not names:
        msg = f"no fields to select from {sobject!r}"
        raise ConfigError(msg)
    # Names are validated above; values reach *where* only through format_soql.
    soql = f"SELECT {', '.join(names)} FROM {quote_object(sobject)}"  # noqa: S608
    if where:
        soql += f" WHERE {where}"
    if order_by:
        items = [order_by] if isinstance(order_by, str) else list(order_by)
        soql += " ORDER BY " + ", ".join(_order_item(i) for i in items)
    if limit is not None:
        soql += f" LIMIT {_limit(limit)}"
    return soql


AGGREGATE_FUNCTIONS = frozenset({"COUNT", "COUNT_DISTINCT", "MIN", "MAX", "SUM", "AVG"})


def build_aggregate(
    sobject: str,
    aggregates: Sequence[tuple[str, str]],
    *,
    group_by: Sequence[str] = (),
    where: str | None = None,
    biggest_first: bool = False,
    limit: int | None = None,
) -> str:
    """
    Build `SELECT g1, FUNC(f) a0, ... FROM Object [WHERE ...] [GROUP BY g1, ...]
    [ORDER BY FUNC(f) DESC] [LIMIT n]`: aggregate *i* is answered under the alias `a<i>`,
    a grouped field under its own name (a parent field under its last part, `Campaign.Type`
    as `Type`). *biggest_first* orders the groups by the first aggregate, descending.

    Raises:
        ConfigError: for invalid names, an unknown function or no aggregate.
        ValueError: for a non-positive or absurd *limit*.
    """
    if not aggregates:
        msg = f"no aggregate to select from {sobject!r}"
        raise ConfigError(msg)
    calls = []
    for function, name in aggregates:
        if function.upper() not in AGGREGATE_FUNCTIONS:
            msg = f"not a SOQL aggregate function: {function!r}"
            raise ConfigError(msg)
        calls.append(f"{function.upper()}({quote_field(name)})")
    groups = list(dict.fromkeys(quote_field(g) for g in group_by))
    items = [*groups, *(f"{call} a{i}" for i, call in enumerate(calls))]
    # Names are validated above; values reach *where* only through format_soql.
    soql = f"SELECT {', '.join(items)} FROM {quote_object(sobject)}"  # noqa: S608
    if where:
        soql += f" WHERE {where}"
    if groups:
        soql += " GROUP BY " + ", ".join(groups)
        if biggest_first:
            soql += f" ORDER BY {calls[0]} DESC"
    if limit is not None:
        soql += f" LIMIT {_limit(limit)}"
    return soql


def build_count(sobject: str, where: str | None = None) -> str:
    """
    Build `SELECT COUNT() FROM Object [WHERE ...]`; the answer is the result's totalSize.

    Raises:
        ConfigError: for an invalid object name.
    """
    soql = f"SELECT COUNT() FROM {quote_object(sobject)}"  # noqa: S608 (validated name)
    if where:
        soql += f" WHERE {where}"
    return soql


def object_from_soql(soql: str) -> str | None:
    """
    Return the object a simple `SELECT ... FROM Object ...` query reads, or None.

    Only the first top-level FROM is considered (subqueries in the field list come in
    parentheses and are skipped).
    """
    depth = 0
    tokens = re.finditer(r"\(|\)|\bFROM\s+([A-Za-z][A-Za-z0-9_]*)", soql, re.IGNORECASE)
    for match in tokens:
        text = match.group(0)
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif depth == 0:
            return match.group(1)
    return None


def _order_item(item: str) -> str:
    match = _ORDER_RE.fullmatch(item.strip()) if isinstance(item, str) else None
    if match is None:
        msg = f"invalid ORDER BY item: {item!r}"
        raise ConfigError(msg)
    text = match.group("field")
    if match.group("dir"):
        text += " " + match.group("dir").upper()
    if match.group("nulls"):
        text += " NULLS " + match.group("nulls").upper()
    return text


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= _MAX_LIMIT:
        msg = f"LIMIT must be a positive integer, got {limit!r}"
        raise ValueError(msg)
    return limit
