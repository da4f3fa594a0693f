"""
When the daemon runs what (pure): an incremental pass every interval, and the nightly
rescore once a night at a local time, across midnight and daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Literal

TickKind = Literal["incremental", "rescore"]


def parse_local_time(text: str) -> time:
    """Parse `HH:MM` (24h) as the nightly rescore's local time."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def nightly_due(*, now: datetime, last_nightly: datetime | None, at: time, tz: tzinfo) -> bool:
    """
    True when the most recent scheduled nightly moment (today's or yesterday's `at` in `tz`)
    has passed and no nightly pass has run since it.

    Moments are compared as instants (UTC), not as wall-clock readings: on a spring-forward
    day a nightly time inside the skipped hour (02:30 in New York) maps to the instant just
    after the gap (03:30 EDT), so the pass runs once — comparing wall times there made every
    tick between 03:00 and 03:30 a rescore. On a fall-back day the first 01:30 counts.
    """
    local_now = now.astimezone(tz)
    scheduled = datetime.combine(local_now.date(), at, tzinfo=tz).astimezone(UTC)
    if scheduled > now:
        yesterday = local_now.date() - timedelta(days=1)
        scheduled = datetime.combine(yesterday, at, tzinfo=tz).astimezone(UTC)
    return last_nightly is None or last_nightly < scheduled


def plan_tick(*, now: datetime, last_nightly: datetime | None, at: time, tz: tzinfo) -> TickKind:
    """Which kind of pass this tick runs: the nightly rescore when due, else incremental."""
    return (
        "rescore"
        if nightly_due(now=now, last_nightly=last_nightly, at=at, tz=tz)
        else "incremental"
    )
