"""
Comparing computed outputs with the values the org holds (pure).

The pass writes only what `diff_outputs` finds; `explain` shows it as "the next sync will
write", `definition diff` counts the rewrites a new definition causes, and the backfill
checks what was recorded as written. All of them compare through `normalize_value`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sfsync.values.datetimes import format_sf_datetime, parse_sf_datetime


def normalize_value(value: Any) -> Any:
    """
    Normalise a field value for comparison between what we computed and what the org holds.

    Salesforce returns Number fields as floats (75.0), may return Long Text with `\\r\\n`,
    and serialises datetimes with milliseconds; two values that mean the same must compare
    equal, or every pass would rewrite every lead.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return None if math.isnan(number) else round(number, 4)
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").rstrip()
        if len(text) >= 19 and text[4] == "-" and text[10] == "T":
            try:
                return format_sf_datetime(parse_sf_datetime(text))
            except ValueError:
                return text
        return text
    return value


def diff_outputs(
    current: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Return {field: (old, new)} for every output field whose value would change."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, new in desired.items():
        old = current.get(name)
        if normalize_value(old) != normalize_value(new):
            changes[name] = (old, new)
    return changes
