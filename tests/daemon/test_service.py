"""
The daemon's own schedule, run directly: a fake org, a fake clock and `interval=0`, so
nothing sleeps and every tick is decided by the clock the test sets.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from sfsync.daemon.health import Health
from sfsync.daemon.loop import run_forever
from sfsync.daemon.service import Daemon, Schedule
from sfsync.errors import (
    AuthenticationError,
    QuotaExceededError,
    RetriableSalesforceError,
)
from sfsync.state import StateStore
from tests.scoring.factories import default_definition, make_lead
from tests.sync.fakes import REP, FakeOrg

NIGHTLY = Schedule(interval_seconds=0.0, nightly_at=time(2, 0), tz=UTC)
EVENING = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)


class Clock:
    """Readings from a list of moments; the last one repeats."""

    def __init__(self, *moments: datetime) -> None:
        self.moments = list(moments)

    def __call__(self) -> datetime:
        return self.moments.pop(0) if len(self.moments) > 1 else self.moments[0]


def _org() -> FakeOrg:
    lead = make_lead(Id="00Q000000000000001", SystemModstamp="2026-10-01T09:00:00.000+0000")
    lead.update(LastModifiedById=REP, Name="Lee", Company="Acme")
    return FakeOrg({"Lead": [lead]})


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        yield store


def _daemon(store: StateStore, clock: Clock, **options: Any) -> Daemon:
    options.setdefault("client", _org())
    client = options.pop("client")
    return Daemon(
        client,
        store,
        default_definition(),
        schedule=NIGHTLY,
        overlap=timedelta(minutes=5),
        clock=clock,
        health=Health(interval_seconds=60, started_at=EVENING),
        **options,
    )


def test_the_first_tick_is_the_nightly_rescore_and_is_remembered(store: StateStore) -> None:
    """No nightly yet: the first tick rescores, and the store keeps when it ran."""
    daemon = _daemon(store, Clock(EVENING), once=True)

    daemon.run()

    assert daemon.last_report is not None
    assert ("rescore", "success") == (daemon.last_report.mode, daemon.last_report.outcome)
    assert EVENING == store.last_nightly()
    assert {"success": 1} == daemon.health.passes


def test_ticks_after_the_nightly_are_incremental_until_the_next_night(store: StateStore) -> None:
    """After tonight's rescore, ticks are incremental; past 02:00 the next rescore runs."""
    store.set_last_nightly(EVENING)
    night = EVENING + timedelta(hours=4, minutes=1)  # 02:01 the next day
    daemon = _daemon(store, Clock(EVENING + timedelta(minutes=15)))
    modes = []
    for now in (EVENING + timedelta(minutes=15), EVENING + timedelta(hours=1), night):
        daemon.clock = Clock(now)
        daemon.tick()
        assert daemon.last_report is not None
        modes.append(daemon.last_report.mode)

    assert ["incremental", "incremental", "rescore"] == modes
    assert night == store.last_nightly()


def test_a_stopped_daemon_restarted_remembers_last_nights_rescore(store: StateStore) -> None:
    """The last nightly survives a restart: a new daemon does not rescore again tonight."""
    _daemon(store, Clock(EVENING), once=True).run()
    again = _daemon(store, Clock(EVENING + timedelta(minutes=30)), once=True)

    again.run()

    assert again.last_report is not None
    assert "incremental" == again.last_report.mode


def test_a_failed_pass_is_counted_unhealthy_and_propagates(store: StateStore) -> None:
    """An authentication failure is recorded as a failed pass, then ends the daemon."""

    class Refusing(FakeOrg):
        def start_budget(self) -> tuple[int, int] | None:
            raise AuthenticationError("login refused", status=401)

    daemon = _daemon(store, Clock(EVENING), client=Refusing({}), once=True)

    with pytest.raises(AuthenticationError):
        daemon.run()

    assert {"failed": 1} == daemon.health.passes
    assert daemon.stop.is_set()
    assert daemon.last_report is None


def test_run_forever_waits_out_budget_and_outages_and_stops_when_told() -> None:
    """A spent budget or an outage logs a warning and the loop goes on; stop ends it."""
    stop = threading.Event()
    errors: list[Exception] = [
        QuotaExceededError("budget spent"),
        RetriableSalesforceError("503"),
    ]
    ticks = []

    def tick() -> None:
        ticks.append(len(ticks))
        if errors:
            raise errors.pop(0)
        stop.set()

    with capture_logs() as logs:
        run_forever(tick, interval=0, stop=stop)

    assert [0, 1, 2] == ticks
    assert ["sfsync.daemon.budget_spent", "sfsync.daemon.salesforce_unavailable"] == [
        e["event"] for e in logs
    ]


def test_run_forever_lets_fatal_errors_through() -> None:
    """Authentication, configuration and state store errors end the loop for the supervisor."""

    def tick() -> None:
        raise AuthenticationError("session still invalid")

    with pytest.raises(AuthenticationError):
        run_forever(tick, interval=0, stop=threading.Event())
