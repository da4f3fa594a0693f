"""
The sandbox org's SOQL: `parse` turns query text into a validated `Query` (see
`soql/parser.py` for the grammar), or raises `SoqlError` with Salesforce's codes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sfsync.sandbox.soql.errors import (
    INVALID_FIELD,
    INVALID_TYPE,
    MALFORMED_QUERY,
    UNSUPPORTED,
    SoqlError,
)
from sfsync.sandbox.soql.nodes import (
    Aggregate,
    And,
    Comparison,
    Expr,
    FieldPath,
    GroupedField,
    InList,
    Like,
    Not,
    Or,
    OrderKey,
    Query,
    Relationship,
    RelativeDate,
    Value,
)
from sfsync.sandbox.soql.parser import parse
from sfsync.sandbox.soql.paths import NAME_OBJECT, parent_of, targets


def format_datetime(value: datetime) -> str:
    """Format an aware datetime as the storage contract stores it: `...T10:00:00.000+0000`."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


__all__ = [
    "INVALID_FIELD", "INVALID_TYPE", "MALFORMED_QUERY", "NAME_OBJECT", "UNSUPPORTED", "Aggregate",
    "And", "Comparison", "Expr", "FieldPath", "GroupedField", "InList", "Like", "Not", "Or",
    "OrderKey", "Query", "Relationship", "RelativeDate", "SoqlError", "Value", "format_datetime",
    "parent_of", "parse", "targets",
]  # fmt: skip
