"""
The daemon's health: counters of finished passes, `/healthz` (unhealthy when the last
successful pass is older than three intervals) and Prometheus `/metrics`, served on a
loopback port from a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sfsync.errors import ConfigError


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
