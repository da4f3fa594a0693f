"""
The daemon itself: what one tick does (an incremental pass, or the nightly rescore when it
is due), what it records (health counters, the last nightly), and the loop around it.

The CLI builds a `Daemon` from the settings and runs it; tests build one with a fake
client, a fake clock and `interval=0`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

import structlog

from sfsync.daemon.health import Health
from sfsync.daemon.loop import run_forever
from sfsync.daemon.schedule import plan_tick
from sfsync.definition import CompiledDefinition
from sfsync.errors import SfsyncError
from sfsync.state import StateStore
from sfsync.stop import Stop
from sfsync.sync import OrgClient, PassContext, PassReport, run_pass

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Schedule:
    """When passes run: every *interval_seconds*, the nightly rescore at *nightly_at* in *tz*."""

    interval_seconds: float
    nightly_at: time
    tz: tzinfo


class Daemon:
    """
    Keep every lead current: each tick runs one pass (`run_pass`) with the daemon's
    collaborators, records it in *health*, and remembers a successful nightly in the store.

    *client* may be None: the first tick then logs in with *connect* (and a tick after an
    outage tries again), so an org that is down when the daemon starts is waited for like
    any other outage. With *once*, the first tick is the only one (cron and timers);
    `last_report` holds its pass's report. *stop* is the daemon's stop request: the pass
    and every wait in it end for it.
    """

    def __init__(
        self,
        client: OrgClient | None,
        store: StateStore,
        definition: CompiledDefinition,
        *,
        schedule: Schedule,
        overlap: timedelta,
        clock: Callable[[], datetime],
        health: Health,
        stop: Stop | None = None,
        once: bool = False,
        connect: Callable[[], OrgClient] | None = None,
    ) -> None:
        if client is None and connect is None:
            msg = "Daemon needs a client or a way to connect one"
            raise ValueError(msg)
        self.client = client
        self.store = store
        self.definition = definition
        self.schedule = schedule
        self.overlap = overlap
        self.clock = clock
        self.health = health
        self.stop = stop or Stop()
        self.once = once
        self.last_report: PassReport | None = None
        self._connect = connect
        self._last_nightly = store.last_nightly()

    def tick(self) -> None:
        """
        Run the pass that is due now: the nightly rescore once a night, else incremental.

        Raises:
            SfsyncError: the pass failed (recorded as a failed pass first).
        """
        now = self.clock()
        kind = plan_tick(
            now=now,
            last_nightly=self._last_nightly,
            at=self.schedule.nightly_at,
            tz=self.schedule.tz,
        )
        ctx = PassContext(now=now, mode=kind, overlap=self.overlap, stop=self.stop)
        self.health.started(now=now, kind=kind)
        try:
            if self.client is None:
                assert self._connect is not None
                self.client = self._connect()
            report = run_pass(self.client, self.store, self.definition, ctx)
        except SfsyncError:
            self.health.record(
                now=self.clock(), outcome="failed", written=0, rejected=0, api_calls=0
            )
            if self.once:
                # run_forever waits out an outage for the next tick; --once has none.
                self.stop.set()
            raise
        self.last_report = report
        self.health.record(
            now=self.clock(),
            outcome=report.outcome,
            written=report.written,
            rejected=report.rejected,
            api_calls=report.api_calls,
        )
        if kind == "rescore" and report.outcome == "success":
            self._last_nightly = now
            self.store.set_last_nightly(now)
        if self.once:
            self.stop.set()

    def run(self) -> None:
        """
        Tick until `stop` is set (by a signal handler, or after the single tick of *once*).

        Raises:
            SfsyncError: as `run_forever` lets through (authentication, configuration,
                state store); a spent budget or an outage only waits for the next tick.
        """
        run_forever(
            self.tick, interval=0 if self.once else self.schedule.interval_seconds, stop=self.stop
        )
