"""
Salesforce datetimes, read and written in one place.

Salesforce writes a datetime in three forms, each for its own channel:

- REST/JSON: `2026-11-20T10:00:00.000+0000` (`format_sf_datetime`), the form sfsync writes
  to fields, keeps in its state and compares;
- Bulk API 2.0 CSV: `2026-11-20T10:00:00.000Z` (`format_bulk_datetime`);
- SOQL literals: `2026-11-20T10:00:00Z`, whole seconds (`format_soql_datetime`).

https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm

Reading is lenient (`to_datetime`): any of these forms, `+00:00`, a date alone, or a time
without an offset (taken as UTC) all read as an aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_fromisoformat = datetime.fromisoformat


def to_datetime(value: Any) -> datetime | None:
    """
    Read a Salesforce date/time as an aware UTC datetime; None when blank or malformed.
    A date alone ("2026-11-20") is midnight UTC; a time without offset is taken as UTC.
    """
    if type(value) is str:
        # Fast path: Salesforce sends trimmed text, which fromisoformat reads as is; anything
        # else (surrounding blanks, junk) takes the general path below, with the same result.
        try:
            parsed = _fromisoformat(value)
        except ValueError:
            pass
        else:
            tz = parsed.tzinfo
            if tz is UTC:  # "+0000", "Z" and "+00:00" all read as the UTC singleton
                return parsed
            return parsed.replace(tzinfo=UTC) if tz is None else parsed.astimezone(UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    # Python 3.11's fromisoformat reads all of Salesforce's forms ("+0000", "Z", "+00:00").
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_sf_datetime(value: str) -> datetime:
    """
    Read *value* as `to_datetime` does, for text that must be a datetime (a watermark, a
    stored moment).

    Raises:
        ValueError: *value* is not a date/time.
    """
    parsed = to_datetime(value)
    if parsed is None:
        msg = f"not a Salesforce date/time: {value!r}"
        raise ValueError(msg)
    return parsed


def format_sf_datetime(value: datetime) -> str:
    """Salesforce's REST/JSON form, in UTC with milliseconds: `2026-11-20T10:00:00.000+0000`."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def format_bulk_datetime(value: datetime) -> str:
    """The Bulk API 2.0 CSV form, in UTC with milliseconds: `2026-11-20T10:00:00.000Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{value.microsecond // 1000:03d}Z"
    )


def format_soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal, in UTC, whole seconds: `2026-11-20T10:00:00Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bulk_to_rest_datetime(text: str) -> str:
    """A Bulk API CSV datetime (`…000Z`) in the REST form (`…000+0000`), as text."""
    return text[:-1] + "+0000" if text.endswith("Z") else text
