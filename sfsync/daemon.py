"""
The daemon: an incremental pass every few minutes, a full rescore nightly at a local time,
one instance per org, a clean stop on SIGTERM, and /healthz + /metrics on a loopback port.

`run_forever` only loops; what a tick does is decided by `plan_tick` (pure) and carried out
by the caller's `tick` function, so tests pass `interval=0` and a tick that sets `stop`.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, Literal

import structlog

from sfsync.errors import ConfigError, QuotaExceededError, RetriableSalesforceError

log = structlog.get_logger(__name__)

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


@dataclass
class Health:
    """What /healthz and /metrics report; updated by the loop, read by the HTTP thread."""

    interval_seconds: float
    started_at: datetime
    last_success: datetime | None = None
    last_outcome: str | None = None
    passes: dict[str, int] = field(default_factory=dict)
    written_total: int = 0
    rejected_total: int = 0
    api_calls_total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def healthy(self, now: datetime) -> bool:
        """Unhealthy when the last successful pass is older than three intervals."""
        limit = timedelta(seconds=3 * self.interval_seconds)
        reference = self.last_success or self.started_at
        return now - reference <= limit

    def record(
        self, *, now: datetime, outcome: str, written: int, rejected: int, api_calls: int
    ) -> None:
        """Account one finished pass."""
        with self.lock:
            self.last_outcome = outcome
            self.passes[outcome] = self.passes.get(outcome, 0) + 1
            self.written_total += written
            self.rejected_total += rejected
            self.api_calls_total += api_calls
            if outcome in ("success", "partial"):
                self.last_success = now

    def metrics_text(self, now: datetime) -> str:
        """
        The Prometheus text exposition of the daemon's counters.

        Built from metric families rather than a fresh registry of Counters per scrape: those
        would also emit `*_created` series stamped with the scrape time, telling Prometheus
        every counter was reset at every scrape.
        """
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
        from prometheus_client.exposition import generate_latest

        with self.lock:
            passes = CounterMetricFamily(
                "sfsync_passes", "Sync passes by outcome", labels=["outcome"]
            )
            for outcome, n in sorted(self.passes.items()):
                passes.add_metric([outcome], n)
            families: list[Metric] = [
                passes,
                CounterMetricFamily(
                    "sfsync_leads_written", "Leads written", value=self.written_total
                ),
                CounterMetricFamily(
                    "sfsync_leads_rejected", "Lead writes rejected", value=self.rejected_total
                ),
                CounterMetricFamily(
                    "sfsync_api_calls", "Salesforce API calls made", value=self.api_calls_total
                ),
                GaugeMetricFamily(
                    "sfsync_last_success_age_seconds",
                    "Seconds since the last successful pass",
                    value=(now - (self.last_success or self.started_at)).total_seconds(),
                ),
                GaugeMetricFamily(
                    "sfsync_healthy",
                    "1 when the daemon is healthy",
                    value=1 if self.healthy(now) else 0,
                ),
            ]

        class _Families:
            def collect(self) -> list[Metric]:
                return families

        return generate_latest(_Families()).decode()


def serve_health(
    health: Health, *, host: str, port: int, clock: Callable[[], datetime]
) -> ThreadingHTTPServer:
    """Start /healthz and /metrics on a loopback port in a daemon thread; returns the server."""
    if host not in ("127.0.0.1", "::1", "localhost"):
        msg = f"SFSYNC_HEALTH_HOST={host}: the health endpoint binds loopback only"
        raise ConfigError(msg)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            now = clock()
            if self.path == "/healthz":
                ok = health.healthy(now)
                body = b"ok\n" if ok else b"unhealthy: no successful pass in 3 intervals\n"
                self._send(200 if ok else 503, body, "text/plain; charset=utf-8")
            elif self.path == "/metrics":
                self._send(200, health.metrics_text(now).encode(), "text/plain; version=0.0.4")
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        msg = (
            f"SFSYNC_HEALTH_PORT={port}: cannot serve /healthz on {host}:{port} "
            f"({exc.strerror or exc}); pick a free port, or stop what is using it"
        )
        raise ConfigError(msg) from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="sfsync-health", daemon=True).start()
    return server


class InstanceLock:
    """
    One daemon per org: an exclusive flock on a file beside the state store.

    The lock is released by the kernel when the process dies, so a SIGKILLed daemon never
    leaves a stale lock behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    @classmethod
    def beside(cls, state_path: Path) -> InstanceLock:
        """The org's lock: `<state file>.lock`, shared by the daemon, sync and backfill."""
        return cls(Path(str(state_path) + ".lock"))

    def acquire(self) -> None:
        """Take the lock or raise ConfigError naming the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            msg = (
                f"an sfsync daemon, sync or backfill is already running for this org (pid "
                f"{holder}, lock {self.path}); one at a time per org: wait for it or stop "
                "it, or point SFSYNC_STATE_PATH at another org's state"
            )
            raise ConfigError(msg) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Release the lock (also released automatically when the process exits)."""
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def run_forever(tick: Callable[[], None], *, interval: float, stop: threading.Event) -> None:
    """
    Call `tick` every `interval` seconds until `stop` is set.

    Per-tick policy (STYLE §8): a spent budget or a Salesforce outage that outlasted the
    retries logs a warning and waits for the next tick; anything else (authentication,
    configuration, state store) propagates so the supervisor restarts or alerts.
    """
    while not stop.is_set():
        try:
            tick()
        except QuotaExceededError as exc:
            log.warning("sfsync.daemon.budget_spent", error=str(exc))
        except RetriableSalesforceError as exc:
            log.warning("sfsync.daemon.salesforce_unavailable", error=str(exc))
        stop.wait(interval)
