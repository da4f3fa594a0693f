"""
Salesforce booleans: JSON `true`/`false` over REST, `true`/`false` text in Bulk API CSV,
and `1`/`0` or `yes`/`no` in files people export and load (Data Loader reads `1` and
`yes` as true: https://developer.salesforce.com/docs/atlas.en-us.dataLoader.meta/dataLoader/supported_data_types.htm).

One reading for all of them: `to_bool` ("1" is true, as Data Loader and the Data Import
Wizard take it), and `is_true` for flags such as IsConverted and IsDeleted, where anything
that does not read as true is false.
"""

from __future__ import annotations

from typing import Any

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def to_bool(value: Any) -> bool | None:
    """Read true/false from a boolean, 1/0, or text ("true", "False", "1", "yes");
    None when *value* is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if value not in (0, 1) else bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def is_true(value: Any) -> bool:
    """True only when *value* reads as true (`to_bool`); blank, false or unreadable is False."""
    return to_bool(value) is True
