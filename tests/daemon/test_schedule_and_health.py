"""
The daemon's pure parts with fixed clocks: when the nightly rescore is due (across midnight
and both DST changes), and when /healthz turns unhealthy.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sfsync.daemon.health import Health, serve_health
from sfsync.daemon.schedule import nightly_due, plan_tick
from sfsync.errors import ConfigError

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def nightly_runs(
    *, start: datetime, minutes: int, step: int, at: time, tz: ZoneInfo, last: datetime | None
) -> list[datetime]:
    """Tick every `step` minutes from `start`; return the local moments a rescore ran."""
    ran: list[datetime] = []
    for m in range(0, minutes, step):
        now = start + timedelta(minutes=m)
        if plan_tick(now=now, last_nightly=last, at=at, tz=tz) == "rescore":
            ran.append(now.astimezone(tz))
            last = now
    return ran


def test_nightly_runs_once_a_night_across_midnight_and_a_dst_change() -> None:
    ran = nightly_runs(
        start=datetime(2026, 3, 27, 12, 0, tzinfo=UTC),
        minutes=3 * 24 * 60,
        step=3,
        at=time(0, 0),
        tz=BERLIN,
        last=datetime(2026, 3, 26, 23, 0, tzinfo=UTC),  # 27 March 00:00 Berlin already ran
    )
    assert [r.isoformat() for r in ran] == [
        "2026-03-28T00:00:00+01:00",
        "2026-03-29T00:00:00+01:00",
        "2026-03-30T00:00:00+02:00",
    ]


def test_nightly_inside_the_skipped_spring_forward_hour_runs_once() -> None:
    # 8 March 2026, New York: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that night.
    ran = nightly_runs(
        start=datetime(2026, 3, 8, 6, 0, tzinfo=UTC),  # 01:00 EST
        minutes=4 * 60,
        step=5,
        at=time(2, 30),
        tz=NEW_YORK,
        last=datetime(2026, 3, 7, 7, 30, tzinfo=UTC),  # last night's 02:30 EST
    )
    assert [r.isoformat() for r in ran] == ["2026-03-08T03:30:00-04:00"]


def test_nightly_inside_the_repeated_fall_back_hour_runs_once() -> None:
    # 1 November 2026, New York: 01:00-02:00 happens twice.
    ran = nightly_runs(
        start=datetime(2026, 11, 1, 4, 0, tzinfo=UTC),  # 00:00 EDT
        minutes=4 * 60,
        step=5,
        at=time(1, 30),
        tz=NEW_YORK,
        last=datetime(2026, 10, 31, 5, 30, tzinfo=UTC),
    )
    assert [r.isoformat() for r in ran] == ["2026-11-01T01:30:00-04:00"]


def test_nightly_due_before_and_after_the_local_time_in_a_non_utc_zone() -> None:
    at = time(2, 0)
    last = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 1 Dec 02:00 EST
    # 1 Dec 23:30 EST is already 2 Dec in UTC; tonight's 02:00 has not come yet.
    assert not nightly_due(
        now=datetime(2026, 12, 2, 4, 30, tzinfo=UTC), last_nightly=last, at=at, tz=NEW_YORK
    )
    assert nightly_due(
        now=datetime(2026, 12, 2, 7, 1, tzinfo=UTC), last_nightly=last, at=at, tz=NEW_YORK
    )
    # A daemon that never ran a nightly pass runs one first.
    assert nightly_due(
        now=datetime(2026, 12, 2, 4, 30, tzinfo=UTC), last_nightly=None, at=at, tz=NEW_YORK
    )


def test_healthz_turns_unhealthy_after_three_missed_intervals() -> None:
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    health = Health(interval_seconds=60, started_at=start)
    assert health.healthy(start + timedelta(seconds=180))
    assert not health.healthy(start + timedelta(seconds=181))

    health.record(
        now=start + timedelta(seconds=100), outcome="success", written=5, rejected=1, api_calls=7
    )
    health.record(
        now=start + timedelta(seconds=200), outcome="failed", written=0, rejected=0, api_calls=0
    )
    assert health.healthy(start + timedelta(seconds=280))  # 180 s after the last success
    assert not health.healthy(start + timedelta(seconds=281))

    metrics = health.metrics_text(start + timedelta(seconds=281))
    assert 'sfsync_passes_total{outcome="success"} 1.0' in metrics
    assert 'sfsync_passes_total{outcome="failed"} 1.0' in metrics
    assert "sfsync_leads_written_total 5.0" in metrics
    assert "sfsync_leads_rejected_total 1.0" in metrics
    assert "sfsync_api_calls_total 7.0" in metrics
    assert "sfsync_last_success_age_seconds 181.0" in metrics
    assert "sfsync_healthy 0.0" in metrics
    # No `*_created` series: rebuilt per scrape, they would read as a counter reset each time.
    assert "_created" not in metrics


def test_a_health_port_in_use_is_a_config_error_naming_the_setting() -> None:
    health = Health(interval_seconds=60, started_at=datetime(2026, 12, 1, tzinfo=UTC))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"SFSYNC_HEALTH_PORT={port}: cannot serve"):
            serve_health(health, host="127.0.0.1", port=port, clock=lambda: health.started_at)
