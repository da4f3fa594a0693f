"""
The daemon's health, split the way Kubernetes probes it:

- `/healthz` (liveness): 200 while the daemon's loop runs. A slow, failing or stuck pass
  never fails it: every request has a deadline, so a pass cannot hang, and restarting the
  daemon in the middle of a long first pass would only start that pass over.
- `/readyz` (readiness): 200 while leads are kept current: a pass succeeded within the last
  three intervals, or, before the first success, the daemon is still inside its first
  pass's grace period (a large org's first full read takes a while). 503 otherwise: an
  outage, a stuck pass, a spent budget. Both answer with a JSON body: the last pass's
  outcome and age, and the pass running now.
- `/metrics`: Prometheus counters of finished passes and gauges of the above.

Served on a loopback port from a thread; the loop updates `Health`, the HTTP thread reads it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sfsync.errors import ConfigError


@dataclass
class Health:
    """What the probes and /metrics report; updated by the loop, read by the HTTP thread."""

    interval_seconds: float
    started_at: datetime
    first_pass_grace_seconds: float = 0.0
    last_success: datetime | None = None
    last_outcome: str | None = None
    last_finished: datetime | None = None
    running_since: datetime | None = None
    running_kind: str | None = None
    stopping: bool = False
    passes: dict[str, int] = field(default_factory=dict)
    written_total: int = 0
    rejected_total: int = 0
    api_calls_total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def started(self, *, now: datetime, kind: str) -> None:
        """A pass of *kind* starts."""
        with self.lock:
            self.running_since, self.running_kind = now, kind

    def record(
        self, *, now: datetime, outcome: str, written: int, rejected: int, api_calls: int
    ) -> None:
        """Account one finished pass."""
        with self.lock:
            self.running_since = self.running_kind = None
            self.last_outcome, self.last_finished = outcome, now
            self.passes[outcome] = self.passes.get(outcome, 0) + 1
            self.written_total += written
            self.rejected_total += rejected
            self.api_calls_total += api_calls
            if outcome in ("success", "partial"):
                self.last_success = now

    def live(self) -> bool:
        """True while the loop runs (see the module docstring); False once it is stopping."""
        return not self.stopping

    def ready(self, now: datetime) -> bool:
        """A pass succeeded within three intervals, or the first pass is within its grace."""
        with self.lock:
            return self._ready(now)

    def _ready(self, now: datetime) -> bool:
        limit = 3 * self.interval_seconds
        if self.last_success is None:
            limit = max(limit, self.first_pass_grace_seconds)
        reference = self.last_success or self.started_at
        return now - reference <= timedelta(seconds=limit)

    def status(self, now: datetime) -> dict[str, Any]:
        """The probes' JSON body: readiness, why, the last pass and the one running now."""
        with self.lock:
            ready = self._ready(now)
            last = None
            if self.last_finished is not None:
                last = {
                    "outcome": self.last_outcome,
                    "finished_at": self.last_finished.isoformat(),
                    "age_seconds": round((now - self.last_finished).total_seconds(), 1),
                }
            running = None
            if self.running_since is not None:
                running = {
                    "kind": self.running_kind,
                    "started_at": self.running_since.isoformat(),
                    "seconds": round((now - self.running_since).total_seconds(), 1),
                }
            success_age = None
            if self.last_success is not None:
                success_age = round((now - self.last_success).total_seconds(), 1)
            return {
                "live": self.live(),
                "ready": ready,
                "reason": self._reason(now, ready),
                "last_pass": last,
                "last_success_age_seconds": success_age,
                "running": running,
            }

    def _reason(self, now: datetime, ready: bool) -> str:
        three = 3 * self.interval_seconds
        if self.last_success is None:
            grace = max(three, self.first_pass_grace_seconds)
            waited = (now - self.started_at).total_seconds()
            if ready:
                return f"first pass: {waited:.0f} s of a {grace:.0f} s grace period"
            return f"no pass has succeeded in the {waited:.0f} s since start (grace {grace:.0f} s)"
        age = (now - self.last_success).total_seconds()
        if ready:
            return f"last successful pass {age:.0f} s ago (limit {three:.0f} s)"
        return f"no successful pass for {age:.0f} s (limit {three:.0f} s: three intervals)"

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
            running = 0.0
            if self.running_since is not None:
                running = (now - self.running_since).total_seconds()
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
                    "Seconds since the last successful pass (since start before the first)",
                    value=(now - (self.last_success or self.started_at)).total_seconds(),
                ),
                GaugeMetricFamily(
                    "sfsync_pass_running_seconds",
                    "Seconds the pass running now has taken (0 between passes)",
                    value=running,
                ),
                GaugeMetricFamily(
                    "sfsync_ready", "1 when /readyz answers 200", value=int(self._ready(now))
                ),
                GaugeMetricFamily(
                    "sfsync_healthy",
                    "The same as sfsync_ready (its name before /readyz existed)",
                    value=int(self._ready(now)),
                ),
            ]

        class _Families:
            def collect(self) -> list[Metric]:
                return families

        return generate_latest(_Families()).decode()


def serve_health(
    health: Health, *, host: str, port: int, clock: Callable[[], datetime]
) -> ThreadingHTTPServer:
    """Start /healthz, /readyz and /metrics on a loopback port in a daemon thread."""
    if host not in ("127.0.0.1", "::1", "localhost"):
        msg = f"SFSYNC_HEALTH_HOST={host}: the health endpoint binds loopback only"
        raise ConfigError(msg)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            now = clock()
            if self.path in ("/healthz", "/readyz"):
                body = health.status(now)
                ok = body["live"] if self.path == "/healthz" else body["ready"]
                text = json.dumps(body, sort_keys=True) + "\n"
                self._send(200 if ok else 503, text.encode(), "application/json")
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
