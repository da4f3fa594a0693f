"""
The backfill's change report: `(lead Id, field, old, new)` rows safe to open in a
spreadsheet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


def iter_csv_rows(changes: Iterable[Mapping[str, Any]]) -> Iterable[tuple[str, str, str, str]]:
    """`(lead Id, field, old, new)` rows of a change list, as text safe for spreadsheets."""
    for change in changes:
        for name, values in change["changes"].items():
            yield (
                csv_safe(change["Id"]),
                csv_safe(name),
                csv_safe(_text(values.get("old"))),
                csv_safe(_text(values.get("new"))),
            )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """
    Defuse CSV injection: a cell starting with = + - @ (or a tab/CR) would be read as a
    formula by spreadsheets, so it gets a leading `'` (OWASP's advice).
    """
    return "'" + text if text.startswith(_FORMULA_START) else text
