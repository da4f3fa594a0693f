"""
The daemon's pure parts with fixed clocks: when the nightly rescore is due (across midnight
and both DST changes), and what /healthz (liveness) and /readyz (readiness) answer.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
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


def test_readiness_needs_a_success_within_three_intervals_liveness_does_not() -> None:
    """/readyz turns 503 three intervals after the last success; /healthz stays 200."""
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    health = Health(interval_seconds=60, started_at=start)
    assert health.ready(start + timedelta(seconds=180))
    assert not health.ready(start + timedelta(seconds=181))

    health.record(
        now=start + timedelta(seconds=100), outcome="success", written=5, rejected=1, api_calls=7
    )
    health.record(
        now=start + timedelta(seconds=200), outcome="failed", written=0, rejected=0, api_calls=0
    )
    assert health.ready(start + timedelta(seconds=280))  # 180 s after the last success
    later = start + timedelta(seconds=281)
    assert not health.ready(later)
    status = health.status(later)
    assert (True, False) == (status["live"], status["ready"])
    assert {
        "outcome": "failed",
        "finished_at": "2026-12-01T12:03:20+00:00",
        "age_seconds": 81.0,
    } == (status["last_pass"])
    assert 181.0 == status["last_success_age_seconds"]
    assert "no successful pass for 181 s (limit 180 s: three intervals)" == status["reason"]

    metrics = health.metrics_text(later)
    assert 'sfsync_passes_total{outcome="success"} 1.0' in metrics
    assert 'sfsync_passes_total{outcome="failed"} 1.0' in metrics
    assert "sfsync_leads_written_total 5.0" in metrics
    assert "sfsync_leads_rejected_total 1.0" in metrics
    assert "sfsync_api_calls_total 7.0" in metrics
    assert "sfsync_last_success_age_seconds 181.0" in metrics
    assert "sfsync_ready 0.0" in metrics
    assert "sfsync_healthy 0.0" in metrics  # its name before /readyz, for existing alerts
    # No `*_created` series: rebuilt per scrape, they would read as a counter reset each time.
    assert "_created" not in metrics


def test_a_long_first_pass_is_ready_within_its_grace_and_reported_as_running() -> None:
    """Before the first success the grace period counts, not three intervals; a pass that
    runs past it is not ready, yet the daemon stays live."""
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    health = Health(interval_seconds=60, started_at=start, first_pass_grace_seconds=3600)
    health.started(now=start, kind="rescore")

    an_hour = start + timedelta(seconds=3600)
    assert health.ready(an_hour)
    status = health.status(an_hour)
    assert {"kind": "rescore", "started_at": start.isoformat(), "seconds": 3600.0} == (
        status["running"]
    )
    assert "first pass: 3600 s of a 3600 s grace period" == status["reason"]

    stuck = health.status(an_hour + timedelta(seconds=1))
    assert (True, False, None) == (stuck["live"], stuck["ready"], stuck["last_pass"])
    assert "sfsync_pass_running_seconds 3601.0" in health.metrics_text(
        an_hour + timedelta(seconds=1)
    )

    health.record(now=an_hour, outcome="success", written=1, rejected=0, api_calls=3)
    assert health.ready(an_hour + timedelta(seconds=180))
    assert health.status(an_hour)["running"] is None


def test_probes_answer_json_with_their_own_status_codes() -> None:
    """/healthz is 200 while live, /readyz 503 when not ready; both carry the status."""
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    health = Health(interval_seconds=60, started_at=start)
    server = serve_health(
        health, host="127.0.0.1", port=0, clock=lambda: start + timedelta(seconds=500)
    )
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
            live = json.load(answer)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/readyz", timeout=5)
        with refused.value:
            assert 503 == refused.value.code
            ready = json.load(refused.value)
        health.stopping = True
        with pytest.raises(urllib.error.HTTPError) as stopping:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
        with stopping.value:
            assert 503 == stopping.value.code
    finally:
        server.shutdown()
        server.server_close()
    assert (True, False) == (live["live"], live["ready"])
    assert live == ready


def test_a_health_port_in_use_is_a_config_error_naming_the_setting() -> None:
    health = Health(interval_seconds=60, started_at=datetime(2026, 12, 1, tzinfo=UTC))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"SFSYNC_HEALTH_PORT={port}: cannot serve"):
            serve_health(health, host="127.0.0.1", port=port, clock=lambda: health.started_at)
