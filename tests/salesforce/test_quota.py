from __future__ import annotations

import pytest

from sfsync.salesforce.quota import ApiUsage, budget_exceeded, parse_limit_info, parse_limits
from tests.salesforce.conftest import payload


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("simple", ApiUsage(18, 5000)),
        ("with_per_app_quota", ApiUsage(25, 5000)),
        ("with_bursts", ApiUsage(10018, 100000)),
    ],
)
def test_parse_limit_info_recorded_headers(key: str, expected: ApiUsage) -> None:
    """Every recorded Sforce-Limit-Info shape yields the org-wide usage."""
    assert expected == parse_limit_info(payload("sforce_limit_info_headers.json")[key])


@pytest.mark.parametrize("header", [None, "", "per-app-api-usage=17/250(appName=x)", "junk"])
def test_parse_limit_info_without_org_usage(header: str | None) -> None:
    """Headers without api-usage give None (per-app usage is not the org's)."""
    assert parse_limit_info(header) is None


def test_parse_limits() -> None:
    """DailyApiRequests Max/Remaining becomes (used, max)."""
    assert ApiUsage(2, 15000) == parse_limits(payload("limits_response.json"))


@pytest.mark.parametrize(
    "body", [{}, {"DailyApiRequests": "x"}, {"DailyApiRequests": {"Max": "1", "Remaining": 0}}]
)
def test_parse_limits_malformed(body: dict[str, object]) -> None:
    """A /limits body without usable DailyApiRequests gives None."""
    assert parse_limits(body) is None


@pytest.mark.parametrize(
    ("start", "now", "maximum", "pct", "expected"),
    [
        (100, 100, 10_000, 25.0, False),
        (100, 2_600, 10_000, 25.0, False),  # exactly 25 %: not more than the budget
        (100, 2_601, 10_000, 25.0, True),
        (0, 9_400, 10_000, 100.0, False),  # 6 % left: above the 5 % floor
        (9_000, 9_501, 10_000, 25.0, True),  # under 5 % left, although the run spent 5 %
        (0, 0, 0, 25.0, True),
    ],
)
def test_budget_exceeded(start: int, now: int, maximum: int, pct: float, expected: bool) -> None:
    """The run stops past its share of the daily maximum or below the org's safety floor."""
    assert expected is budget_exceeded(start, now, maximum, pct)


def test_budget_exceeded_custom_floor() -> None:
    """The safety floor is adjustable (0 disables it)."""
    assert budget_exceeded(9_990, 9_999, 10_000, 25.0, floor_pct=0.0) is False
