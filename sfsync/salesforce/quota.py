"""
The daily API request budget: parse what Salesforce reports and decide when to stop.

Pure: the client feeds in header values and /limits bodies and acts on the answers.
Header format: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

# Stop when the org as a whole has less than this share of its daily requests left, whatever
# this run spent: other integrations in the org need them too.
SAFETY_FLOOR_PCT = 5.0

_API_USAGE_RE = re.compile(r"(?:^|[;,\s])api-usage=(?P<used>\d+)/(?P<max>\d+)")


class ApiUsage(NamedTuple):
    """Daily API requests used so far and the org's daily maximum."""

    used: int
    max: int


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """
    Read `api-usage=25/5000` from a `Sforce-Limit-Info` header value.

    Other parts (`per-app-api-usage=…`, `api-bursts=…`) are ignored. Returns None when the
    header is missing or has no org-wide usage.
    """
    if not header:
        return None
    match = _API_USAGE_RE.search(header)
    if match is None:
        return None
    return ApiUsage(int(match.group("used")), int(match.group("max")))


def parse_limits(limits: Mapping[str, object]) -> ApiUsage | None:
    """
    Read DailyApiRequests from a `GET /limits` body (`{"DailyApiRequests": {"Max": …,
    "Remaining": …}}`); None when it is absent or malformed.
    """
    entry = limits.get("DailyApiRequests")
    if not isinstance(entry, Mapping):
        return None
    maximum, remaining = entry.get("Max"), entry.get("Remaining")
    if not isinstance(maximum, int) or not isinstance(remaining, int):
        return None
    return ApiUsage(max(0, maximum - remaining), maximum)


def budget_exceeded(
    used_at_start: int,
    used_now: int,
    maximum: int,
    budget_pct: float,
    *,
    floor_pct: float = SAFETY_FLOOR_PCT,
) -> bool:
    """
    Say whether this run must stop spending API requests.

    True when the run spent more than *budget_pct* percent of the daily *maximum*
    (`used_now - used_at_start`), or when the org's remaining requests fell below
    *floor_pct* percent of the maximum. A maximum of 0 means nothing may be spent.
    """
    if maximum <= 0:
        return True
    spent = used_now - used_at_start
    remaining = maximum - used_now
    return spent * 100 > budget_pct * maximum or remaining * 100 < floor_pct * maximum
