"""
The backfill's scope: the `--where` condition (checked before it nears a query) and the
CreatedDate month slices a large scope is worked in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sfsync.errors import ConfigError
from sfsync.salesforce.soql import format_soql

_WHERE_MAX_CHARS = 4_000
_WHERE_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>[+-]?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*(?::\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<paren>[()])
    | (?P<comma>,)
    """,
    re.VERBOSE,
)
# Words that would turn a condition into another query (or a second statement): a scope is
# a condition on Lead fields, nothing more.
_FORBIDDEN_WORDS = frozenset(
    {"SELECT", "FROM", "WHERE", "LIMIT", "OFFSET", "ORDER", "GROUP", "BY", "HAVING", "FOR",
     "WITH", "USING", "SCOPE", "UPDATE", "VIEW", "REFERENCE", "TYPEOF", "ALL", "ROWS",
     "INSERT", "DELETE", "UPSERT", "MERGE", "UNDELETE", "SECURITY_ENFORCED"}
)  # fmt: skip
_CONDITION_WORDS = frozenset({"IN", "LIKE", "INCLUDES", "EXCLUDES"})


def validate_where(text: str) -> str:
    """
    Check a `--where` SOQL condition before it goes near a query and return it stripped.

    This is a lexical check: string literals are skipped, and anything that could end the
    condition or change the query (a `;`, a bind variable, an unbalanced quote or
    parenthesis, SELECT/LIMIT/ORDER BY/FOR UPDATE …) is refused. Field names, operators and
    values are then checked by the org itself: the backfill's first request is
    `SELECT COUNT() FROM Lead WHERE <condition>`.

    Raises:
        ConfigError: naming what is wrong and where.
    """
    condition = text.strip()
    if not condition:
        raise ConfigError("--where: empty condition (give e.g. \"LeadSource = 'Web'\")")
    if len(condition) > _WHERE_MAX_CHARS:
        msg = f"--where: {len(condition)} characters; keep the condition under {_WHERE_MAX_CHARS}"
        raise ConfigError(msg)
    depth = 0
    has_comparison = False
    position = 0
    while position < len(condition):
        match = _WHERE_TOKEN.match(condition, position)
        if match is None:
            char = condition[position]
            why = (
                "an unterminated string literal"
                if char == "'"
                else f"{char!r}, which has no place in a SOQL condition"
            )
            msg = f"--where: at character {position + 1}: {why}"
            raise ConfigError(msg)
        kind, word = match.lastgroup, match.group()
        if kind == "name":
            word = word.upper()
            if word in _FORBIDDEN_WORDS:
                msg = (
                    f"--where: {match.group()!r} is not allowed: give only a condition on Lead "
                    "fields (no subqueries, SELECT, LIMIT, ORDER BY, GROUP BY, FOR UPDATE …)"
                )
                raise ConfigError(msg)
            has_comparison |= word in _CONDITION_WORDS
        elif kind == "op":
            has_comparison = True
        elif kind == "paren":
            depth += 1 if word == "(" else -1
            if depth < 0:
                msg = f"--where: at character {position + 1}: ')' closes nothing"
                raise ConfigError(msg)
        position = match.end()
    if depth:
        raise ConfigError(f"--where: {depth} unclosed '(' in the condition")
    if not has_comparison:
        msg = "--where: not a condition (expected a comparison such as Industry = 'Software')"
        raise ConfigError(msg)
    return condition


@dataclass(frozen=True)
class Slice:
    """Leads created in `[start, end)`; None is open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    @property
    def label(self) -> str:
        """`2025-03`, `… 2025-03`, `2025-03 …`, or `all`."""
        if self.start is None and self.end is None:
            return "all"
        if self.start is None:
            assert self.end is not None
            return f"… {(self.end - timedelta(days=1)):%Y-%m}"
        if self.end is None:
            return f"{self.start:%Y-%m} …"
        return f"{self.start:%Y-%m}"

    def condition(self) -> str | None:
        """The SOQL condition on CreatedDate, or None for the whole scope."""
        parts = []
        if self.start is not None:
            parts.append(format_soql("CreatedDate >= {}", self.start))
        if self.end is not None:
            parts.append(format_soql("CreatedDate < {}", self.end))
        return " AND ".join(parts) or None

    def to_json(self) -> dict[str, str | None]:
        """The slice as JSON data (for the checkpoint)."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Slice:
        """The slice `to_json` gave."""
        start, end = data.get("start"), data.get("end")
        return cls(
            datetime.fromisoformat(start) if start else None,
            datetime.fromisoformat(end) if end else None,
        )


def _month_start(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, 1, tzinfo=UTC)


def _next_month(moment: datetime) -> datetime:
    return datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC)


def month_slices(first: datetime, last: datetime) -> list[Slice]:
    """
    Calendar-month slices covering leads created from *first* to *last*: the first slice
    is open downwards and the last upwards, so together they cover every CreatedDate.
    """
    starts = [_month_start(first)]
    while _next_month(starts[-1]) <= last:
        starts.append(_next_month(starts[-1]))
    if len(starts) == 1:
        return [Slice()]
    bounds: list[datetime | None] = [None, *starts[1:], None]
    return [Slice(bounds[i], bounds[i + 1]) for i in range(len(starts))]


def combine_where(*conditions: str | None) -> str | None:
    """AND the given conditions together, each in parentheses; None when there are none."""
    present = [c for c in conditions if c]
    if len(present) <= 1:
        return present[0] if present else None
    return " AND ".join(f"({c})" for c in present)
