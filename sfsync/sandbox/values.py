"""
Field values between their three forms: JSON (the REST API), CSV text (Bulk API 2.0) and
SQLite storage (the contract in `schema`). Also the server clock's text format.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sfsync.sandbox import schema
from sfsync.sandbox.schema import FieldDef

_NUMERIC = (schema.DOUBLE, schema.CURRENCY, schema.INT)
_TEXTUAL = (
    schema.STRING,
    schema.TEXTAREA,
    schema.EMAIL,
    schema.PICKLIST,
    schema.URL,
    schema.ID,
    schema.REFERENCE,
)
_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NA = "#N/A"


class ValueTypeError(ValueError):
    """Raised when a value cannot become the field's type."""


def format_datetime(moment: datetime) -> str:
    """Salesforce's JSON datetime text, in UTC: `2024-05-01T10:00:00.000+0000`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime:
    """
    Parse the datetime forms the API accepts (`Z`, `+0000`, `+00:00`, optional fractions).

    Raises:
        ValueTypeError: for anything else.
    """
    m = _DATETIME_RE.match(text.strip())
    if not m:
        raise ValueTypeError(text)
    year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
    second = int(m.group(6) or 0)
    micros = int((m.group(7) or "0")[:6].ljust(6, "0"))
    offset = m.group(8) or "Z"
    try:
        moment = datetime(year, month, day, hour, minute, second, micros, tzinfo=UTC)
    except ValueError:
        raise ValueTypeError(text) from None
    if offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        moment -= timedelta(minutes=delta)
    return moment


def _parse_date(text: str) -> str:
    m = _DATE_RE.match(text.strip())
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            raise ValueTypeError(text) from None
    return parse_datetime(text).date().isoformat()


def _number(fdef: FieldDef, value: float) -> float | int:
    if math.isnan(value) or math.isinf(value):
        raise ValueTypeError(str(value))
    if fdef.type == schema.INT:
        return round(value)
    return float(value)


def json_to_storage(fdef: FieldDef, value: Any) -> Any:
    """
    Convert a JSON value sent for *fdef* into its storage form.

    Raises:
        ValueTypeError: when Salesforce's JSON deserializer would reject the value.
    """
    if value is None:
        return None
    kind = fdef.type
    if kind == schema.BOOLEAN:
        if isinstance(value, bool):
            return int(value)
        raise ValueTypeError(repr(value))
    if kind in _NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueTypeError(repr(value))
        try:
            return _number(fdef, float(value))
        except ValueError:
            raise ValueTypeError(str(value)) from None
    if kind == schema.DATETIME:
        if not isinstance(value, str):
            raise ValueTypeError(repr(value))
        return format_datetime(parse_datetime(value))
    if kind == schema.DATE:
        if not isinstance(value, str):
            raise ValueTypeError(repr(value))
        return _parse_date(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise ValueTypeError(repr(value))


def csv_to_storage(fdef: FieldDef, text: str) -> Any:
    """
    Convert one Bulk API CSV cell (not empty) into its storage form; `#N/A` means null.

    Raises:
        ValueTypeError: when the text is not a value of the field's type.
    """
    if text == NA:
        return None
    kind = fdef.type
    if kind == schema.BOOLEAN:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return 1
        if lowered in ("false", "0", "no"):
            return 0
        raise ValueTypeError(text)
    if kind in _NUMERIC:
        try:
            return _number(fdef, float(text))
        except ValueError:
            raise ValueTypeError(text) from None
    if kind == schema.DATETIME:
        return format_datetime(parse_datetime(text))
    if kind == schema.DATE:
        return _parse_date(text)
    return text


def storage_to_json(fdef: FieldDef, value: Any) -> Any:
    """Convert a stored value into what the REST API returns for *fdef*."""
    if value is None:
        return None
    if fdef.type == schema.BOOLEAN:
        return bool(value)
    if fdef.type == schema.INT:
        return int(value)
    if fdef.type in (schema.DOUBLE, schema.CURRENCY):
        return float(value)
    return value


def json_to_csv(value: Any) -> str:
    """Render a REST-shaped value as Bulk API 2.0 query CSV text (null is empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return format(value, "f") if "e" in text else text
    if isinstance(value, str) and value.endswith("+0000") and _DATETIME_RE.match(value):
        return value[:-5] + "Z"
    return str(value)


def is_valid_email(text: str) -> bool:
    """Whether Salesforce would accept *text* in an Email field."""
    return bool(_EMAIL_RE.match(text))


def type_name(fdef: FieldDef) -> str:
    """The Java-ish type name Salesforce's JSON deserializer names in its errors."""
    return {
        schema.BOOLEAN: "boolean",
        schema.DOUBLE: "double",
        schema.CURRENCY: "double",
        schema.INT: "int",
        schema.DATETIME: "datetime",
        schema.DATE: "date",
    }.get(fdef.type, "String")


def is_textual(fdef: FieldDef) -> bool:
    """Whether the field holds text (and so has a maximum length)."""
    return fdef.type in _TEXTUAL
